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

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>
#include <vector>

namespace itk {

namespace SSIMImageFilterDetail {

/** Input index of every sample of one axis of `outputRegion` padded by `radius`, mirrored into `largest`. */
template<typename TRegion>
std::vector<IndexValueType>
MirroredSampleIndices(const TRegion & largest, const TRegion & outputRegion, IndexValueType radius, unsigned int axis)
{
  const IndexValueType        start = largest.GetIndex(axis);
  const auto                  size = static_cast<IndexValueType>(largest.GetSize(axis));
  const std::size_t           padded = outputRegion.GetSize(axis) + 2 * radius;
  std::vector<IndexValueType> indices;
  for (std::size_t k = 0; k < padded; ++k)
  {
    const IndexValueType index = outputRegion.GetIndex(axis) - radius + static_cast<IndexValueType>(k);
    indices.push_back(start + static_cast<IndexValueType>(SSIMKernel::MirrorIndex(index - start, size)));
  }
  return indices;
}

/** The first run [begin, end) of consecutive input indices in a padded axis: the unmirrored middle of a row. */
inline std::pair<std::size_t, std::size_t>
ConsecutiveRun(const std::vector<IndexValueType> & indices)
{
  std::size_t begin = 0;
  while (begin + 1 < indices.size() && indices[begin + 1] != indices[begin] + 1)
  {
    ++begin;
  }
  std::size_t end = begin + 1;
  while (end < indices.size() && indices[end] == indices[end - 1] + 1)
  {
    ++end;
  }
  return { begin, end };
}

/** The window of one output plane as rows of two images, x and y, converted to double.
 *
 * The output region is swept along its outermost axis (rows in 2D, slices in 3D; in 3D MomentPlaneGroup output
 * slices at a time). A ring of `taps` (3D: `taps + MomentPlaneGroup - 1`) padded, mirrored input planes along that axis
 * (one padded row in 2D, one padded slice in 3D, the padded row in 1D) keeps the working set small: each input plane is
 * converted once and every output row reads its window rows from the ring. */
template<typename TInputImage>
class PlaneRing
{
public:
  static constexpr unsigned int Dimension = TInputImage::ImageDimension;
  static constexpr unsigned int Outer = Dimension - 1;
  using InputPixelType = typename TInputImage::PixelType;
  using RegionType = typename TInputImage::RegionType;

  PlaneRing(const TInputImage * x, const TInputImage * y, const RegionType & outputRegion, IndexValueType radius);

  /** Converts the input planes that output planes `outer` .. `outer + planes - 1` need and the ring does not hold yet.
   */
  void
  Load(std::size_t outer, std::size_t planes);

  /** Padded row `row` (along axis 1 in 3D, else 0) of padded plane `paddedOuter` of image 0 (x) or 1 (y). */
  const double *
  Row(unsigned int image, std::size_t paddedOuter, std::size_t row) const
  {
    return m_Planes[image].data() + (paddedOuter % m_Slots) * m_PlaneSize + row * m_PaddedWidth;
  }

  /** Whether a converted sample was NaN. */
  bool
  FoundNaN() const
  {
    return m_FoundNaN;
  }

private:
  void
  ConvertPlane(std::size_t paddedOuter, std::size_t slot);

  void
  ConvertRow(unsigned int image, const InputPixelType * source, double * destination);

