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
#include "ssimaeSegmentation.h"
#include "ssimaeCommandLine.h"
#include "ssimaePipeline.h"

#include "itkAtomicFile.h"
#include "itkExtractImageFilter.h"
#include "itkImageFileWriter.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"

#include <cmath>
#include <cstdlib>

namespace ssimae {

SegmentSettings
ChooseSegmentSettings(const itk::AutoencoderModel & model,
                      const std::string &           modelPath,
                      double                        threshold,
                      const std::string &           residual,
                      long                          minimumArea,
                      unsigned int                  stride)
{
  SegmentSettings settings;
  settings.Threshold = std::isfinite(threshold) ? threshold : model.GetThreshold();
  if (!std::isfinite(settings.Threshold))
  {
    throw CommandError("the model '" + modelPath +
                       "' has no calibrated threshold: run 'ssimae calibrate' or give a threshold");
  }
  settings.ResidualKind = ChooseResidual(residual, model, modelPath);
  settings.Residual =
    ParseEnumOption<itk::ResidualSegmentationFilterEnums, itk::ResidualSegmentationFilterEnums::Residual>(
      "residual", settings.ResidualKind, ResidualChoices);
  settings.MinimumArea = 0;
  if (minimumArea >= 0)
  {
    settings.MinimumArea = minimumArea;
  }
  else if (!model.GetMetadataValue("calibration.min_area").empty())
  {
    const std::string stored = model.GetMetadataValue("calibration.min_area");
    char *            end = nullptr;
    settings.MinimumArea = std::strtol(stored.c_str(), &end, 10);
    if (*end != '\0' || settings.MinimumArea < 0)
    {
      throw CommandError("the model's calibration.min_area '" + stored + "' is not a whole number >= 0");
    }
  }
  settings.Stride = stride;
  return settings;
}

Segmentation<2>
SegmentImage(const FloatImage2 *     image,
             itk::AutoencoderModel * model,
             const SegmentSettings & settings,
             const std::string &     path)
{
  Segmentation<2> result;
  result.Reconstruction = ReconstructImage(image, model, settings.Stride, 64, path);
  auto segmentation = itk::ResidualSegmentationFilter<FloatImage2>::New();
  segmentation->SetInput1(image);
  segmentation->SetInput2(settings.ResidualKind == "model" ? ModelResidualImage(image, model, settings.Stride, 64, path)
                                                           : result.Reconstruction);
  segmentation->SetDynamicRange(DynamicRange(image, model));
  segmentation->SetResidual(settings.Residual);
  segmentation->SetThreshold(settings.Threshold);
  segmentation->SetMinimumDefectArea(static_cast<itk::SizeValueType>(std::max(0L, settings.MinimumArea)));
  try
  {
    segmentation->Update();
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError("segmenting '" + path + "' failed: " + error.GetDescription());
  }
  result.Residual = segmentation->GetResidualOutput();
  result.Labels = segmentation->GetOutput();
  result.Residual->DisconnectPipeline();
  result.Labels->DisconnectPipeline();
  return result;
}

namespace {
template<typename TImage>
typename TImage::Pointer
AllocateLike(const FloatImage3 * volume)
{
  auto image = TImage::New();
  image->CopyInformation(volume);
  image->SetRegions(volume->GetLargestPossibleRegion());
  image->Allocate(true);
  return image;
}

// Copies a 2D slice into the slice `region` of a volume (the slice's axes are the volume's other axes, in order).
template<typename TPixel>
void
PasteSlice(const itk::Image<TPixel, 2> * slice, itk::Image<TPixel, 3> * volume, const itk::ImageRegion<3> & region)
{
  itk::ImageRegionConstIterator<itk::Image<TPixel, 2>> from(slice, slice->GetLargestPossibleRegion());
  itk::ImageRegionIterator<itk::Image<TPixel, 3>>      to(volume, region);
  for (; !from.IsAtEnd(); ++from, ++to)
  {
    to.Set(from.Get());
  }
}

FloatImage2::Pointer
ExtractSlice(const FloatImage3 * volume, const itk::ImageRegion<3> & region)
{
  auto extract = itk::ExtractImageFilter<FloatImage3, FloatImage2>::New();
  extract->SetInput(volume);
  extract->SetExtractionRegion(region);
  extract->SetDirectionCollapseToIdentity();
  extract->Update();
  FloatImage2::Pointer slice = extract->GetOutput();
  slice->DisconnectPipeline();
  return slice;
}
} // namespace

namespace {
// The region of slice `k` along `axis` of `largest` (size 0 along the axis, as ExtractImageFilter takes it).
itk::ImageRegion<3>
SliceRegion(const itk::ImageRegion<3> & largest, unsigned int axis, itk::SizeValueType k)
{
  auto region = largest;
  region.SetIndex(axis, largest.GetIndex(axis) + static_cast<itk::IndexValueType>(k));
  region.SetSize(axis, 0);
  return region;
}

// Refuses an axis other than 0, 1, 2 and slices one pixel thick.
void
RequireSliceable(const FloatImage3 * volume, unsigned int axis, const std::string & path)
{
  if (axis > 2)
  {
    throw CommandError("the slice axis of '" + path + "' must be 0, 1 or 2, not " + std::to_string(axis));
  }
  const auto largest = volume->GetLargestPossibleRegion();
  for (unsigned int d = 0; d < 3; ++d)
  {
    if (d != axis && largest.GetSize(d) < 2)
    {
      // 3 - axis - d: the slices' other axis.
      throw CommandError("the slices along axis " + std::to_string(axis) + " of '" + path + "' would be " +
                         std::to_string(largest.GetSize(3 - axis - d)) +
                         " x 1 pixels: the volume has one slice along axis " + std::to_string(d) +
                         "; use it along that axis (--axis " + std::to_string(d) + ")");
    }
  }
}
} // namespace

std::vector<FloatImage2::Pointer>
ReadImageOrSlices(const std::string & path, unsigned int axis, ImageFileInfo * info)
{
  const ImageFileInfo header = ReadImageFileInfo(path);
  if (info)
  {
    *info = header;
  }
  if (header.Dimension < 3)
  {
    return { ReadFloatImage<2>(path, header) };
  }
  const auto volume = ReadFloatImage<3>(path, header);
  RequireSliceable(volume, axis, path);
  const auto                        largest = volume->GetLargestPossibleRegion();
  std::vector<FloatImage2::Pointer> slices;
  for (itk::SizeValueType k = 0; k < largest.GetSize(axis); ++k)
  {
    slices.push_back(ExtractSlice(volume, SliceRegion(largest, axis, k)));
  }
  return slices;
}

Segmentation<3>
SegmentVolume(const FloatImage3 *     volume,
              itk::AutoencoderModel * model,
              const SegmentSettings & settings,
              unsigned int            axis,
              const std::string &     path,
              const SliceProgress &   progress)
{
  RequireSliceable(volume, axis, path);
  const auto largest = volume->GetLargestPossibleRegion();
  const auto slices = largest.GetSize(axis);
  Segmentation<3> result;
  result.Reconstruction = AllocateLike<FloatImage3>(volume);
  result.Residual = AllocateLike<FloatImage3>(volume);
  result.Labels = AllocateLike<itk::Image<unsigned char, 3>>(volume);
  for (itk::SizeValueType k = 0; k < slices; ++k)
  {
    auto              region = SliceRegion(largest, axis, k);
    const auto        slice = ExtractSlice(volume, region);
    const std::string name = "slice " + std::to_string(k) + " along axis " + std::to_string(axis) + " of '" + path +
                             "' (" + std::to_string(slice->GetLargestPossibleRegion().GetSize(0)) + " x " +
                             std::to_string(slice->GetLargestPossibleRegion().GetSize(1)) + " pixels)";
    const auto sliceResult = SegmentImage(slice, model, settings, name);
    region.SetSize(axis, 1);
    PasteSlice<float>(sliceResult.Reconstruction, result.Reconstruction, region);
    PasteSlice<float>(sliceResult.Residual, result.Residual, region);
    PasteSlice<unsigned char>(sliceResult.Labels, result.Labels, region);
    if (progress)
    {
      progress(k + 1, slices);
    }
  }
  return result;
}

template<unsigned int VDimension>
void
WriteLabelImage(const itk::Image<unsigned char, VDimension> * labels, const std::string & path)
{
  try
  {
    itk::AtomicFile::Write(path, [&](const std::string & target) {
      itk::WriteImage(labels, target, true);
      VerifyWrittenImage(target);
    });
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError(error.GetDescription());
  }
}

template void
WriteLabelImage<2>(const itk::Image<unsigned char, 2> *, const std::string &);
template void
WriteLabelImage<3>(const itk::Image<unsigned char, 3> *, const std::string &);

} // namespace ssimae
