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
#include "itkDefectRegions.h"
#include "itkConnectedComponentImageFilter.h"
#include "itkMacro.h"
#include "itkRelabelComponentImageFilter.h"

#include <algorithm>

namespace itk {

namespace {
using SizeType = DefectRegions::SizeType;
using LabelType = DefectRegions::LabelType;
using RegionSizesType = DefectRegions::RegionSizesType;

std::size_t
PixelCount(const SizeType & size)
{
  return size[0] * size[1] * size[2];
}

template<unsigned int VDimension>
typename Image<LabelType, VDimension>::Pointer
LabelImage(const Image<unsigned char, VDimension> * mask,
           std::size_t                              minimumSize,
           bool                                     fullyConnected,
           RegionSizesType *                        sizes)
{
  using MaskImageType = Image<unsigned char, VDimension>;
  using LabelImageType = Image<LabelType, VDimension>;
  if (mask == nullptr)
  {
    itkGenericExceptionMacro("DefectRegions: the mask image is null");
  }
  // A shallow copy restricted to the buffer: the caller's pipeline is not updated, and only stored pixels are read.
  auto input = MaskImageType::New();
  input->Graft(mask);
  input->SetLargestPossibleRegion(mask->GetBufferedRegion());
  input->SetRequestedRegion(mask->GetBufferedRegion());

  auto components = ConnectedComponentImageFilter<MaskImageType, LabelImageType>::New();
  components->SetInput(input);
  components->SetFullyConnected(fullyConnected);
  auto relabel = RelabelComponentImageFilter<LabelImageType, LabelImageType>::New();
  relabel->SetInput(components->GetOutput());
  relabel->SetSortByObjectSize(false);
  relabel->SetMinimumObjectSize(minimumSize);
  relabel->Update();
  if (sizes != nullptr)
  {
    const auto & objectSizes = relabel->GetSizeOfObjectsInPixels();
    sizes->assign(objectSizes.begin(), objectSizes.end());
  }
  typename LabelImageType::Pointer labels = relabel->GetOutput();
  labels->DisconnectPipeline();
  return labels;
}

// An image over a caller's buffer (not copied, not owned, only read).
template<unsigned int VDimension>
typename Image<unsigned char, VDimension>::Pointer
BufferImage(const std::uint8_t * mask, const SizeType & size)
{
  using MaskImageType = Image<unsigned char, VDimension>;
  typename MaskImageType::SizeType imageSize;
  for (unsigned int d = 0; d < VDimension; ++d)
  {
    imageSize[d] = size[d];
  }
  auto image = MaskImageType::New();
  image->SetRegions(imageSize);
  image->GetPixelContainer()->SetImportPointer(const_cast<std::uint8_t *>(mask), PixelCount(size), false);
  return image;
}

template<unsigned int VDimension>
RegionSizesType
LabelBuffer(const std::uint8_t *     mask,
            const SizeType &         size,
            std::vector<LabelType> & labels,
            std::size_t              minimumSize,
            bool                     fullyConnected)
{
  RegionSizesType sizes;
  const auto image = LabelImage<VDimension>(BufferImage<VDimension>(mask, size), minimumSize, fullyConnected, &sizes);
  labels.assign(image->GetBufferPointer(), image->GetBufferPointer() + PixelCount(size));
  return sizes;
}

template<unsigned int VDimension>
typename Image<unsigned char, VDimension>::Pointer
ThresholdImage(const Image<float, VDimension> * values, double threshold, std::size_t minimumSize, bool fullyConnected)
{
  if (values == nullptr)
  {
    itkGenericExceptionMacro("DefectRegions: the image to threshold is null");
  }
  const auto region = values->GetBufferedRegion();
  SizeType   size{ { 1, 1, 1 } };
  for (unsigned int d = 0; d < VDimension; ++d)
  {
    size[d] = region.GetSize(d);
  }
  const auto selected =
    DefectRegions::ThresholdMask(values->GetBufferPointer(), size, threshold, minimumSize, fullyConnected);
  auto mask = Image<unsigned char, VDimension>::New();
  mask->CopyInformation(values);
  mask->SetRegions(region);
  mask->Allocate();
  std::copy(selected.begin(), selected.end(), mask->GetBufferPointer());
  return mask;
}
} // namespace

DefectRegions::RegionSizesType
DefectRegions::Label(const std::uint8_t *     mask,
                     const SizeType &         size,
                     std::vector<LabelType> & labels,
                     std::size_t              minimumSize,
                     bool                     fullyConnected)
{
  if (PixelCount(size) == 0)
  {
    labels.clear();
    return {};
  }
  if (mask == nullptr)
  {
    itkGenericExceptionMacro("DefectRegions::Label: the mask buffer is null");
  }
  // A single z plane is labelled in 2D: the same regions, without a third axis to scan.
  if (size[2] == 1)
  {
    return LabelBuffer<2>(mask, size, labels, minimumSize, fullyConnected);
  }
  return LabelBuffer<3>(mask, size, labels, minimumSize, fullyConnected);
}

std::vector<std::uint8_t>
DefectRegions::ThresholdMask(const float *    values,
                             const SizeType & size,
                             double           threshold,
                             std::size_t      minimumSize,
                             bool             fullyConnected)
{
  const std::size_t count = PixelCount(size);
  if (count > 0 && values == nullptr)
  {
    itkGenericExceptionMacro("DefectRegions::ThresholdMask: the value buffer is null");
  }
  std::vector<std::uint8_t> mask(count);
  for (std::size_t i = 0; i < count; ++i)
  {
    mask[i] = values[i] > threshold ? 1 : 0;
  }
  if (minimumSize > 1)
  {
    std::vector<LabelType> labels;
    Label(mask.data(), size, labels, minimumSize, fullyConnected);
    for (std::size_t i = 0; i < count; ++i)
    {
      mask[i] = labels[i] != 0 ? 1 : 0;
    }
  }
  return mask;
}

DefectRegions::RegionSizesType
DefectRegions::RegionSizesAbove(const float * values, const SizeType & size, double threshold, bool fullyConnected)
{
  const auto             mask = ThresholdMask(values, size, threshold);
  std::vector<LabelType> labels;
  return Label(mask.data(), size, labels, 0, fullyConnected);
}

Image<DefectRegions::LabelType, 2>::Pointer
DefectRegions::Label(const Image<unsigned char, 2> * mask,
                     std::size_t                     minimumSize,
                     bool                            fullyConnected,
                     RegionSizesType *               sizes)
{
  return LabelImage<2>(mask, minimumSize, fullyConnected, sizes);
}

Image<DefectRegions::LabelType, 3>::Pointer
DefectRegions::Label(const Image<unsigned char, 3> * mask,
                     std::size_t                     minimumSize,
                     bool                            fullyConnected,
                     RegionSizesType *               sizes)
{
  return LabelImage<3>(mask, minimumSize, fullyConnected, sizes);
}

Image<unsigned char, 2>::Pointer
DefectRegions::ThresholdMask(const Image<float, 2> * values,
                             double                  threshold,
                             std::size_t             minimumSize,
                             bool                    fullyConnected)
{
  return ThresholdImage<2>(values, threshold, minimumSize, fullyConnected);
}

Image<unsigned char, 3>::Pointer
DefectRegions::ThresholdMask(const Image<float, 3> * values,
                             double                  threshold,
                             std::size_t             minimumSize,
                             bool                    fullyConnected)
{
  return ThresholdImage<3>(values, threshold, minimumSize, fullyConnected);
}

} // namespace itk
