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

namespace itk {
namespace SSIMKernel {

/** Index of sample `index` of an axis of `size` samples, mirrored at the borders with the edge sample repeated
 * (d c b a | a b c d | d c b a; scipy.ndimage's "reflect"), also for indices more than one period away. This is
 * the border rule of SSIMImageFilter, of the torch SSIM loss and of the patch padding of the autoencoder. */
inline long long
MirrorIndex(long long index, long long size)
{
  const long long period = 2 * size;
  index %= period;
  if (index < 0)
  {
    index += period;
  }
  return index < size ? index : period - 1 - index;
}

/** Window taps along one axis, normalised to sum to one; an axis that is not filtered has the single tap {1}. */
using WeightsType = std::vector<double>;

/** Gaussian taps exp(-k^2 / (2 sigma^2)) for k = -radius..radius, normalised to sum to one. */
SSIMAutoencoder_EXPORT WeightsType
GaussianWeights(double sigma, unsigned int radius);

/** Uniform taps 1/size for an odd window size. */
SSIMAutoencoder_EXPORT WeightsType
UniformWeights(unsigned int size);

/** Constants of the SSIM formula (C1 = (K1 L)^2, C2 = (K2 L)^2) and the exponents of l, c and s. */
struct SSIMAutoencoder_EXPORT Constants
{
  double C1{ 1e-4 };
  double C2{ 9e-4 };
  double Alpha{ 1.0 };
  double Beta{ 1.0 };
  double Gamma{ 1.0 };
};

/** Where one output row goes: first pixel of each map; a null pointer skips that map. */
template<typename TOutput>
struct OutputRow
{
  TOutput * SSIM{ nullptr };
  TOutput * Luminance{ nullptr };
  TOutput * Contrast{ nullptr };
  TOutput * Structure{ nullptr };
};

/** Computes one output row of the SSIM map (and of the component maps) of two images x and y.
 *
 * The window is separable: `rowCount` padded input rows of each image (x fastest, `width + wx.size() - 1`
 * samples each, mirrored at the borders by the caller) contribute with the weights `rowWeights` (the product of
 * the window taps along the outer axes), and `wx` filters along x. Local moments are accumulated in double
 * precision. `scratch` holds at least ScratchSize(width, wx.size()) doubles. Returns the sum of the SSIM values of
 * the row. */
template<typename TOutput>
SSIMAutoencoder_EXPORT double
ComputeRow(const double * const *     xRows,
           const double * const *     yRows,
           const double *             rowWeights,
           std::size_t                rowCount,
           const WeightsType &        wx,
           std::size_t                width,
           const Constants &          constants,
           const OutputRow<TOutput> & out,
           double *                   scratch);

/** Moment rows the window sums per padded row: 4 (x, y, x^2 + y^2, xy) when only the SSIM map is computed with unit
 * exponents -- the formula then needs E[x^2] and E[y^2] only as their sum, which saves a fifth of every pass -- else 5
 * (x, y, x^2, y^2, xy). */
SSIMAutoencoder_EXPORT unsigned int
MomentChannels(const Constants & constants, bool componentMaps);

/** Output planes grouped in the window along the outermost axis of a volume: each input row is loaded once per
 * group. */
constexpr unsigned int MomentPlaneGroup = 2;

/** The window along the outermost axis of a volume, applied once per padded row for `planes` (1 ..
 * MomentPlaneGroup) consecutive output planes: `xRows` and `yRows` hold the rows of `rowCount + planes - 1`
 * consecutive padded input planes at one padded row, and moment block p sums the weighted moments (`channels`, see
 * MomentChannels) of rows p .. p + rowCount - 1 at each of `length` columns into `moments[p]`, `channels` rows of
 * `length` doubles one after the other. A block's values do not depend on the number of planes computed with it. */
SSIMAutoencoder_EXPORT void
AccumulateMoments(const double * const * xRows,
                  const double * const * yRows,
                  const double *         rowWeights,
                  std::size_t            rowCount,
                  std::size_t            planes,
                  std::size_t            length,
                  unsigned int           channels,
                  double * const *       moments);

/** Output rows grouped in the window along axis 1 of a volume: each moment block is loaded once per group. */
constexpr unsigned int MomentRowGroup = 4;

/** Like ComputeRow, for `rowCount` consecutive output rows of a volume from moment blocks of padded rows
 * (AccumulateMoments with length `width + wx.size() - 1` and MomentChannels(constants, any component map in `out`))
 * instead of input rows: output row r combines blocks
 * r .. r + taps - 1 of `momentBlocks` (which holds `taps + rowCount - 1` blocks) with the weights `rowWeights`, then
 * is filtered along x and written to `out[r]`. The window of a volume is so applied one axis at a time: a voxel
 * costs three one-dimensional windows instead of a two-dimensional and a one-dimensional one. `scratch` holds
 * ScratchSize(width, wx.size(), rowCount) doubles. Returns the sum of the SSIM values of the rows. */
template<typename TOutput>
SSIMAutoencoder_EXPORT double
ComputeRowsFromMoments(const double * const *     momentBlocks,
                       const double *             rowWeights,
                       std::size_t                taps,
                       std::size_t                rowCount,
                       const WeightsType &        wx,
                       std::size_t                width,
                       const Constants &          constants,
                       const OutputRow<TOutput> * out,
                       double *                   scratch);

/** Doubles of scratch memory ComputeRow (one row) and ComputeRowsFromMoments (`rows` rows) need. */
inline std::size_t
ScratchSize(std::size_t width, std::size_t taps, std::size_t rows = 1)
{
  return 5 * rows * (width + taps - 1) + 5 * width;
}

} // namespace SSIMKernel
} // namespace itk

#endif