  const TInputImage *                                m_Inputs[2];
  std::array<std::vector<IndexValueType>, Dimension> m_SampleIndex;
  std::vector<OffsetValueType>                       m_ColumnOffset[2];
  std::size_t                                        m_ContiguousBegin{ 0 };
  std::size_t                                        m_ContiguousEnd{ 0 };
  std::size_t                                        m_PaddedWidth;
  std::size_t                                        m_RowsPerPlane;
  std::size_t                                        m_PlaneSize;
  std::size_t                                        m_Slots;
  std::vector<double>                                m_Planes[2];
  std::vector<IndexValueType>                        m_SlotHolds;
  bool                                               m_FoundNaN{ false };
};

template<typename TInputImage>
PlaneRing<TInputImage>::PlaneRing(const TInputImage * x,
                                  const TInputImage * y,
                                  const RegionType &  outputRegion,
                                  IndexValueType      radius)
    : m_Inputs{ x, y }
{
  for (unsigned int d = 0; d < Dimension; ++d)
  {
    m_SampleIndex[d] = MirroredSampleIndices(x->GetLargestPossibleRegion(), outputRegion, radius, d);
  }
  m_PaddedWidth = m_SampleIndex[0].size();
  m_RowsPerPlane = Dimension == 3 ? m_SampleIndex[1].size() : 1;
  m_PlaneSize = m_PaddedWidth * m_RowsPerPlane;
  m_Slots = Dimension >= 2 ? 2 * static_cast<std::size_t>(radius) + 1 : 1;
  if (Dimension == 3)
  {
    m_Slots += SSIMKernel::MomentPlaneGroup - 1;
  }
  m_SlotHolds.assign(m_Slots, -1);
  for (unsigned int i = 0; i < 2; ++i)
  {
    m_Planes[i].resize(m_Slots * m_PlaneSize);
    const auto bufferStart = m_Inputs[i]->GetBufferedRegion().GetIndex();
    for (const IndexValueType index : m_SampleIndex[0])
    {
      m_ColumnOffset[i].push_back(index - bufferStart[0]);
    }
  }
  const auto contiguous = ConsecutiveRun(m_SampleIndex[0]);
  m_ContiguousBegin = contiguous.first;
  m_ContiguousEnd = contiguous.second;
}

template<typename TInputImage>
void
PlaneRing<TInputImage>::Load(std::size_t outer, std::size_t planes)
{
  const std::size_t needed = m_Slots - (Dimension == 3 ? SSIMKernel::MomentPlaneGroup - planes : 0);
  for (std::size_t k = 0; k < needed; ++k)
  {
    const std::size_t padded = outer + k;
    const std::size_t slot = padded % m_Slots;
    if (m_SlotHolds[slot] != static_cast<IndexValueType>(padded))
    {
      this->ConvertPlane(padded, slot);
    }
  }
}

template<typename TInputImage>
void
PlaneRing<TInputImage>::ConvertPlane(std::size_t paddedOuter, std::size_t slot)
{
  for (unsigned int i = 0; i < 2; ++i)
  {
    const auto      bufferStart = m_Inputs[i]->GetBufferedRegion().GetIndex();
    const auto *    offsets = m_Inputs[i]->GetOffsetTable();
    OffsetValueType planeOffset = 0;
    if (Dimension >= 2)
    {
      planeOffset = (m_SampleIndex[Outer][paddedOuter] - bufferStart[Outer]) * offsets[Outer];
    }
    for (std::size_t row = 0; row < m_RowsPerPlane; ++row)
    {
      OffsetValueType rowOffset = planeOffset;
      if (Dimension == 3)
      {
        rowOffset += (m_SampleIndex[1][row] - bufferStart[1]) * offsets[1];
      }
      this->ConvertRow(
        i, m_Inputs[i]->GetBufferPointer() + rowOffset, m_Planes[i].data() + slot * m_PlaneSize + row * m_PaddedWidth);
    }
  }
  m_SlotHolds[slot] = static_cast<IndexValueType>(paddedOuter);
}

template<typename TInputImage>
void
PlaneRing<TInputImage>::ConvertRow(unsigned int image, const InputPixelType * source, double * destination)
{
  const OffsetValueType * columns = m_ColumnOffset[image].data();
  for (std::size_t k = 0; k < m_ContiguousBegin; ++k)
  {
    destination[k] = static_cast<double>(source[columns[k]]);
  }
  const InputPixelType * run = source + columns[m_ContiguousBegin];
  for (std::size_t k = m_ContiguousBegin; k < m_ContiguousEnd; ++k)
  {
    destination[k] = static_cast<double>(run[k - m_ContiguousBegin]);
  }
  for (std::size_t k = m_ContiguousEnd; k < m_PaddedWidth; ++k)
  {
    destination[k] = static_cast<double>(source[columns[k]]);
  }
  if (!NumericTraits<InputPixelType>::is_integer)
  {
    bool foundNaN = false;
    for (std::size_t k = 0; k < m_PaddedWidth; ++k)
    {
      foundNaN |= std::isnan(destination[k]);
    }
    m_FoundNaN |= foundNaN;
  }
}

/** Where the rows of an output region go in the SSIM map and in the component maps that are computed. */
template<typename TOutputImage>
class OutputRows
{
public:
  static constexpr unsigned int Dimension = TOutputImage::ImageDimension;
  using PixelType = typename TOutputImage::PixelType;

