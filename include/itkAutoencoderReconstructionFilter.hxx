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
#ifndef itkAutoencoderReconstructionFilter_hxx
#define itkAutoencoderReconstructionFilter_hxx

#include "itkAutoencoderReconstructionFilter.h"
#include "itkImageGrid.h"
#include "itkImageRegionConstIterator.h"
#include "itkProcessObject.h"
#include "itkSSIMKernel.h"

#include <algorithm>

namespace itk {


template<typename TInputImage, typename TOutputImage>
AutoencoderReconstructionFilter<TInputImage, TOutputImage>::AutoencoderReconstructionFilter()
{
  this->SetNumberOfRequiredInputs(1);
}

template<typename TInputImage, typename TOutputImage>
std::vector<IndexValueType>
AutoencoderReconstructionFilter<TInputImage, TOutputImage>::PatchPositions(SizeValueType size,
                                                                           unsigned int  patch,
                                                                           unsigned int  stride)
{
  std::vector<IndexValueType> positions;
  if (size <= patch)
  {
    positions.push_back(0);
    return positions;
  }
  const auto last = static_cast<IndexValueType>(size - patch);
  for (IndexValueType p = 0; p < last; p += stride)
  {
    positions.push_back(p);
  }
  positions.push_back(last);
  return positions;
}

template<typename TInputImage, typename TOutputImage>
void
AutoencoderReconstructionFilter<TInputImage, TOutputImage>::PlaneAxes(unsigned int & first, unsigned int & second) const
{
  if (ImageDimension == 2)
  {
    first = 0;
    second = 1;
    return;
  }
  const unsigned int axes[3][2] = { { 1, 2 }, { 0, 2 }, { 0, 1 } };
  first = axes[m_SliceAxis][0];
  second = axes[m_SliceAxis][1];
}

template<typename TInputImage, typename TOutputImage>
void
AutoencoderReconstructionFilter<TInputImage, TOutputImage>::VerifyPreconditions() ITKv5_CONST
{
  Superclass::VerifyPreconditions();
  if (!m_Model)
  {
    itkExceptionMacro("no model: SetModel() with a trained AutoencoderModel");
  }
  if (!m_Model->IsInitialized())
  {
    itkExceptionMacro("the model is not initialised (load a model file first)");
  }
  if (m_Model->GetNumberOfChannels() != 1)
  {
    itkExceptionMacro("the model expects " << m_Model->GetNumberOfChannels()
                                           << " channels; this filter reconstructs single-channel images");
  }
  if (m_Stride == 0 || m_Stride > m_Model->GetPatchSize())
  {
    itkExceptionMacro("Stride must be between 1 and the patch size " << m_Model->GetPatchSize() << ", got "
                                                                     << m_Stride);
  }
  if (m_BatchSize == 0)
  {
    itkExceptionMacro("BatchSize must be positive");
  }
  if (ImageDimension == 3 && m_SliceAxis > 2)
  {
    itkExceptionMacro("SliceAxis must be 0, 1 or 2, got " << m_SliceAxis);
  }
  if (!(m_Model->GetIntensityMaximum() > m_Model->GetIntensityMinimum()))
  {
    itkExceptionMacro("the model's intensity range [" << m_Model->GetIntensityMinimum() << ", "
                                                      << m_Model->GetIntensityMaximum() << "] is empty");
  }
}

template<typename TInputImage, typename TOutputImage>
bool
AutoencoderReconstructionFilter<TInputImage, TOutputImage>::NeedsWholeImage() const
{
  return m_Model && (m_Model->GetImageScale() != 1.0 ||
                     m_Model->GetIntensityNormalization() == AutoencoderModel::NormalizationEnum::PerImage);
}

template<typename TInputImage, typename TOutputImage>
void
AutoencoderReconstructionFilter<TInputImage, TOutputImage>::GenerateOutputInformation()
{
  Superclass::GenerateOutputInformation();
  const TInputImage * input = this->GetInput();
  if (!input || !m_Model || m_Model->GetImageScale() == 1.0)
  {
    return;
  }
  const double scale = m_Model->GetImageScale();
  if (!(scale > 0.0) || !std::isfinite(scale))
  {
    itkExceptionMacro("the model's image scale must be positive, got " << scale);
  }
  // The scaled grid covers the input's extent: spacing grows as the number of samples shrinks.
  unsigned int axes[2];
  this->PlaneAxes(axes[0], axes[1]);
  typename OutputImageType::SizeType size = input->GetLargestPossibleRegion().GetSize();
  for (const unsigned int d : axes)
  {
    size[d] = ImageGrid::ScaledSize(size[d], scale);
  }
  ImageGrid::SetResampledGeometry<ImageDimension>(input, size, this->GetOutput());
}

template<typename TInputImage, typename TOutputImage>
void
AutoencoderReconstructionFilter<TInputImage, TOutputImage>::EnlargeOutputRequestedRegion(DataObject * output)
{
  Superclass::EnlargeOutputRequestedRegion(output);
  if (this->NeedsWholeImage())
  {
    output->SetRequestedRegionToLargestPossibleRegion();
  }
}

template<typename TInputImage, typename TOutputImage>
void
AutoencoderReconstructionFilter<TInputImage, TOutputImage>::GenerateInputRequestedRegion()
{
  Superclass::GenerateInputRequestedRegion();
  auto * input = const_cast<TInputImage *>(this->GetInput());
  if (!input || !m_Model)
  {
    return;
  }
  if (this->NeedsWholeImage())
  {
    input->SetRequestedRegionToLargestPossibleRegion();
    return;
  }
  const auto   largest = input->GetLargestPossibleRegion();
  const auto   requested = this->GetOutput()->GetRequestedRegion();
  const auto   patch = m_Model->GetPatchSize();
  unsigned int axes[2];
  this->PlaneAxes(axes[0], axes[1]);
  InputImageRegionType region = requested;
  for (unsigned int a = 0; a < 2; ++a)
  {
    const unsigned int   d = axes[a];
    const IndexValueType start = largest.GetIndex(d);
    const auto           size = largest.GetSize(d);
    if (size <= patch)
    {
      region.SetIndex(d, start);
      region.SetSize(d, size);
      continue;
    }
    // The union of the patches that overlap the requested range.
    const IndexValueType low = requested.GetIndex(d) - start;
    const IndexValueType high = low + static_cast<IndexValueType>(requested.GetSize(d));
    IndexValueType       first = high;
    IndexValueType       last = low;
    for (const auto p : PatchPositions(size, patch, m_Stride > 0 ? m_Stride : 1))
    {
      if (p < high && p + static_cast<IndexValueType>(patch) > low)
      {
        first = std::min(first, p);
        last = std::max(last, p + static_cast<IndexValueType>(patch));
      }
    }
    region.SetIndex(d, start + first);
    region.SetSize(d, static_cast<SizeValueType>(last - first));
  }
  region.Crop(largest);
  input->SetRequestedRegion(region);
}

template<typename TInputImage, typename TOutputImage>
void
AutoencoderReconstructionFilter<TInputImage, TOutputImage>::GenerateData()
{
  this->AllocateOutputs();
  const TInputImage * input = this->GetInput();
  double              low = 0.0;
  double              high = 0.0;
  if (m_Model->GetIntensityNormalization() == AutoencoderModel::NormalizationEnum::PerImage)
  {
    low = NumericTraits<double>::max();
    high = NumericTraits<double>::NonpositiveMin();
    for (ImageRegionConstIterator<TInputImage> it(input, input->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
    {
      const double value = static_cast<double>(it.Get());
      low = std::min(low, value);
      high = std::max(high, value);
    }
  }
  m_Model->NormalizationRange(low, high, m_IntensityMinimum, m_IntensityMaximum);
  const double range = m_IntensityMaximum - m_IntensityMinimum;
  if (!(range > 0.0) || !std::isfinite(range))
  {
    itkExceptionMacro("the intensity range [" << m_IntensityMinimum << ", " << m_IntensityMaximum
                                              << "] cannot be mapped to [0, 1]");
  }
  if (m_Model->GetImageScale() == 1.0)
  {
    this->ReconstructRegion(input, this->GetOutput()->GetRequestedRegion(), m_IntensityMinimum, range);
    return;
  }
  // Scaled model: reconstruct the image resampled onto the output's grid.
  const auto scaled = ImageGrid::ResampleImage<ImageDimension>(ImageGrid::ToFloatImage(input),
                                                               this->GetOutput()->GetLargestPossibleRegion().GetSize());
  this->ReconstructRegion(scaled.GetPointer(), this->GetOutput()->GetRequestedRegion(), m_IntensityMinimum, range);
}

template<typename TInputImage, typename TOutputImage>
template<typename TImage>
void
AutoencoderReconstructionFilter<TInputImage, TOutputImage>::ReconstructRegion(const TImage *                input,
                                                                            const OutputImageRegionType & requested,
                                                                            double                        minimum,
                                                                            double                        scale)
{
  TOutputImage * output = this->GetOutput();
  const auto     largest = input->GetLargestPossibleRegion();
  const auto     patch = static_cast<IndexValueType>(m_Model->GetPatchSize());
  unsigned int   axes[2];
  this->PlaneAxes(axes[0], axes[1]);

  // Patches overlapping the requested region, per in-plane axis (positions relative to the largest region).
  std::vector<IndexValueType> positions[2];
  IndexValueType              low[2], high[2], start[2], size[2];
  for (unsigned int a = 0; a < 2; ++a)
  {
    const unsigned int d = axes[a];
    start[a] = largest.GetIndex(d);
    size[a] = static_cast<IndexValueType>(largest.GetSize(d));
    low[a] = requested.GetIndex(d) - start[a];
    high[a] = low[a] + static_cast<IndexValueType>(requested.GetSize(d));
    for (const auto p : PatchPositions(largest.GetSize(d), m_Model->GetPatchSize(), m_Stride))
    {
      if (p < high[a] && p + patch > low[a])
      {
        positions[a].push_back(p);
      }
    }
  }

  IndexValueType sliceFirst = 0;
  IndexValueType sliceCount = 1;
  if (ImageDimension == 3)
  {
    sliceFirst = requested.GetIndex(m_SliceAxis);
    sliceCount = static_cast<IndexValueType>(requested.GetSize(m_SliceAxis));
  }
  const std::size_t patchPixels = static_cast<std::size_t>(patch * patch);
  const std::size_t patchesPerSlice = positions[0].size() * positions[1].size();
  const double      totalPatches = static_cast<double>(patchesPerSlice) * static_cast<double>(sliceCount);
  const auto        width = static_cast<std::size_t>(high[0] - low[0]);
  const auto        height = static_cast<std::size_t>(high[1] - low[1]);

  std::vector<float>                                     batch(static_cast<std::size_t>(m_BatchSize) * patchPixels);
  std::vector<float>                                     reconstructed(batch.size());
  std::vector<std::pair<IndexValueType, IndexValueType>> origins;
  std::vector<double>                                    sum(width * height);
  std::vector<unsigned int>                              count(width * height);
  std::size_t                                            done = 0;

  for (IndexValueType slice = 0; slice < sliceCount; ++slice)
  {
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(count.begin(), count.end(), 0u);
    typename TInputImage::IndexType index = requested.GetIndex();
    if (ImageDimension == 3)
    {
      index[m_SliceAxis] = sliceFirst + slice;
    }

    auto flush = [&]() {
      if (origins.empty())
      {
        return;
      }
      if (this->GetAbortGenerateData())
      {
        ProcessAborted error(__FILE__, __LINE__);
        error.SetDescription("AutoencoderReconstructionFilter aborted");
        throw error;
      }
      m_Model->Reconstruct(batch.data(), origins.size(), reconstructed.data());
      for (std::size_t n = 0; n < origins.size(); ++n)
      {
        const float * values = reconstructed.data() + n * patchPixels;
        for (IndexValueType v = 0; v < patch; ++v)
        {
          const IndexValueType y = origins[n].second + v;
          if (y < low[1] || y >= high[1] || y >= size[1])
          {
            continue;
          }
          for (IndexValueType u = 0; u < patch; ++u)
          {
            const IndexValueType x = origins[n].first + u;
            if (x < low[0] || x >= high[0] || x >= size[0])
            {
              continue;
            }
            const std::size_t k = static_cast<std::size_t>(y - low[1]) * width + static_cast<std::size_t>(x - low[0]);
            sum[k] += values[v * patch + u];
            ++count[k];
          }
        }
      }
      done += origins.size();
      origins.clear();
      this->UpdateProgress(static_cast<float>(done / totalPatches));
    };

    for (const auto py : positions[1])
    {
      for (const auto px : positions[0])
      {
        float * destination = batch.data() + origins.size() * patchPixels;
        for (IndexValueType v = 0; v < patch; ++v)
        {
          index[axes[1]] = start[1] + static_cast<IndexValueType>(SSIMKernel::MirrorIndex(py + v, size[1]));
          for (IndexValueType u = 0; u < patch; ++u)
          {
            index[axes[0]] = start[0] + static_cast<IndexValueType>(SSIMKernel::MirrorIndex(px + u, size[0]));
            destination[v * patch + u] =
              static_cast<float>((static_cast<double>(input->GetPixel(index)) - minimum) / scale);
          }
        }
        origins.emplace_back(px, py);
        if (origins.size() == m_BatchSize)
        {
          flush();
        }
      }
    }
    flush();

    typename TOutputImage::IndexType outIndex = requested.GetIndex();
    for (std::size_t y = 0; y < height; ++y)
    {
      outIndex[axes[1]] = start[1] + low[1] + static_cast<IndexValueType>(y);
      for (std::size_t x = 0; x < width; ++x)
      {
        outIndex[axes[0]] = start[0] + low[0] + static_cast<IndexValueType>(x);
        if (ImageDimension == 3)
        {
          outIndex[m_SliceAxis] = sliceFirst + slice;
        }
        const std::size_t k = y * width + x;
        output->SetPixel(outIndex, static_cast<typename TOutputImage::PixelType>(sum[k] / count[k] * scale + minimum));
      }
    }
  }
}

template<typename TInputImage, typename TOutputImage>
void
AutoencoderReconstructionFilter<TInputImage, TOutputImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Model: " << m_Model.GetPointer() << std::endl;
  os << indent << "Stride: " << m_Stride << std::endl;
  os << indent << "BatchSize: " << m_BatchSize << std::endl;
  os << indent << "SliceAxis: " << m_SliceAxis << std::endl;
}

} // namespace itk

#endif
