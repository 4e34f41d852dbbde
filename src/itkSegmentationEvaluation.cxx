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
#include "itkSegmentationEvaluation.h"
#include "itkDefectRegions.h"
#include "itkExactAUC.h"
#include "itkImageGrid.h"
#include "itkMacro.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace itk {

namespace {
std::size_t
Count(const SegmentationEvaluation::SizeType & size)
{
  return size[0] * size[1] * size[2];
}

// Curves keep a point when FPR or value moved by at least this much since the last kept point (and always the
// last point): enough for drawing; the areas are computed on every threshold.
constexpr double CurveResolution = 1e-4;

void
AppendThinned(std::vector<SegmentationEvaluation::CurvePoint> & curve,
              const SegmentationEvaluation::CurvePoint &        point,
              bool                                              force)
{
  if (!force && !curve.empty() &&
      std::abs(point.FalsePositiveRate - curve.back().FalsePositiveRate) < CurveResolution &&
      std::abs(point.Value - curve.back().Value) < CurveResolution)
  {
    return;
  }
  curve.push_back(point);
}

// Trapezoidal area under a curve sampled at increasing false-positive rates, from 0 up to a limit; the segment that
// crosses the limit is interpolated linearly there.
class LimitedArea
{
public:
  explicit LimitedArea(double limit) : m_Limit(limit) {}

  void
  Add(double fpr, double value)
  {
    if (!m_LimitReached)
    {
      if (fpr <= m_Limit)
      {
        m_Area += 0.5L * (fpr - m_PreviousFPR) * (m_PreviousValue + value);
      }
      else
      {
        const double fraction = (m_Limit - m_PreviousFPR) / (fpr - m_PreviousFPR);
        const double valueAtLimit = m_PreviousValue + fraction * (value - m_PreviousValue);
        m_Area += 0.5L * (m_Limit - m_PreviousFPR) * (m_PreviousValue + valueAtLimit);
        m_LimitReached = true;
      }
    }
    m_PreviousFPR = fpr;
    m_PreviousValue = value;
  }

  long double
  GetArea() const
  {
    return m_Area;
  }

private:
  double      m_Limit;
  double      m_PreviousFPR{ 0.0 };
  double      m_PreviousValue{ 0.0 };
  long double m_Area{ 0.0L };
  bool        m_LimitReached{ false };
};

// Pixel counts of a prediction against the ground truth, over any number of images.
struct PixelCounts
{
  std::uint64_t TruePositives{ 0 };
  std::uint64_t FalsePositives{ 0 };
  std::uint64_t FalseNegatives{ 0 };
  std::uint64_t Negatives{ 0 };
};

// Adds one image's predicted mask to the pixel counts and to the hits of its ground-truth regions (labels 1..n of
// `regions`, stored from `firstRegion` on in `regionHits`). Returns whether any pixel is predicted defective.
bool
CountPredictions(const std::vector<std::uint8_t> &  predicted,
                 const std::vector<std::uint32_t> & regions,
                 std::size_t                        firstRegion,
                 PixelCounts &                      counts,
                 std::vector<std::size_t> &         regionHits)
{
  bool anyPredicted = false;
  for (std::size_t i = 0; i < predicted.size(); ++i)
  {
    anyPredicted |= predicted[i] != 0;
    if (regions[i] == 0)
    {
      ++counts.Negatives;
      counts.FalsePositives += predicted[i] != 0;
    }
    else if (predicted[i])
    {
      ++counts.TruePositives;
      ++regionHits[firstRegion + regions[i] - 1];
    }
    else
    {
      ++counts.FalseNegatives;
    }
  }
  return anyPredicted;
}
} // namespace

std::size_t
SegmentationEvaluation::LabelComponents(const std::uint8_t *         mask,
                                        const SizeType &             size,
                                        std::vector<std::uint32_t> & labels)
{
  return DefectRegions::Label(mask, size, labels).size();
}