  /** `maps`: the SSIM map, then the luminance, contrast and structure maps or null where they are not computed. */
  OutputRows(const std::array<TOutputImage *, 4> & maps, const typename TOutputImage::RegionType & region)
      : m_Offsets(maps[0]->GetOffsetTable())
  {
    for (unsigned int i = 0; i < 4; ++i)
    {
      m_Starts[i] = maps[i] ? maps[i]->GetBufferPointer() + maps[i]->ComputeOffset(region.GetIndex()) : nullptr;
    }
  }

  /** Output row `row` (along axis 1 in 3D, else 0) of output plane `outer` (along the outermost axis). */
  SSIMKernel::OutputRow<PixelType>
  At(std::size_t outer, std::size_t row) const
  {
    std::size_t offset = Dimension >= 2 ? outer * m_Offsets[Dimension - 1] : 0;
    if (Dimension == 3)
    {
      offset += row * m_Offsets[1];
    }
    SSIMKernel::OutputRow<PixelType> out;
    out.SSIM = m_Starts[0] + offset;
    out.Luminance = m_Starts[1] ? m_Starts[1] + offset : nullptr;
    out.Contrast = m_Starts[2] ? m_Starts[2] + offset : nullptr;
    out.Structure = m_Starts[3] ? m_Starts[3] + offset : nullptr;
    return out;
  }

private:
  const OffsetValueType * m_Offsets;
  PixelType *             m_Starts[4];
};

/** Computes the output rows of a plane from the window rows in a PlaneRing and keeps the running sum of the SSIM
 * values.
 *
 * In 1D and 2D the kernel takes the input rows of the window directly. In 3D the window is applied one axis at a
 * time: the rows of the window's slices at one padded row are first combined along the outermost axis into a moment
 * block (x, y, x^2, y^2, xy) for each of up to MomentPlaneGroup output slices at once, kept in a ring and reused by
 * every output row that needs it; groups of output rows then combine their blocks along axis 1 and filter along x. */
template<typename TInputImage, typename TOutputImage>
class WindowRows
{
public:
  static constexpr unsigned int Dimension = TInputImage::ImageDimension;
  static constexpr std::size_t  Group = Dimension == 3 ? SSIMKernel::MomentRowGroup : 1;
  static constexpr std::size_t  PlaneGroup = Dimension == 3 ? SSIMKernel::MomentPlaneGroup : 1;
  using OutputPixelType = typename TOutputImage::PixelType;

  /** `componentMaps`: whether the luminance, contrast and structure maps are computed too. */
  WindowRows(SSIMKernel::WeightsType       weights,
             const SSIMKernel::Constants & constants,
             std::size_t                   width,
             bool                          componentMaps)
      : m_Weights(std::move(weights)), m_Constants(constants), m_Width(width), m_Taps(m_Weights.size()),
        m_Channels(SSIMKernel::MomentChannels(constants, componentMaps))
  {
    m_XRows.resize(m_Taps + PlaneGroup - 1);
    m_YRows.resize(m_Taps + PlaneGroup - 1);
    m_Scratch.resize(SSIMKernel::ScratchSize(width, m_Taps, Group));
    if (Dimension == 3)
    {
      const std::size_t slots = m_Taps + Group - 1;
      m_BlockSize = m_Channels * (width + m_Taps - 1);
      m_Blocks.resize(slots * PlaneGroup * m_BlockSize);
      m_BlockPointers.resize(slots);
      m_PlaneBlockPointers.resize(slots);
      m_BlockHolds.assign(slots, { -1, -1 });
    }
  }

