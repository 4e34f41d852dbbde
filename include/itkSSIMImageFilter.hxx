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

#include <array>
#include <cmath>
#include <vector>

namespace itk {

template<typename TInputImage, typename TOutputImage>
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

template<typename TInputImage, typename TOutputImage>
void
SSIMImageFilter<TInputImage, TOutputImage>::SetInput1(const TInputImage * image)
{
  this->SetNthInput(0, const_cast<TInputImage *>(image));
}

template<typename TInputImage, typename TOutputImage>
void
SSIMImageFilter<TInputImage, TOutputImage>::SetInput2(const TInputImage * image)
{
  this->SetNthInput(1, const_cast<TInputImage *>(image));
}

template<typename TInputImage, typename TOutputImage>
const TInputImage *
SSIMImageFilter<TInputImage, TOutputImage>::GetInput1() const
{
  return this->GetInput(0);
}

template<typename TInputImage, typename TOutputImage>
const TInputImage *
SSIMImageFilter<TInputImage, TOutputImage>::GetInput2() const
{
  return this->GetInput(1);
}

template<typename TInputImage, typename TOutputImage>
TOutputImage *
SSIMImageFilter<TInputImage, TOutputImage>::GetLuminanceOutput()
{
  return this->GetOutput(1);
}

template<typename TInputImage, typename TOutputImage>
TOutputImage *
SSIMImageFilter<TInputImage, TOutputImage>::GetContrastOutput()
{
  return this->GetOutput(2);
}

template<typename TInputImage, typename TOutputImage>
TOutputImage *
SSIMImageFilter<TInputImage, TOutputImage>::GetStructureOutput()
{
  return this->GetOutput(3);
}

template<typename TInputImage, typename TOutputImage>
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
    itkExceptionMacro("Exponents must be finite and non-negative, got alpha = " << m_LuminanceExponent
                                                                                << ", beta = " << m_ContrastExponent
                                                                                << ", gamma = " << m_StructureExponent);
  }
}

template<typename TInputImage, typename TOutputImage>
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

template<typename TInputImage, typename TOutputImage>
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

template<typename TInputImage, typename TOutputImage>
void
SSIMImageFilter<TInputImage, TOutputImage>::BeforeThreadedGenerateData()
{
  m_SSIMSum = 0.0;
  m_FoundNaN = false;
}


template<typename TInputImage, typename TOutputImage>
void
SSIMImageFilter<TInputImage, TOutputImage>::AllocateOutputs()
{
  for (unsigned int i = 0; i < 4; ++i)
  {
    TOutputImage * output = this->GetOutput(i);
    if (i == 0 || m_ComputeComponentMaps)
    {
      output->SetBufferedRegion(output->GetRequestedRegion());
    }
    else
    {
      output->SetBufferedRegion(OutputImageRegionType());
    }
    output->Allocate();
  }
}

