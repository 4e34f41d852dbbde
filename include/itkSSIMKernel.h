/*=========================================================================
 *
 *  Copyright SSIMAutoencoder contributors
 *
 *  Licensed under the Apache License, Version 2.0 (the "License");
 *  you may not use this file except in compliance with the License.
 *  You may obtain a copy of the License at
 *
 *         http://www.apache.org/licenses/LICENSE-2.0.txt
 *
 *  Unless required by applicable law or agreed to in writing, software
 *  distributed under the License is distributed on an "AS IS" BASIS,
 *  WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 *  See the License for the specific language governing permissions and
 *  limitations under the License.
 *
 *=========================================================================*/
#ifndef itkSSIMKernel_h
#define itkSSIMKernel_h

#include "SSIMAutoencoderExport.h"

#include <array>
#include <cstddef>
#include <vector>

namespace itk
{
namespace SSIMKernel
{

/** Window taps along one axis, normalised to sum to one; an axis that is not filtered has the single tap {1}. */
using WeightsType = std::vector<double>;

/** Gaussian taps exp(-k^2 / (2 sigma^2)) for k = -radius..radius, normalised to sum to one. */
SSIMAutoencoder_EXPORT WeightsType
GaussianWeights(double sigma, unsigned int radius);

/** Uniform taps 1/size for an odd window size. */
SSIMAutoencoder_EXPORT WeightsType
UniformWeights(unsigned int size);

/** \brief Settings of one SSIM block computation.
 *
 * Images are at most three-dimensional, stored contiguously with x fastest (ITK's index order). The padded
 * block has PaddedSize[d] = OutputSize[d] + Weights[d].size() - 1 samples along axis d. */
struct SSIMAutoencoder_EXPORT BlockSettings
{
  std::array<std::size_t, 3> OutputSize{ { 1, 1, 1 } };
  std::array<WeightsType, 3> Weights{ { WeightsType{ 1.0 }, WeightsType{ 1.0 }, WeightsType{ 1.0 } } };
  double                     C1{ 1e-4 };
  double                     C2{ 9e-4 };
  double                     Alpha{ 1.0 };
  double                     Beta{ 1.0 };
  double                     Gamma{ 1.0 };
};

/** Where the maps are written: first output pixel of each map (a null pointer skips that map) and the element
 * strides between consecutive rows and slices of the output buffers. */
template <typename TOutput>
struct OutputBlock
{
  TOutput *   SSIM{ nullptr };
  TOutput *   Luminance{ nullptr };
  TOutput *   Contrast{ nullptr };
  TOutput *   Structure{ nullptr };
  std::size_t RowStride{ 0 };
  std::size_t SliceStride{ 0 };
};

/** Computes the SSIM map (and the component maps) of a padded block of two images x and y.
 * Local moments are accumulated in double precision. Returns the sum of the SSIM values written, for means. */
template <typename TOutput>
SSIMAutoencoder_EXPORT double
ComputeBlock(const double * x, const double * y, const BlockSettings & settings, const OutputBlock<TOutput> & out);

} // namespace SSIMKernel
} // namespace itk

#endif