namespace {
template<unsigned int VDimension>
SegmentationEvaluation::SizeType
CheckedSize(const Image<float, VDimension> *         residual,
            const Image<unsigned char, VDimension> * mask,
            const std::string &                      name)
{
  if (residual == nullptr || mask == nullptr)
  {
    itkGenericExceptionMacro("SegmentationEvaluation: image '" << name << "': the residual map or the mask is null");
  }
  const auto size = residual->GetBufferedRegion().GetSize();
  if (mask->GetBufferedRegion().GetSize() != size)
  {
    itkGenericExceptionMacro("SegmentationEvaluation: image '" << name << "': the residual map is " << size
                                                               << " but the mask is "
                                                               << mask->GetBufferedRegion().GetSize());
  }
  SegmentationEvaluation::SizeType result{ { 1, 1, 1 } };
  for (unsigned int axis = 0; axis < VDimension; ++axis)
  {
    result[axis] = size[axis];
  }
  return result;
}
} // namespace

void
SegmentationEvaluation::AddImage(const Image<float, 2> *         residual,
                                 const Image<unsigned char, 2> * mask,
                                 const std::string &             name)
{
  const SizeType size = CheckedSize<2>(residual, mask, name);
  this->AddImage(residual->GetBufferPointer(), mask->GetBufferPointer(), size, name);
}

void
SegmentationEvaluation::AddImage(const Image<float, 3> *         residual,
                                 const Image<unsigned char, 3> * mask,
                                 const std::string &             name)
{
  const SizeType size = CheckedSize<3>(residual, mask, name);
  this->AddImage(residual->GetBufferPointer(), mask->GetBufferPointer(), size, name);
}

void
SegmentationEvaluation::AddImage(const float *        residual,
                                 const std::uint8_t * mask,
                                 const SizeType &     size,
                                 const std::string &  name)
{
  const std::size_t count = Count(size);
  if (count == 0)
  {
    itkExceptionMacro("image '" << name << "' has no pixels");
  }
  StoredImage stored;
  stored.Size = size;
  stored.Scores.assign(residual, residual + count);
  for (std::size_t i = 0; i < count; ++i)
  {
    if (std::isnan(stored.Scores[i]))
    {
      itkExceptionMacro("residual map of image '" << name << "' contains NaN at pixel " << i);
    }
  }
  const auto regionSizes = DefectRegions::Label(mask, size, stored.Regions);
  stored.FirstRegion = m_RegionSizes.size();
  m_RegionSizes.insert(m_RegionSizes.end(), regionSizes.begin(), regionSizes.end());
  const std::size_t regions = regionSizes.size();
  const std::size_t defectPixels = std::accumulate(regionSizes.begin(), regionSizes.end(), std::size_t{ 0 });
  ImageRecord       record;
  record.Name = name;
  record.Defective = regions > 0;
  record.MaximumScore = *std::max_element(stored.Scores.begin(), stored.Scores.end());
  record.ImageScore = record.MaximumScore;
  if (m_ImageScoreSigma > 0.0)
  {
    const ImageGrid::SizesType sizes{ size[0], size[1], size[2] };
    const std::vector<double>  sigma(3, m_ImageScoreSigma);
    const auto                 smoothed = ImageGrid::GaussianBlur(stored.Scores.data(), sizes, sigma);
    record.ImageScore = *std::max_element(smoothed.begin(), smoothed.end());
  }
  record.Regions = regions;
  record.DefectPixels = defectPixels;
  record.Pixels = count;
  m_Images.push_back(record);
  m_Stored.push_back(std::move(stored));
  this->Modified();
}

void
SegmentationEvaluation::Clear()
{
  m_Stored.clear();
  m_Images.clear();
  m_RegionSizes.clear();
  m_ROCCurve.clear();
  m_PROCurve.clear();
  this->Modified();
}

double
SegmentationEvaluation::ROCAUC(const std::vector<double> & scores, const std::vector<std::uint8_t> & labels)
{
  if (scores.size() != labels.size())
  {
    itkGenericExceptionMacro("ROCAUC: " << scores.size() << " scores but " << labels.size() << " labels");
  }
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  ExactAUC area;
  for (std::size_t i = 0; i < order.size();)
  {
    std::uint64_t groupPositives = 0;
    std::uint64_t groupNegatives = 0;
    const double  score = scores[order[i]];
    if (std::isnan(score))
    {
      itkGenericExceptionMacro("ROCAUC: a score is NaN");
    }
    for (; i < order.size() && scores[order[i]] == score; ++i)
    {
      (labels[order[i]] ? groupPositives : groupNegatives)++;
    }
    area.AddTiedGroup(groupPositives, groupNegatives);
  }
  if (area.GetPositives() == 0 || area.GetNegatives() == 0)
  {
    itkGenericExceptionMacro("ROCAUC needs both classes, got " << area.GetPositives() << " positive and "
                                                               << area.GetNegatives() << " negative samples");
  }
  return area.GetArea();
}

