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
#include "itkImageRegionIterator.h"
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
  if (m_ModelResidual && !m_Model->ProvidesResidual())
  {
    itkExceptionMacro("ModelResidual is on, but the model (" << m_Model->GetArchitecture() << ", loss "
                                                             << m_Model->GetLoss()
                                                             << ") has no residual of its own; only variational "
                                                                "models do");
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
  this->CheckInputIntensities(low, high);
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
void
AutoencoderReconstructionFilter<TInputImage, TOutputImage>::CheckInputIntensities(double & low, double & high) const
{
  const TInputImage * input = this->GetInput();
  low = NumericTraits<double>::max();
  high = NumericTraits<double>::NonpositiveMin();
  for (ImageRegionConstIterator<TInputImage> it(input, input->GetBufferedRegion()); !it.IsAtEnd(); ++it)
  {
    const double value = static_cast<double>(it.Get());
    if (!std::isfinite(value))
    {
      itkExceptionMacro("the input has a NaN or infinite pixel at " << it.GetIndex());
    }
    low = std::min(low, value);
    high = std::max(high, value);
  }
  if (m_Model->GetIntensityNormalization() != AutoencoderModel::NormalizationEnum::Global)
  {
    return;
  }
  if (!(m_IntensityTolerance >= 0.0))
  {
    itkExceptionMacro("IntensityTolerance must be >= 0, got " << m_IntensityTolerance);
  }
  const double minimum = m_Model->GetIntensityMinimum();
  const double maximum = m_Model->GetIntensityMaximum();
  const double margin = m_IntensityTolerance * (maximum - minimum);
  if (low < minimum - margin || high > maximum + margin)
  {
    itkExceptionMacro("the input's intensities [" << low << ", " << high << "] lie far outside the range the model "
                                                  << "was trained on [" << minimum << ", " << maximum
                                                  << "] (more than " << m_IntensityTolerance
                                                  << " times its width beyond it): an image of another type or "
                                                     "scale, e.g. 16-bit data given to a model trained on 8-bit "
                                                     "images? Convert the image or train on images like it");
  }
}

template<typename TInputImage, typename TOutputImage>
auto
AutoencoderReconstructionFilter<TInputImage, TOutputImage>::MakePatchLayout(
  const ImageRegion<ImageDimension> & largest,
  const OutputImageRegionType &       requested) const -> PatchLayout
{
  PatchLayout layout;
  this->PlaneAxes(layout.Axes[0], layout.Axes[1]);
  layout.Patch = static_cast<IndexValueType>(m_Model->GetPatchSize());
  for (unsigned int a = 0; a < 2; ++a)
  {
    const unsigned int d = layout.Axes[a];
    layout.Start[a] = largest.GetIndex(d);
    layout.Size[a] = static_cast<IndexValueType>(largest.GetSize(d));
    layout.Low[a] = requested.GetIndex(d) - layout.Start[a];
    layout.High[a] = layout.Low[a] + static_cast<IndexValueType>(requested.GetSize(d));
    for (const auto p : PatchPositions(largest.GetSize(d), m_Model->GetPatchSize(), m_Stride))
    {
      if (p < layout.High[a] && p + layout.Patch > layout.Low[a])
      {
        layout.Positions[a].push_back(p);
      }
    }
  }
  return layout;
}

template<typename TInputImage, typename TOutputImage>
template<typename TImage>
void
AutoencoderReconstructionFilter<TInputImage, TOutputImage>::GatherPatch(
  const TImage *                            input,
  const PatchLayout &                       layout,
  typename TImage::IndexType                sliceIndex,
  std::pair<IndexValueType, IndexValueType> origin,
  double                                    minimum,
  double                                    scale,
  float *                                   destination) const
{
  // Offsets from the buffer start: the index arithmetic of GetPixel, once per row and column.
  const auto & strides = input->GetOffsetTable();
  const auto * buffer = input->GetBufferPointer();
  sliceIndex[layout.Axes[0]] = layout.Start[0];
  sliceIndex[layout.Axes[1]] = layout.Start[1];
  const OffsetValueType corner = input->ComputeOffset(sliceIndex);
  const IndexValueType  patch = layout.Patch;
  for (IndexValueType v = 0; v < patch; ++v)
  {
    const OffsetValueType row =
      corner + strides[layout.Axes[1]] * SSIMKernel::MirrorIndex(origin.second + v, layout.Size[1]);
    for (IndexValueType u = 0; u < patch; ++u)
    {
      const auto value =
        buffer[row + strides[layout.Axes[0]] * SSIMKernel::MirrorIndex(origin.first + u, layout.Size[0])];
      destination[v * patch + u] = static_cast<float>((static_cast<double>(value) - minimum) / scale);
    }
  }
}

template<typename TInputImage, typename TOutputImage>
void
AutoencoderReconstructionFilter<TInputImage, TOutputImage>::ReconstructBatch(const PatchLayout & layout,
                                                                             PatchBatch &        batch)
{
  if (batch.Origins.empty())
  {
    return;
  }
  if (this->GetAbortGenerateData())
  {
    ProcessAborted error(__FILE__, __LINE__);
    error.SetDescription("AutoencoderReconstructionFilter aborted");
    throw error;
  }
  const IndexValueType patch = layout.Patch;
  const std::size_t    patchPixels = static_cast<std::size_t>(patch * patch);
  const auto           width = static_cast<std::size_t>(layout.High[0] - layout.Low[0]);
  if (m_ModelResidual)
  {
    m_Model->ComputeResidual(batch.Patches.data(), batch.Origins.size(), batch.Reconstructed.data());
  }
  else
  {
    m_Model->Reconstruct(batch.Patches.data(), batch.Origins.size(), batch.Reconstructed.data());
  }
  for (std::size_t n = 0; n < batch.Origins.size(); ++n)
  {
    // Only the part of the patch inside the requested region (and the image) is accumulated.
    const float * values = batch.Reconstructed.data() + n * patchPixels;
    for (IndexValueType v = 0; v < patch; ++v)
    {
      const IndexValueType y = batch.Origins[n].second + v;
      if (y < layout.Low[1] || y >= layout.High[1] || y >= layout.Size[1])
      {
        continue;
      }
      for (IndexValueType u = 0; u < patch; ++u)
      {
        const IndexValueType x = batch.Origins[n].first + u;
        if (x < layout.Low[0] || x >= layout.High[0] || x >= layout.Size[0])
        {
          continue;
        }
        const std::size_t k =
          static_cast<std::size_t>(y - layout.Low[1]) * width + static_cast<std::size_t>(x - layout.Low[0]);
        batch.Sum[k] += values[v * patch + u];
        ++batch.Count[k];
      }
    }
  }
  batch.Done += batch.Origins.size();
  batch.Origins.clear();
  this->UpdateProgress(static_cast<float>(batch.Done / batch.Total));
}

template<typename TInputImage, typename TOutputImage>
void
AutoencoderReconstructionFilter<TInputImage, TOutputImage>::WriteSlice(const PatchBatch &            batch,
                                                                       const OutputImageRegionType & slice,
                                                                       double                        minimum,
                                                                       double                        scale)
{
  // The slice region is one sample thick along the slice axis and the in-plane axes are in increasing order, so it
  // is visited in the order of the accumulators (first in-plane axis fastest).
  ImageRegionIterator<TOutputImage> it(this->GetOutput(), slice);
  if (m_ModelResidual)
  {
    minimum = 0.0; // residuals keep the model's units
    scale = 1.0;
  }
  for (std::size_t k = 0; !it.IsAtEnd(); ++it, ++k)
  {
    it.Set(static_cast<typename TOutputImage::PixelType>(batch.Sum[k] / batch.Count[k] * scale + minimum));
  }
}

template<typename TInputImage, typename TOutputImage>
template<typename TImage>
void
AutoencoderReconstructionFilter<TInputImage, TOutputImage>::ReconstructRegion(const TImage *                input,
                                                                              const OutputImageRegionType & requested,
                                                                              double                        minimum,
                                                                              double                        scale)
{
  const PatchLayout layout = this->MakePatchLayout(input->GetLargestPossibleRegion(), requested);
  IndexValueType    sliceFirst = 0;
  IndexValueType    sliceCount = 1;
  if (ImageDimension == 3)
  {
    sliceFirst = requested.GetIndex(m_SliceAxis);
    sliceCount = static_cast<IndexValueType>(requested.GetSize(m_SliceAxis));
  }
  const std::size_t patchPixels = static_cast<std::size_t>(layout.Patch * layout.Patch);
  const std::size_t planePixels =
    static_cast<std::size_t>((layout.High[0] - layout.Low[0]) * (layout.High[1] - layout.Low[1]));
  // No batch larger than the patches of a slice: a huge BatchSize allocates no more than the work needs.
  const std::size_t capacity =
    std::min<std::size_t>(m_BatchSize, layout.Positions[0].size() * layout.Positions[1].size());
  PatchBatch batch;
  batch.Patches.resize(capacity * patchPixels);
  batch.Reconstructed.resize(batch.Patches.size());
  batch.Sum.resize(planePixels);
  batch.Count.resize(planePixels);
  batch.Total =
    static_cast<double>(layout.Positions[0].size() * layout.Positions[1].size()) * static_cast<double>(sliceCount);

  for (IndexValueType slice = 0; slice < sliceCount; ++slice)
  {
    std::fill(batch.Sum.begin(), batch.Sum.end(), 0.0);
    std::fill(batch.Count.begin(), batch.Count.end(), 0u);
    OutputImageRegionType sliceRegion = requested;
    if (ImageDimension == 3)
    {
      sliceRegion.SetIndex(m_SliceAxis, sliceFirst + slice);
      sliceRegion.SetSize(m_SliceAxis, 1);
    }
    for (const auto py : layout.Positions[1])
    {
      for (const auto px : layout.Positions[0])
      {
        float * destination = batch.Patches.data() + batch.Origins.size() * patchPixels;
        this->GatherPatch(input, layout, sliceRegion.GetIndex(), { px, py }, minimum, scale, destination);
        batch.Origins.emplace_back(px, py);
        if (batch.Origins.size() == capacity)
        {
          this->ReconstructBatch(layout, batch);
        }
      }
    }
    this->ReconstructBatch(layout, batch);
    this->WriteSlice(batch, sliceRegion, minimum, scale);
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
  os << indent << "IntensityMinimum: " << m_IntensityMinimum << std::endl;
  os << indent << "IntensityMaximum: " << m_IntensityMaximum << std::endl;
  os << indent << "IntensityTolerance: " << m_IntensityTolerance << std::endl;
  os << indent << "ModelResidual: " << m_ModelResidual << std::endl;
}

} // namespace itk

#endif