  /** Writes the `rows` output rows (along axis 1 in 3D; 1 otherwise) of output planes `outer` .. `outer + planes - 1`
   * (planes <= PlaneGroup). */
  void
  ComputePlanes(const PlaneRing<TInputImage> &   ring,
                std::size_t                      outer,
                std::size_t                      planes,
                std::size_t                      rows,
                const OutputRows<TOutputImage> & outputs)
  {
    for (std::size_t row = 0; row < rows; row += Group)
    {
      const std::size_t count = std::min(Group, rows - row);
      if (Dimension != 3)
      {
        this->ComputeRow(ring, outer, outputs.At(outer, row));
        continue;
      }
      for (std::size_t k = 0; k < m_Taps + count - 1; ++k)
      {
        m_BlockPointers[k] = this->MomentBlocks(ring, outer, planes, row + k);
      }
      for (std::size_t p = 0; p < planes; ++p)
      {
        SSIMKernel::OutputRow<OutputPixelType> out[Group];
        for (std::size_t r = 0; r < count; ++r)
        {
          out[r] = outputs.At(outer + p, row + r);
        }
        for (std::size_t k = 0; k < m_Taps + count - 1; ++k)
        {
          m_PlaneBlockPointers[k] = m_BlockPointers[k] + p * m_BlockSize;
        }
        m_Sum += SSIMKernel::ComputeRowsFromMoments<OutputPixelType>(m_PlaneBlockPointers.data(),
                                                                     m_Weights.data(),
                                                                     m_Taps,
                                                                     count,
                                                                     m_Weights,
                                                                     m_Width,
                                                                     m_Constants,
                                                                     out,
                                                                     m_Scratch.data());
      }
    }
  }

  /** Sum of the SSIM values of the rows computed so far. */
  double
  GetSum() const
  {
    return m_Sum;
  }

private:
  /** A row of a 1D or 2D image: the kernel filters the window's input rows. */
  void
  ComputeRow(const PlaneRing<TInputImage> & ring, std::size_t outer, const SSIMKernel::OutputRow<OutputPixelType> & out)
  {
    const std::size_t rows = Dimension == 2 ? m_Taps : 1;
    const double      one = 1.0;
    for (std::size_t k = 0; k < rows; ++k)
    {
      m_XRows[k] = ring.Row(0, outer + k, 0);
      m_YRows[k] = ring.Row(1, outer + k, 0);
    }
    m_Sum += SSIMKernel::ComputeRow<OutputPixelType>(m_XRows.data(),
                                                     m_YRows.data(),
                                                     Dimension == 2 ? m_Weights.data() : &one,
                                                     rows,
                                                     m_Weights,
                                                     m_Width,
                                                     m_Constants,
                                                     out,
                                                     m_Scratch.data());
  }

  /** The moment blocks of padded row `paddedRow` of output planes `outer` .. `outer + planes - 1`, one after the
   * other, computed unless the ring holds them. */
  const double *
  MomentBlocks(const PlaneRing<TInputImage> & ring, std::size_t outer, std::size_t planes, std::size_t paddedRow)
  {
    const std::size_t                               slot = paddedRow % m_BlockHolds.size();
    double *                                        first = m_Blocks.data() + slot * PlaneGroup * m_BlockSize;
    const std::pair<IndexValueType, IndexValueType> key{ static_cast<IndexValueType>(outer),
                                                         static_cast<IndexValueType>(paddedRow) };
    if (m_BlockHolds[slot] != key)
    {
      double * blocks[PlaneGroup];
      for (std::size_t p = 0; p < planes; ++p)
      {
        blocks[p] = first + p * m_BlockSize;
      }
      for (std::size_t kz = 0; kz < m_Taps + planes - 1; ++kz)
      {
        m_XRows[kz] = ring.Row(0, outer + kz, paddedRow);
        m_YRows[kz] = ring.Row(1, outer + kz, paddedRow);
      }
      SSIMKernel::AccumulateMoments(
        m_XRows.data(), m_YRows.data(), m_Weights.data(), m_Taps, planes, m_Width + m_Taps - 1, m_Channels, blocks);
      m_BlockHolds[slot] = key;
    }
    return first;
  }

