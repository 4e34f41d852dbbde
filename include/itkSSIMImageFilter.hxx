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
#ifndef itkSSIMImageFilter_hxx
#define itkSSIMImageFilter_hxx

#include "itkSSIMImageFilter.h"
#include "itkSSIMKernel.h"
#include "itkTotalProgressReporter.h"

#include <cmath>
#include <vector>

namespace itk
{

template <typename TInputImage, typename TOutputImage>
SSIMImageFilter<TInputImage, TOutputImage>::SSIMImageFilter()
{
  this->SetNumberOfRequiredInputs(2);
  this->SetNumberOfRequiredOutputs(4);
  for (unsigned int i = 1; i < 4; ++i)
  {
    this->SetNthOutput(i, this->MakeOutput(i));
  }
  if (NumericTraits<InputPixelType>::is_integer)
  {
    m_DynamicRange = static_cast<double>(NumericTraits<InputPixelType>::max()) -
                     static_cast<double>(NumericTraits<InputPixelType>::NonpositiveMin());
  }
  this->DynamicMultiThreadingOn();
  this->ThreaderUpdateProgressOff();
}

template <typename TInputImage, typename TOutputImage>
void
SSIMImageFilter<TInputImage, TOutputImage>::SetInput1(const TInputImage * image)
{
  this->SetNthInput(0, const_cast<TInputImage *>(image));
}

template <typename TInputImage, typename TOutputImage>
void
SSIMImageFilter<TInputImage, TOutputImage>::SetInput2(const TInputImage * image)
{
  this->SetNthInput(1, const_cast<TInputImage *>(image));
}

template <typename TInputImage, typename TOutputImage>
const TInputImage *
SSIMImageFilter<TInputImage, TOutputImage>::GetInput1() const
{
  return this->GetInput(0);
}

template <typename TInputImage, typename TOutputImage>
const TInputImage *
SSIMImageFilter<TInputImage, TOutputImage>::GetInput2() const
{
  return this->GetInput(1);
}

template <typename TInputImage, typename TOutputImage>
TOutputImage *
SSIMImageFilter<TInputImage, TOutputImage>::GetLuminanceOutput()
{
  return this->GetOutput(1);
}

template <typename TInputImage, typename TOutputImage>
TOutputImage *
SSIMImageFilter<TInputImage, TOutputImage>::GetContrastOutput()
{
  return this->GetOutput(2);
}

template <typename TInputImage, typename TOutputImage>
TOutputImage *
SSIMImageFilter<TInputImage, TOutputImage>::GetStructureOutput()
{
  return this->GetOutput(3);
}

template <typename TInputImage, typename TOutputImage>
void
SSIMImageFilter<TInputImage, TOutputImage>::VerifyPreconditions() ITKv5_CONST
{
  Superclass::VerifyPreconditions();
  if (m_WindowSize == 0 || m_WindowSize % 2 == 0)
  {
    itkExceptionMacro("WindowSize must be odd and positive (taps per axis), got " << m_WindowSize);
  }
  if (m_Window == WindowEnum::Gaussian && !(m_GaussianSigma > 0.0 && std::isfinite(m_GaussianSigma)))
  {
    itkExceptionMacro("GaussianSigma must be positive and finite, got " << m_GaussianSigma);
  }
  if (!(m_DynamicRange > 0.0 && std::isfinite(m_DynamicRange)))
  {
    itkExceptionMacro("DynamicRange L must be positive and finite, got " << m_DynamicRange);
  }
  if (!(m_K1 > 0.0 && std::isfinite(m_K1)) || !(m_K2 > 0.0 && std::isfinite(m_K2)))
  {
    itkExceptionMacro("K1 and K2 must be positive and finite, got K1 = " << m_K1 << ", K2 = " << m_K2);
  }
  if (!std::isfinite(m_LuminanceExponent) || !std::isfinite(m_ContrastExponent) ||
      !std::isfinite(m_StructureExponent) || m_LuminanceExponent < 0.0 || m_ContrastExponent < 0.0 ||
      m_StructureExponent < 0.0)
  {
    itkExceptionMacro("Exponents must be finite and non-negative, got alpha = "
                      << m_LuminanceExponent << ", beta = " << m_ContrastExponent
                      << ", gamma = " << m_StructureExponent);
  }
}

template <typename TInputImage, typename TOutputImage>
void
SSIMImageFilter<TInputImage, TOutputImage>::VerifyInputInformation() ITKv5_CONST
{
  const auto size1 = this->GetInput1()->GetLargestPossibleRegion().GetSize();
  const auto size2 = this->GetInput2()->GetLargestPossibleRegion().GetSize();
  if (size1 != size2)
  {
    itkExceptionMacro("The two inputs must have the same size, got " << size1 << " and " << size2);
  }
  Superclass::VerifyInputInformation();
}

template <typename TInputImage, typename TOutputImage>
void
SSIMImageFilter<TInputImage, TOutputImage>::GenerateInputRequestedRegion()
{
  Superclass::GenerateInputRequestedRegion();
  for (unsigned int i = 0; i < 2; ++i)
  {
    auto * input = const_cast<TInputImage *>(this->GetInput(i));
    if (!input)
    {
      continue;
    }
    auto requested = this->GetOutput()->GetRequestedRegion();
    requested.PadByRadius(this->GetWindowRadius());
    requested.Crop(input->GetLargestPossibleRegion());
    input->SetRequestedRegion(requested);
  }
}

template <typename TInputImage, typename TOutputImage>
void
SSIMImageFilter<TInputImage, TOutputImage>::BeforeThreadedGenerateData()
{
  m_SSIMSum = 0.0;
  m_FoundNaN = false;
}

namespace SSIMImageFilterDetail
{
// Index of a sample outside [0, n) mirrored with the edge repeated (scipy.ndimage "reflect"), also for windows
// wider than the image.
inline IndexValueType
Reflect(IndexValueType index, IndexValueType size)
{
  const IndexValueType period = 2 * size;
  index %= period;
  if (index < 0)
  {
    index += period;
  }
  return index < size ? index : period - 1 - index;
}
} // namespace SSIMImageFilterDetail

template <typename TInputImage, typename TOutputImage>
void
SSIMImageFilter<TInputImage, TOutputImage>::DynamicThreadedGenerateData(const OutputImageRegionType & outputRegion)
{
  const TInputImage * inputs[2] = { this->GetInput1(), this->GetInput2() };
  const auto          largest = inputs[0]->GetLargestPossibleRegion();
  const auto          radius = static_cast<IndexValueType>(this->GetWindowRadius());

  SSIMKernel::BlockSettings settings;
  const SSIMKernel::WeightsType weights = m_Window == WindowEnum::Gaussian
                                            ? SSIMKernel::GaussianWeights(m_GaussianSigma, this->GetWindowRadius())
                                            : SSIMKernel::UniformWeights(m_WindowSize);
  settings.C1 = (m_K1 * m_DynamicRange) * (m_K1 * m_DynamicRange);
  settings.C2 = (m_K2 * m_DynamicRange) * (m_K2 * m_DynamicRange);
  settings.Alpha = m_LuminanceExponent;
  settings.Beta = m_ContrastExponent;
  settings.Gamma = m_StructureExponent;

  // Per-axis tables of the (mirrored) input index of every padded sample.
  std::array<std::vector<IndexValueType>, 3> sampleIndex;
  std::array<std::size_t, 3>                 paddedSize{ { 1, 1, 1 } };
  for (unsigned int d = 0; d < 3; ++d)
  {
    if (d < ImageDimension)
    {
      settings.OutputSize[d] = outputRegion.GetSize(d);
      settings.Weights[d] = weights;
      paddedSize[d] = outputRegion.GetSize(d) + 2 * radius;
      const IndexValueType start = largest.GetIndex(d);
      const auto           size = static_cast<IndexValueType>(largest.GetSize(d));
      for (IndexValueType k = 0; k < static_cast<IndexValueType>(paddedSize[d]); ++k)
      {
        const IndexValueType index = outputRegion.GetIndex(d) - radius + k;
        sampleIndex[d].push_back(start + SSIMImageFilterDetail::Reflect(index - start, size));
      }
    }
    else
    {
      sampleIndex[d].push_back(0);
    }
  }

  const std::size_t   paddedCount = paddedSize[0] * paddedSize[1] * paddedSize[2];
  std::vector<double> samples[2];
  bool                foundNaN = false;
  for (unsigned int i = 0; i < 2; ++i)
  {
    samples[i].resize(paddedCount);
    const InputPixelType * buffer = inputs[i]->GetBufferPointer();
    const auto             bufferStart = inputs[i]->GetBufferedRegion().GetIndex();
    const auto *           offsets = inputs[i]->GetOffsetTable();
    std::vector<OffsetValueType> columnOffset(paddedSize[0]);
    for (std::size_t k = 0; k < paddedSize[0]; ++k)
    {
      columnOffset[k] = sampleIndex[0][k] - bufferStart[0];
    }
    double * destination = samples[i].data();
    for (std::size_t z = 0; z < paddedSize[2]; ++z)
    {
      for (std::size_t y = 0; y < paddedSize[1]; ++y)
      {
        OffsetValueType rowOffset = 0;
        if (ImageDimension > 1)
        {
          rowOffset += (sampleIndex[1][y] - bufferStart[1]) * offsets[1];
        }
        if (ImageDimension > 2)
        {
          rowOffset += (sampleIndex[2][z] - bufferStart[ImageDimension > 2 ? 2 : 0]) * offsets[ImageDimension > 2 ? 2 : 0];
        }
        const InputPixelType * row = buffer + rowOffset;
        for (std::size_t k = 0; k < paddedSize[0]; ++k)
        {
          destination[k] = static_cast<double>(row[columnOffset[k]]);
        }
        if (!NumericTraits<InputPixelType>::is_integer)
        {
          for (std::size_t k = 0; k < paddedSize[0]; ++k)
          {
            foundNaN |= std::isnan(destination[k]);
          }
        }
        destination += paddedSize[0];
      }
    }
  }
  if (foundNaN)
  {
    m_FoundNaN = true;
  }

  SSIMKernel::OutputBlock<OutputPixelType> out;
  TOutputImage *                           outputs[4];
  OutputPixelType *                        starts[4];
  for (unsigned int i = 0; i < 4; ++i)
  {
    outputs[i] = this->GetOutput(i);
    starts[i] = outputs[i]->GetBufferPointer() + outputs[i]->ComputeOffset(outputRegion.GetIndex());
  }
  out.SSIM = starts[0];
  out.Luminance = starts[1];
  out.Contrast = starts[2];
  out.Structure = starts[3];
  const auto * outputOffsets = outputs[0]->GetOffsetTable();
  out.RowStride = ImageDimension > 1 ? static_cast<std::size_t>(outputOffsets[1]) : 0;
  out.SliceStride = ImageDimension > 2 ? static_cast<std::size_t>(outputOffsets[ImageDimension > 2 ? 2 : 0]) : 0;

  const double sum = SSIMKernel::ComputeBlock<OutputPixelType>(samples[0].data(), samples[1].data(), settings, out);
  {
    std::lock_guard<std::mutex> lock(m_SumMutex);
    m_SSIMSum += sum;
  }

  TotalProgressReporter progress(this, this->GetOutput()->GetRequestedRegion().GetNumberOfPixels());
  progress.Completed(outputRegion.GetNumberOfPixels());
}

template <typename TInputImage, typename TOutputImage>
void
SSIMImageFilter<TInputImage, TOutputImage>::AfterThreadedGenerateData()
{
  if (m_FoundNaN)
  {
    itkExceptionMacro("An input image contains NaN; SSIM is undefined there");
  }
  const auto count = this->GetOutput()->GetRequestedRegion().GetNumberOfPixels();
  m_MeanSSIM = count > 0 ? m_SSIMSum / static_cast<double>(count) : 0.0;
}

template <typename TInputImage, typename TOutputImage>
void
SSIMImageFilter<TInputImage, TOutputImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Window: " << m_Window << std::endl;
  os << indent << "WindowSize: " << m_WindowSize << std::endl;
  os << indent << "GaussianSigma: " << m_GaussianSigma << std::endl;
  os << indent << "K1: " << m_K1 << std::endl;
  os << indent << "K2: " << m_K2 << std::endl;
  os << indent << "DynamicRange: " << m_DynamicRange << std::endl;
  os << indent << "LuminanceExponent: " << m_LuminanceExponent << std::endl;
  os << indent << "ContrastExponent: " << m_ContrastExponent << std::endl;
  os << indent << "StructureExponent: " << m_StructureExponent << std::endl;
  os << indent << "MeanSSIM: " << m_MeanSSIM << std::endl;
}

} // namespace itk

#endif
