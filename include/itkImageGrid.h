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
#ifndef itkImageGrid_h
#define itkImageGrid_h

#include "itkImage.h"
#include "itkImageRegionConstIterator.h"
#include "SSIMAutoencoderExport.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace itk {
namespace ImageGrid {

/** Sizes of an image buffer, x fastest (ITK order). */
using SizesType = std::vector<std::size_t>;

/** Samples along an axis of `size` samples after scaling it by `scale`: round(size * scale), at least 1. */
SSIMAutoencoder_EXPORT std::size_t
ScaledSize(std::size_t size, double scale);

/** Gaussian blur with a standard deviation in samples per axis (0: that axis is not blurred). Sampled Gaussian taps
 * out to round(4 sigma), normalised; borders mirrored with the edge sample repeated. Equal to
 * scipy.ndimage.gaussian_filter(mode="reflect", truncate=4). */
SSIMAutoencoder_EXPORT std::vector<float>
GaussianBlur(const float * values, const SizesType & size, const std::vector<double> & sigma);

/** Resamples a buffer to another number of samples per axis, axis by axis: the samples of both grids are cell
 * centres of the same extent (corner-aligned; a sample of the new grid at j maps to (j + 0.5) f - 0.5 with
 * f = old / new), values are interpolated linearly, positions beyond the first or last centre take the edge value.
 * Along an axis that shrinks, the samples are first blurred with a Gaussian of sigma (f - 1) / 2 samples against
 * aliasing. Equal to skimage.transform.resize(order=1, mode="symmetric", anti_aliasing=True) up to rounding. */
SSIMAutoencoder_EXPORT std::vector<float>
Resample(const float * values, const SizesType & size, const SizesType & newSize);

/** Gives `target` the grid of `newSize` samples that covers the same physical extent as `image`'s largest region:
 * spacing scaled by old / new samples, origin moved to the new first cell centre, direction kept. */
template<unsigned int VDimension>
void
SetResampledGeometry(const ImageBase<VDimension> * image, const Size<VDimension> & newSize, ImageBase<VDimension> * target)
{
  const auto                 region = image->GetLargestPossibleRegion();
  auto                       spacing = image->GetSpacing();
  Vector<double, VDimension> shift;
  for (unsigned int d = 0; d < VDimension; ++d)
  {
    const double newSpacing = spacing[d] * static_cast<double>(region.GetSize(d)) / static_cast<double>(newSize[d]);
    shift[d] = 0.5 * (newSpacing - spacing[d]);
    spacing[d] = newSpacing;
  }
  typename ImageBase<VDimension>::PointType origin;
  image->TransformIndexToPhysicalPoint(region.GetIndex(), origin);
  target->SetLargestPossibleRegion(ImageRegion<VDimension>(newSize));
  target->SetSpacing(spacing);
  target->SetDirection(image->GetDirection());
  target->SetOrigin(origin + image->GetDirection() * shift);
}

/** An image resampled onto `newSize` samples covering the same physical extent (SetResampledGeometry). */
template<unsigned int VDimension>
typename Image<float, VDimension>::Pointer
ResampleImage(const Image<float, VDimension> * image, const Size<VDimension> & newSize)
{
  using ImageType = Image<float, VDimension>;
  SizesType from(VDimension), to(VDimension);
  for (unsigned int d = 0; d < VDimension; ++d)
  {
    from[d] = image->GetBufferedRegion().GetSize(d);
    to[d] = newSize[d];
  }
  auto output = ImageType::New();
  SetResampledGeometry<VDimension>(image, newSize, output);
  output->SetBufferedRegion(output->GetLargestPossibleRegion());
  output->SetRequestedRegion(output->GetLargestPossibleRegion());
  output->Allocate();
  const auto values = Resample(image->GetBufferPointer(), from, to);
  std::copy(values.begin(), values.end(), output->GetBufferPointer());
  return output;
}

/** A float copy of an image's largest region, with its geometry. */
template<typename TImage>
typename Image<float, TImage::ImageDimension>::Pointer
ToFloatImage(const TImage * image)
{
  using FloatImageType = Image<float, TImage::ImageDimension>;
  auto       copy = FloatImageType::New();
  const auto region = image->GetLargestPossibleRegion();
  copy->CopyInformation(image);
  copy->SetRegions(region);
  copy->Allocate();
  ImageRegionConstIterator<TImage> in(image, region);
  for (float * out = copy->GetBufferPointer(); !in.IsAtEnd(); ++in, ++out)
  {
    *out = static_cast<float>(in.Get());
  }
  return copy;
}

} // namespace ImageGrid
} // namespace itk

#endif