  const SSIMKernel::WeightsType                          m_Weights;
  const SSIMKernel::Constants                            m_Constants;
  const std::size_t                                      m_Width;
  const std::size_t                                      m_Taps;
  const unsigned int                                     m_Channels;
  std::vector<const double *>                            m_XRows;
  std::vector<const double *>                            m_YRows;
  std::vector<double>                                    m_Scratch;
  std::size_t                                            m_BlockSize{ 0 };
  std::vector<double>                                    m_Blocks;
  std::vector<const double *>                            m_BlockPointers;
  std::vector<const double *>                            m_PlaneBlockPointers;
  std::vector<std::pair<IndexValueType, IndexValueType>> m_BlockHolds;
  double                                                 m_Sum{ 0.0 };
};

} // namespace SSIMImageFilterDetail

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
  // Mirrored borders repeat the image: a window wider than twice its largest side sees nothing new, and its taps
  // and rows are allocated per thread. Windows up to 65537 taps are always accepted (images smaller than the window).
  const auto   size = this->GetInput1()->GetLargestPossibleRegion().GetSize();
  const auto   largest = *std::max_element(size.begin(), size.end());
  const double limit = 2.0 * static_cast<double>(largest) + 1.0;
  if (m_WindowSize > 65537u && static_cast<double>(m_WindowSize) > limit)
  {
    itkExceptionMacro("WindowSize " << m_WindowSize << " exceeds twice the image's largest side plus one (" << limit
                                    << ")");
  }
  m_SSIMSum = 0.0;
  m_FoundNaN = false;
}


template<typename TInputImage, typename TOutputImage>
void
SSIMImageFilter<TInputImage, TOutputImage>::GenerateData()
{
  this->AllocateOutputs();
  this->BeforeThreadedGenerateData();
  const OutputImageRegionType region = this->GetOutput()->GetRequestedRegion();
  MultiThreaderBase *         threader = this->GetMultiThreader();
  threader->SetNumberOfWorkUnits(this->WorkUnitsFor(region));
  threader->SetUpdateProgress(this->GetThreaderUpdateProgress());
  threader->template ParallelizeImageRegion<ImageDimension>(
    region, [this](const OutputImageRegionType & piece) { this->DynamicThreadedGenerateData(piece); }, this);
  this->AfterThreadedGenerateData();
}