auto
SegmentationEvaluation::SortedPixels() const -> std::vector<ScoredPixel>
{
  std::size_t total = 0;
  for (const auto & stored : m_Stored)
  {
    total += stored.Scores.size();
  }
  std::vector<ScoredPixel> pixels;
  pixels.reserve(total);
  for (const auto & stored : m_Stored)
  {
    for (std::size_t i = 0; i < stored.Scores.size(); ++i)
    {
      const std::uint32_t region =
        stored.Regions[i] ? static_cast<std::uint32_t>(stored.FirstRegion + stored.Regions[i]) : 0u;
      pixels.push_back(ScoredPixel{ stored.Scores[i], region });
    }
  }
  std::sort(
    pixels.begin(), pixels.end(), [](const ScoredPixel & a, const ScoredPixel & b) { return a.Score > b.Score; });
  return pixels;
}

void
SegmentationEvaluation::ComputePixelCurves(const std::vector<ScoredPixel> & pixels,
                                           std::uint64_t                    positives,
                                           std::uint64_t                    negatives)
{
  const double regionCount = static_cast<double>(m_RegionSizes.size());
  m_ROCCurve.clear();
  m_PROCurve.clear();
  m_ROCCurve.push_back(CurvePoint{ 0.0, 0.0, std::numeric_limits<double>::infinity() });
  m_PROCurve.push_back(CurvePoint{ 0.0, 0.0, std::numeric_limits<double>::infinity() });

  // Every distinct score is a threshold: the pixels tied at it enter the ROC counts and the per-region overlap
  // together.
  ExactAUC    rocArea;
  LimitedArea proArea(m_PROLimit);
  long double overlap = 0.0L;
  for (std::size_t i = 0; i < pixels.size();)
  {
    const float   score = pixels[i].Score;
    std::uint64_t groupPositives = 0;
    std::uint64_t groupNegatives = 0;
    for (; i < pixels.size() && pixels[i].Score == score; ++i)
    {
      if (pixels[i].Region)
      {
        ++groupPositives;
        overlap += 1.0L / (static_cast<long double>(m_RegionSizes[pixels[i].Region - 1]) * regionCount);
      }
      else
      {
        ++groupNegatives;
      }
    }
    rocArea.AddTiedGroup(groupPositives, groupNegatives);

    const double fpr = static_cast<double>(rocArea.GetNegatives()) / static_cast<double>(negatives);
    const double tpr = static_cast<double>(rocArea.GetPositives()) / static_cast<double>(positives);
    const double pro = static_cast<double>(overlap);
    const bool   last = i == pixels.size();
    AppendThinned(m_ROCCurve, CurvePoint{ fpr, tpr, score }, last);
    AppendThinned(m_PROCurve, CurvePoint{ fpr, pro, score }, last);
    proArea.Add(fpr, pro);
  }
  m_PixelAUROC = rocArea.GetArea();
  m_AUPRO = static_cast<double>(proArea.GetArea() / m_PROLimit);
}

double
SegmentationEvaluation::ComputeImageAUROC() const
{
  std::vector<double>       imageScores;
  std::vector<std::uint8_t> imageLabels;
  for (const auto & record : m_Images)
  {
    imageScores.push_back(record.ImageScore);
    imageLabels.push_back(record.Defective ? 1 : 0);
  }
  const auto defective = std::count(imageLabels.begin(), imageLabels.end(), 1);
  return (defective == 0 || defective == static_cast<long>(imageLabels.size()))
           ? std::numeric_limits<double>::quiet_NaN()
           : ROCAUC(imageScores, imageLabels);
}