template<typename TInputImage, typename TOutputImage>
void
SSIMImageFilter<TInputImage, TOutputImage>::DynamicThreadedGenerateData(const OutputImageRegionType & outputRegion)
{
  // The region is swept along its outermost axis (rows in 2D, slices in 3D). A ring of `taps` converted, mirrored
  // planes (one padded row in 2D, one padded slice in 3D) along that axis keeps the working set small: each input
  // plane is converted to double once and every output row reads its window rows from the ring.
  constexpr unsigned int Outer = ImageDimension - 1;
  const TInputImage *    inputs[2] = { this->GetInput1(), this->GetInput2() };
  const auto             largest = inputs[0]->GetLargestPossibleRegion();
  const auto             radius = static_cast<IndexValueType>(this->GetWindowRadius());
  const std::size_t      taps = 2 * static_cast<std::size_t>(radius) + 1;

  const SSIMKernel::WeightsType weights = m_Window == WindowEnum::Gaussian
                                            ? SSIMKernel::GaussianWeights(m_GaussianSigma, this->GetWindowRadius())
                                            : SSIMKernel::UniformWeights(m_WindowSize);
  SSIMKernel::Constants         constants;
  constants.C1 = (m_K1 * m_DynamicRange) * (m_K1 * m_DynamicRange);
  constants.C2 = (m_K2 * m_DynamicRange) * (m_K2 * m_DynamicRange);
  constants.Alpha = m_LuminanceExponent;
  constants.Beta = m_ContrastExponent;
  constants.Gamma = m_StructureExponent;

  // Per axis: the (mirrored) input index of every padded sample.
  std::array<std::vector<IndexValueType>, ImageDimension> sampleIndex;
  for (unsigned int d = 0; d < ImageDimension; ++d)
  {
    const IndexValueType start = largest.GetIndex(d);
    const auto           size = static_cast<IndexValueType>(largest.GetSize(d));
    const std::size_t    padded = outputRegion.GetSize(d) + 2 * radius;
    for (std::size_t k = 0; k < padded; ++k)
    {
      const IndexValueType index = outputRegion.GetIndex(d) - radius + static_cast<IndexValueType>(k);
      sampleIndex[d].push_back(start + static_cast<IndexValueType>(SSIMKernel::MirrorIndex(index - start, size)));
    }
  }

  const std::size_t width = outputRegion.GetSize(0);
  const std::size_t paddedWidth = sampleIndex[0].size();
  const std::size_t rowsPerPlane = ImageDimension == 3 ? sampleIndex[1].size() : 1;
  const std::size_t planeSize = paddedWidth * rowsPerPlane;
  const std::size_t ringSlots = ImageDimension >= 2 ? taps : 1;
  const std::size_t outerOutputs = ImageDimension >= 2 ? outputRegion.GetSize(Outer) : 1;

  std::vector<double>          ring[2];
  std::vector<IndexValueType>  slotHolds(ringSlots, -1);
  std::vector<OffsetValueType> columnOffset[2];
  for (unsigned int i = 0; i < 2; ++i)
  {
    ring[i].resize(ringSlots * planeSize);
    const auto bufferStart = inputs[i]->GetBufferedRegion().GetIndex();
    for (std::size_t k = 0; k < paddedWidth; ++k)
    {
      columnOffset[i].push_back(sampleIndex[0][k] - bufferStart[0]);
    }
  }

  // Columns [contiguousBegin, contiguousEnd) are consecutive input pixels (the unmirrored middle of the row).
  std::size_t contiguousBegin = 0;
  while (contiguousBegin + 1 < paddedWidth &&
         sampleIndex[0][contiguousBegin + 1] != sampleIndex[0][contiguousBegin] + 1)
  {
    ++contiguousBegin;
  }
  std::size_t contiguousEnd = contiguousBegin + 1;
  while (contiguousEnd < paddedWidth && sampleIndex[0][contiguousEnd] == sampleIndex[0][contiguousEnd - 1] + 1)
  {
    ++contiguousEnd;
  }

  bool foundNaN = false;
  auto convertPlane = [&](std::size_t paddedOuter, std::size_t slot) {
    for (unsigned int i = 0; i < 2; ++i)
    {
      const InputPixelType * buffer = inputs[i]->GetBufferPointer();
      const auto             bufferStart = inputs[i]->GetBufferedRegion().GetIndex();
      const auto *           offsets = inputs[i]->GetOffsetTable();
      OffsetValueType        planeOffset = 0;
      if (ImageDimension >= 2)
      {
        planeOffset = (sampleIndex[Outer][paddedOuter] - bufferStart[Outer]) * offsets[Outer];
      }
      for (std::size_t row = 0; row < rowsPerPlane; ++row)
      {
        OffsetValueType rowOffset = planeOffset;
        if (ImageDimension == 3)
        {
          rowOffset += (sampleIndex[1][row] - bufferStart[1]) * offsets[1];
        }
        const InputPixelType *  source = buffer + rowOffset;
        double *                destination = ring[i].data() + slot * planeSize + row * paddedWidth;
        const OffsetValueType * columns = columnOffset[i].data();
        for (std::size_t k = 0; k < contiguousBegin; ++k)
        {
          destination[k] = static_cast<double>(source[columns[k]]);
        }
        const InputPixelType * run = source + columns[contiguousBegin];
        for (std::size_t k = contiguousBegin; k < contiguousEnd; ++k)
        {
          destination[k] = static_cast<double>(run[k - contiguousBegin]);
        }
        for (std::size_t k = contiguousEnd; k < paddedWidth; ++k)
        {
          destination[k] = static_cast<double>(source[columns[k]]);
        }
        if (!NumericTraits<InputPixelType>::is_integer)
        {
          for (std::size_t k = 0; k < paddedWidth; ++k)
          {
            foundNaN |= std::isnan(destination[k]);
          }
        }
      }
    }
    slotHolds[slot] = static_cast<IndexValueType>(paddedOuter);
  };

  OutputPixelType * starts[4] = { nullptr, nullptr, nullptr, nullptr };
  for (unsigned int i = 0; i < 4; ++i)
  {
    if (i == 0 || m_ComputeComponentMaps)
    {
      TOutputImage * output = this->GetOutput(i);
      starts[i] = output->GetBufferPointer() + output->ComputeOffset(outputRegion.GetIndex());
    }
  }
  const auto * outputOffsets = this->GetOutput()->GetOffsetTable();
  auto         rowOutput = [&](std::size_t offset) {
    SSIMKernel::OutputRow<OutputPixelType> out;
    out.SSIM = starts[0] + offset;
    out.Luminance = starts[1] ? starts[1] + offset : nullptr;
    out.Contrast = starts[2] ? starts[2] + offset : nullptr;
    out.Structure = starts[3] ? starts[3] + offset : nullptr;
    return out;
  };

  const std::size_t               rowsPerOutput = ImageDimension == 3 ? taps * taps : ringSlots;
  std::vector<const double *>     xRows(rowsPerOutput);
  std::vector<const double *>     yRows(rowsPerOutput);
  std::vector<double>             rowWeights(rowsPerOutput);
  std::vector<double>             scratch(SSIMKernel::ScratchSize(width, taps));
  const SSIMKernel::WeightsType & wx = weights;
  double                          sum = 0.0;

  for (std::size_t outer = 0; outer < outerOutputs; ++outer)
  {
    for (std::size_t k = 0; k < ringSlots; ++k)
    {
      const std::size_t padded = outer + k;
      const std::size_t slot = padded % ringSlots;
      if (slotHolds[slot] != static_cast<IndexValueType>(padded))
      {
        convertPlane(padded, slot);
      }
    }
    if (ImageDimension == 3)
    {
      const std::size_t rows = outputRegion.GetSize(1);
      for (std::size_t row = 0; row < rows; ++row)
      {
        std::size_t n = 0;
        for (std::size_t kz = 0; kz < taps; ++kz)
        {
          const std::size_t slot = (outer + kz) % ringSlots;
          for (std::size_t ky = 0; ky < taps; ++ky)
          {
            const std::size_t offset = slot * planeSize + (row + ky) * paddedWidth;
            xRows[n] = ring[0].data() + offset;
            yRows[n] = ring[1].data() + offset;
            rowWeights[n] = weights[kz] * weights[ky];
            ++n;
          }
        }
        const std::size_t outOffset = outer * outputOffsets[ImageDimension == 3 ? 2 : 0] + row * outputOffsets[1];
        sum += SSIMKernel::ComputeRow<OutputPixelType>(
          xRows.data(), yRows.data(), rowWeights.data(), n, wx, width, constants, rowOutput(outOffset), scratch.data());
      }
    }
    else
    {
      for (std::size_t k = 0; k < ringSlots; ++k)
      {
        const std::size_t slot = (outer + k) % ringSlots;
        xRows[k] = ring[0].data() + slot * planeSize;
        yRows[k] = ring[1].data() + slot * planeSize;
        rowWeights[k] = ImageDimension >= 2 ? weights[k] : 1.0;
      }
      const std::size_t outOffset = ImageDimension >= 2 ? outer * outputOffsets[ImageDimension >= 2 ? 1 : 0] : 0;
      sum += SSIMKernel::ComputeRow<OutputPixelType>(xRows.data(),
                                                     yRows.data(),
                                                     rowWeights.data(),
                                                     ringSlots,
                                                     wx,
                                                     width,
                                                     constants,
                                                     rowOutput(outOffset),
                                                     scratch.data());
    }
  }

  if (foundNaN)
  {
    m_FoundNaN = true;
  }
  {
    std::lock_guard<std::mutex> lock(m_SumMutex);
    m_SSIMSum += sum;
  }
  TotalProgressReporter progress(this, this->GetOutput()->GetRequestedRegion().GetNumberOfPixels());
  progress.Completed(outputRegion.GetNumberOfPixels());
}

template<typename TInputImage, typename TOutputImage>
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

template<typename TInputImage, typename TOutputImage>
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
  os << indent << "ComputeComponentMaps: " << m_ComputeComponentMaps << std::endl;
  os << indent << "MeanSSIM: " << m_MeanSSIM << std::endl;
}

} // namespace itk

#endif