template<typename TInputImage, typename TOutputImage>
ThreadIdType
SSIMImageFilter<TInputImage, TOutputImage>::WorkUnitsFor(const OutputImageRegionType & region) const
{
  const ThreadIdType units = this->GetNumberOfWorkUnits();
  if (ImageDimension != 3)
  {
    return units;
  }
  const SizeValueType taps = 2 * this->GetWindowRadius() + 1;
  const SizeValueType thickSlabs = region.GetSize(ImageDimension - 1) / (4 * taps);
  const SizeValueType threads = this->GetMultiThreader()->GetMaximumNumberOfThreads();
  return static_cast<ThreadIdType>(
    std::max<SizeValueType>(1, std::min<SizeValueType>(units, std::max(threads, thickSlabs))));
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
SSIMKernel::WeightsType
SSIMImageFilter<TInputImage, TOutputImage>::MakeWindowWeights() const
{
  return m_Window == WindowEnum::Gaussian ? SSIMKernel::GaussianWeights(m_GaussianSigma, this->GetWindowRadius())
                                          : SSIMKernel::UniformWeights(m_WindowSize);
}

template<typename TInputImage, typename TOutputImage>
SSIMKernel::Constants
SSIMImageFilter<TInputImage, TOutputImage>::MakeKernelConstants() const
{
  SSIMKernel::Constants constants;
  constants.C1 = (m_K1 * m_DynamicRange) * (m_K1 * m_DynamicRange);
  constants.C2 = (m_K2 * m_DynamicRange) * (m_K2 * m_DynamicRange);
  constants.Alpha = m_LuminanceExponent;
  constants.Beta = m_ContrastExponent;
  constants.Gamma = m_StructureExponent;
  return constants;
}

template<typename TInputImage, typename TOutputImage>
std::array<TOutputImage *, 4>
SSIMImageFilter<TInputImage, TOutputImage>::GetComputedOutputs()
{
  std::array<TOutputImage *, 4> maps{ { this->GetOutput(0), nullptr, nullptr, nullptr } };
  for (unsigned int i = 1; i < 4 && m_ComputeComponentMaps; ++i)
  {
    maps[i] = this->GetOutput(i);
  }
  return maps;
}

template<typename TInputImage, typename TOutputImage>
void
SSIMImageFilter<TInputImage, TOutputImage>::DynamicThreadedGenerateData(const OutputImageRegionType & outputRegion)
{
  const auto radius = static_cast<IndexValueType>(this->GetWindowRadius());
  // A volume is swept in strips along axis 1 so that the ring of converted slices of a strip stays within a few
  // megabytes (a share of the cache) however large the slices are; a strip costs 2 r padded rows more.
  OutputImageRegionType strip = outputRegion;
  std::size_t           rowsPerStrip = 1;
  if (ImageDimension == 3)
  {
    constexpr std::size_t ringBytes = std::size_t{ 6 } << 20;
    const std::size_t     taps = 2 * static_cast<std::size_t>(radius) + 1;
    const std::size_t     slices = taps + SSIMKernel::MomentPlaneGroup - 1;
    const std::size_t     rowBytes = 2 * slices * (outputRegion.GetSize(0) + taps - 1) * sizeof(double);
    // At least 4 taps of rows, and whole groups of rows for the window along axis 1.
    const std::size_t group = SSIMKernel::MomentRowGroup;
    rowsPerStrip = std::max<std::size_t>(4 * taps, ringBytes / rowBytes - (taps - 1)) / group * group;
  }
  const std::size_t rows = ImageDimension == 3 ? outputRegion.GetSize(1) : 1;
  for (std::size_t first = 0; first < rows; first += rowsPerStrip)
  {
    if (ImageDimension == 3)
    {
      strip.SetIndex(1, outputRegion.GetIndex(1) + static_cast<IndexValueType>(first));
      strip.SetSize(1, std::min(rowsPerStrip, rows - first));
    }
    this->GenerateStrip(strip, radius);
  }
}

template<typename TInputImage, typename TOutputImage>
void
SSIMImageFilter<TInputImage, TOutputImage>::GenerateStrip(const OutputImageRegionType & outputRegion,
                                                          IndexValueType                radius)
{
  SSIMImageFilterDetail::PlaneRing<TInputImage> ring(this->GetInput1(), this->GetInput2(), outputRegion, radius);
  SSIMImageFilterDetail::WindowRows<TInputImage, TOutputImage> window(
    this->MakeWindowWeights(), this->MakeKernelConstants(), outputRegion.GetSize(0), m_ComputeComponentMaps);
  const SSIMImageFilterDetail::OutputRows<TOutputImage> outputs(this->GetComputedOutputs(), outputRegion);

  const std::size_t planes = ImageDimension >= 2 ? outputRegion.GetSize(ImageDimension - 1) : 1;
  const std::size_t rowsPerPlane = ImageDimension == 3 ? outputRegion.GetSize(1) : 1;
  const std::size_t planeGroup = ImageDimension == 3 ? SSIMKernel::MomentPlaneGroup : 1;
  for (std::size_t outer = 0; outer < planes; outer += planeGroup)
  {
    const std::size_t count = std::min(planeGroup, planes - outer);
    ring.Load(outer, count);
    window.ComputePlanes(ring, outer, count, rowsPerPlane, outputs);
  }
  this->AddRegionResult(window.GetSum(), ring.FoundNaN(), outputRegion.GetNumberOfPixels());
}

template<typename TInputImage, typename TOutputImage>
void
SSIMImageFilter<TInputImage, TOutputImage>::AddRegionResult(double sum, bool foundNaN, SizeValueType pixels)
{
  if (foundNaN)
  {
    m_FoundNaN = true;
  }
  {
    std::lock_guard<std::mutex> lock(m_SumMutex);
    m_SSIMSum += sum;
  }
  TotalProgressReporter progress(this, this->GetOutput()->GetRequestedRegion().GetNumberOfPixels());
  progress.Completed(pixels);
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
  os << indent << "SSIMSum: " << m_SSIMSum << std::endl;
  os << indent << "FoundNaN: " << m_FoundNaN.load() << std::endl;
}

} // namespace itk

#endif
