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
#ifndef itkResidualSegmentationFilter_hxx
#define itkResidualSegmentationFilter_hxx

#include "itkResidualSegmentationFilter.h"
#include "itkDefectRegions.h"
#include "itkImageGrid.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkProgressAccumulator.h"

#include <cmath>

namespace itk {

template<typename TInputImage, typename TOutputImage>
ResidualSegmentationFilter<TInputImage, TOutputImage>::ResidualSegmentationFilter()
{
  this->SetNumberOfRequiredInputs(2);
  this->SetNumberOfRequiredOutputs(2);
  this->SetNthOutput(1, this->MakeOutput(1));
}

template<typename TInputImage, typename TOutputImage>
DataObject::Pointer
ResidualSegmentationFilter<TInputImage, TOutputImage>::MakeOutput(DataObjectPointerArraySizeType index)
{
  if (index == 1)
  {
    return ResidualImageType::New().GetPointer();
  }
  return Superclass::MakeOutput(index);
}

template<typename TInputImage, typename TOutputImage>
auto
ResidualSegmentationFilter<TInputImage, TOutputImage>::GetResidualOutput() -> ResidualImageType *
{
  return dynamic_cast<ResidualImageType *>(this->ProcessObject::GetOutput(1));
}

template<typename TInputImage, typename TOutputImage>
void
ResidualSegmentationFilter<TInputImage, TOutputImage>::VerifyPreconditions() ITKv5_CONST
{
  Superclass::VerifyPreconditions();
  if (!(m_DynamicRange > 0.0) || !std::isfinite(m_DynamicRange))
  {
    itkExceptionMacro("DynamicRange must be positive and finite, got " << m_DynamicRange);
  }
  if (std::isnan(m_Threshold))
  {
    itkExceptionMacro("Threshold is NaN: calibrate the model or set a threshold");
  }
}

template<typename TInputImage, typename TOutputImage>
void
ResidualSegmentationFilter<TInputImage, TOutputImage>::VerifyInputInformation() ITKv5_CONST
{
  const auto * image = this->GetInput(0);
  const auto * reconstruction = this->GetInput(1);
  const auto   size0 = image->GetLargestPossibleRegion().GetSize();
  const auto   size1 = reconstruction->GetLargestPossibleRegion().GetSize();
  if (size0 == size1)
  {
    Superclass::VerifyInputInformation();
    return;
  }
  // Another grid is accepted when it covers the same physical extent (a scaled model's reconstruction).
  for (unsigned int d = 0; d < ImageDimension; ++d)
  {
    const double extent0 = image->GetSpacing()[d] * static_cast<double>(size0[d]);
    const double extent1 = reconstruction->GetSpacing()[d] * static_cast<double>(size1[d]);
    const double start0 = image->GetOrigin()[d] - 0.5 * image->GetSpacing()[d];
    const double start1 = reconstruction->GetOrigin()[d] - 0.5 * reconstruction->GetSpacing()[d];
    const double tolerance = 1e-3 * std::max(image->GetSpacing()[d], reconstruction->GetSpacing()[d]);
    if (std::abs(extent0 - extent1) > tolerance || std::abs(start0 - start1) > tolerance)
    {
      itkExceptionMacro("image and reconstruction differ in size (" << size0 << " and " << size1
                                                                    << ") and do not cover the same physical extent "
                                                                    << "along axis " << d);
    }
  }
}

template<typename TInputImage, typename TOutputImage>
void
ResidualSegmentationFilter<TInputImage, TOutputImage>::GenerateInputRequestedRegion()
{
  Superclass::GenerateInputRequestedRegion();
  for (unsigned int i = 0; i < 2; ++i)
  {
    if (auto * input = const_cast<TInputImage *>(this->GetInput(i)))
    {
      input->SetRequestedRegionToLargestPossibleRegion();
    }
  }
}

template<typename TInputImage, typename TOutputImage>
void
ResidualSegmentationFilter<TInputImage, TOutputImage>::EnlargeOutputRequestedRegion(DataObject * output)
{
  Superclass::EnlargeOutputRequestedRegion(output);
  output->SetRequestedRegionToLargestPossibleRegion();
}

template<typename TInputImage, typename TOutputImage>
void
ResidualSegmentationFilter<TInputImage, TOutputImage>::GenerateData()
{
  const TInputImage * image = this->GetInput(0);
  TOutputImage *      labels = this->GetOutput();
  ResidualImageType * residual = this->GetResidualOutput();
  const auto          region = image->GetLargestPossibleRegion();
  residual->SetBufferedRegion(region);
  residual->Allocate();
  labels->SetBufferedRegion(region);
  labels->Allocate();

  auto progress = ProgressAccumulator::New();
  progress->SetMiniPipelineFilter(this);
  this->ComputeResidualOnImageGrid(image, this->GetInput(1), residual, progress);

  const auto mask = DefectRegions::ThresholdMask(residual, m_Threshold, m_MinimumDefectArea);
  ImageRegionConstIterator<Image<unsigned char, ImageDimension>> in(mask, region);
  ImageRegionIterator<TOutputImage>                              out(labels, region);
  for (; !in.IsAtEnd(); ++in, ++out)
  {
    out.Set(static_cast<typename TOutputImage::PixelType>(in.Get()));
  }
  this->UpdateProgress(1.0f);
}

template<typename TInputImage, typename TOutputImage>
void
ResidualSegmentationFilter<TInputImage, TOutputImage>::ComputeResidualOnImageGrid(const TInputImage *   image,
                                                                                  const TInputImage *   reconstruction,
                                                                                  ResidualImageType *   residual,
                                                                                  ProgressAccumulator * progress)
{
  const auto region = image->GetLargestPossibleRegion();
  const auto toFloat = [](const TInputImage * input) { return ImageGrid::ToFloatImage(input); };
  const auto coarseSize = reconstruction->GetLargestPossibleRegion().GetSize();
  if (coarseSize == region.GetSize())
  {
    const auto values = this->ComputeResidual(toFloat(image), toFloat(reconstruction), progress);
    std::copy(values->GetBufferPointer(),
              values->GetBufferPointer() + region.GetNumberOfPixels(),
              residual->GetBufferPointer());
    return;
  }
  // Residual on the reconstruction's grid, interpolated back onto the image's.
  // The model's own residual map is used as it is: no image on its grid is needed.
  const auto coarseImage = m_Residual == ResidualEnum::Model
                             ? toFloat(reconstruction)
                             : ImageGrid::ResampleImage<ImageDimension>(toFloat(image), coarseSize);
  const auto           coarse = this->ComputeResidual(coarseImage, toFloat(reconstruction), progress);
  ImageGrid::SizesType from(ImageDimension), to(ImageDimension);
  for (unsigned int d = 0; d < ImageDimension; ++d)
  {
    from[d] = coarseSize[d];
    to[d] = region.GetSize(d);
  }
  const auto values = ImageGrid::Resample(coarse->GetBufferPointer(), from, to);
  std::copy(values.begin(), values.end(), residual->GetBufferPointer());
}

template<typename TInputImage, typename TOutputImage>
auto
ResidualSegmentationFilter<TInputImage, TOutputImage>::ComputeResidual(const ResidualImageType * image,
                                                                       const ResidualImageType * reconstruction,
                                                                       ProgressAccumulator *     progress) ->
  typename ResidualImageType::Pointer
{
  const auto region = image->GetLargestPossibleRegion();
  auto       residual = ResidualImageType::New();
  residual->CopyInformation(image);
  residual->SetRegions(region);
  residual->Allocate();
  if (m_Residual == ResidualEnum::SSIM)
  {
    using SSIMType = SSIMImageFilter<ResidualImageType, ResidualImageType>;
    auto ssim = SSIMType::New();
    ssim->SetInput1(image);
    ssim->SetInput2(reconstruction);
    ssim->SetWindow(m_Window);
    ssim->SetWindowSize(m_WindowSize);
    ssim->SetGaussianSigma(m_GaussianSigma);
    ssim->SetK1(m_K1);
    ssim->SetK2(m_K2);
    ssim->SetDynamicRange(m_DynamicRange);
    ssim->ComputeComponentMapsOff();
    progress->RegisterInternalFilter(ssim, 0.9f);
    ssim->Update();
    ImageRegionConstIterator<ResidualImageType> in(ssim->GetOutput(), region);
    ImageRegionIterator<ResidualImageType>      out(residual, region);
    for (; !in.IsAtEnd(); ++in, ++out)
    {
      out.Set(1.0f - in.Get());
    }
    return residual;
  }
  const float * a = image->GetBufferPointer();
  const float * b = reconstruction->GetBufferPointer();
  float *       out = residual->GetBufferPointer();
  if (m_Residual == ResidualEnum::Model)
  {
    std::copy(b, b + region.GetNumberOfPixels(), out); // input 1 is the model's residual map
    return residual;
  }
  for (std::size_t i = 0; i < region.GetNumberOfPixels(); ++i)
  {
    const double difference = (static_cast<double>(a[i]) - static_cast<double>(b[i])) / m_DynamicRange;
    out[i] = static_cast<float>(difference * difference);
  }
  return residual;
}

template<typename TInputImage, typename TOutputImage>
void
ResidualSegmentationFilter<TInputImage, TOutputImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Residual: " << m_Residual << std::endl;
  os << indent << "Threshold: " << m_Threshold << std::endl;
  os << indent << "MinimumDefectArea: " << m_MinimumDefectArea << std::endl;
  os << indent << "DynamicRange: " << m_DynamicRange << std::endl;
  os << indent << "Window: " << m_Window << std::endl;
  os << indent << "WindowSize: " << m_WindowSize << std::endl;
  os << indent << "GaussianSigma: " << m_GaussianSigma << std::endl;
  os << indent << "K1: " << m_K1 << std::endl;
  os << indent << "K2: " << m_K2 << std::endl;
}

} // namespace itk

#endif