void
SegmentationEvaluation::Compute()
{
  const auto    pixels = this->SortedPixels();
  std::uint64_t positives = 0;
  for (const auto & pixel : pixels)
  {
    positives += pixel.Region != 0;
  }
  const std::uint64_t negatives = pixels.size() - positives;
  if (positives == 0 || negatives == 0)
  {
    itkExceptionMacro("evaluation needs defect pixels and good pixels, got " << positives << " defect and " << negatives
                                                                             << " good pixels");
  }
  this->ComputePixelCurves(pixels, positives, negatives);
  m_ImageAUROC = this->ComputeImageAUROC();
}

std::vector<std::uint8_t>
SegmentationEvaluation::PredictedMask(std::size_t index, double threshold, std::size_t minimumArea) const
{
  if (index >= m_Stored.size())
  {
    itkExceptionMacro("image index " << index << " out of range (" << m_Stored.size() << " images)");
  }
  const auto & stored = m_Stored[index];
  return DefectRegions::ThresholdMask(stored.Scores.data(), stored.Size, threshold, minimumArea);
}

SegmentationEvaluation::ThresholdMetrics
SegmentationEvaluation::EvaluateThreshold(double threshold, std::size_t minimumArea) const
{
  ThresholdMetrics metrics;
  metrics.Threshold = threshold;
  metrics.MinimumArea = minimumArea;
  PixelCounts              counts;
  std::vector<std::size_t> regionHits(m_RegionSizes.size(), 0);
  std::size_t              goodCorrect = 0;
  std::size_t              defectiveCorrect = 0;
  for (std::size_t index = 0; index < m_Stored.size(); ++index)
  {
    const auto & stored = m_Stored[index];
    const bool   anyPredicted = CountPredictions(
      this->PredictedMask(index, threshold, minimumArea), stored.Regions, stored.FirstRegion, counts, regionHits);
    if (m_Images[index].Defective)
    {
      ++metrics.DefectiveImages;
      defectiveCorrect += anyPredicted;
    }
    else
    {
      ++metrics.GoodImages;
      goodCorrect += !anyPredicted;
    }
  }
  double overlapSum = 0.0;
  for (std::size_t r = 0; r < m_RegionSizes.size(); ++r)
  {
    overlapSum += static_cast<double>(regionHits[r]) / static_cast<double>(m_RegionSizes[r]);
  }
  const auto ratio = [](double a, double b) { return b > 0 ? a / b : std::numeric_limits<double>::quiet_NaN(); };
  const auto truePositives = static_cast<double>(counts.TruePositives);
  metrics.PerRegionOverlap = ratio(overlapSum, static_cast<double>(m_RegionSizes.size()));
  metrics.PixelPrecision = ratio(truePositives, static_cast<double>(counts.TruePositives + counts.FalsePositives));
  metrics.PixelRecall = ratio(truePositives, static_cast<double>(counts.TruePositives + counts.FalseNegatives));
  metrics.PixelFalsePositiveRate =
    ratio(static_cast<double>(counts.FalsePositives), static_cast<double>(counts.Negatives));
  metrics.GoodImageAccuracy = ratio(static_cast<double>(goodCorrect), static_cast<double>(metrics.GoodImages));
  metrics.DefectiveImageAccuracy =
    ratio(static_cast<double>(defectiveCorrect), static_cast<double>(metrics.DefectiveImages));
  return metrics;
}

void
SegmentationEvaluation::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  std::size_t pixels = 0;
  for (const auto & stored : m_Stored)
  {
    pixels += stored.Scores.size();
  }
  os << indent << "Images: " << m_Images.size() << std::endl;
  os << indent << "StoredPixels: " << pixels << std::endl;
  os << indent << "Regions: " << m_RegionSizes.size() << std::endl;
  os << indent << "ImageScoreSigma: " << m_ImageScoreSigma << std::endl;
  os << indent << "PROLimit: " << m_PROLimit << std::endl;
  os << indent << "PixelAUROC: " << m_PixelAUROC << std::endl;
  os << indent << "AUPRO: " << m_AUPRO << std::endl;
  os << indent << "ImageAUROC: " << m_ImageAUROC << std::endl;
  os << indent << "ROCCurve points: " << m_ROCCurve.size() << std::endl;
  os << indent << "PROCurve points: " << m_PROCurve.size() << std::endl;
}

} // namespace itk
