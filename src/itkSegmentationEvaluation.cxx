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
} // namespace

std::size_t
SegmentationEvaluation::LabelComponents(const std::uint8_t *         mask,
                                        const SizeType &             size,
                                        std::vector<std::uint32_t> & labels)
{
  const std::size_t count = Count(size);
  labels.assign(count, 0);
  std::uint32_t            next = 0;
  std::vector<std::size_t> stack;
  const long               nx = static_cast<long>(size[0]);
  const long               ny = static_cast<long>(size[1]);
  const long               nz = static_cast<long>(size[2]);
  for (std::size_t start = 0; start < count; ++start)
  {
    if (!mask[start] || labels[start])
    {
      continue;
    }
    ++next;
    labels[start] = next;
    stack.push_back(start);
    while (!stack.empty())
    {
      const std::size_t current = stack.back();
      stack.pop_back();
      const long x = static_cast<long>(current % size[0]);
      const long y = static_cast<long>((current / size[0]) % size[1]);
      const long z = static_cast<long>(current / (size[0] * size[1]));
      for (long dz = -1; dz <= 1; ++dz)
      {
        for (long dy = -1; dy <= 1; ++dy)
        {
          for (long dx = -1; dx <= 1; ++dx)
          {
            const long px = x + dx;
            const long py = y + dy;
            const long pz = z + dz;
            if (px < 0 || py < 0 || pz < 0 || px >= nx || py >= ny || pz >= nz)
            {
              continue;
            }
            const std::size_t neighbour = static_cast<std::size_t>((pz * ny + py) * nx + px);
            if (mask[neighbour] && !labels[neighbour])
            {
              labels[neighbour] = next;
              stack.push_back(neighbour);
            }
          }
        }
      }
    }
  }
  return next;
}

namespace
{
template <unsigned int VDimension>
SegmentationEvaluation::SizeType
CheckedSize(const Image<float, VDimension> * residual, const Image<unsigned char, VDimension> * mask, const std::string & name)
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
SegmentationEvaluation::AddImage(const Image<float, 2> * residual, const Image<unsigned char, 2> * mask,
                                 const std::string & name)
{
  const SizeType size = CheckedSize<2>(residual, mask, name);
  this->AddImage(residual->GetBufferPointer(), mask->GetBufferPointer(), size, name);
}

void
SegmentationEvaluation::AddImage(const Image<float, 3> * residual, const Image<unsigned char, 3> * mask,
                                 const std::string & name)
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
  const std::size_t regions = LabelComponents(mask, size, stored.Regions);
  stored.FirstRegion = m_RegionSizes.size();
  m_RegionSizes.resize(m_RegionSizes.size() + regions, 0);
  std::size_t defectPixels = 0;
  for (std::size_t i = 0; i < count; ++i)
  {
    if (stored.Regions[i])
    {
      ++m_RegionSizes[stored.FirstRegion + stored.Regions[i] - 1];
      ++defectPixels;
    }
  }
  ImageRecord record;
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
  unsigned __int128 numerator = 0;
  std::uint64_t     positives = 0;
  std::uint64_t     negatives = 0;
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
    numerator += static_cast<unsigned __int128>(groupNegatives) * (2 * positives + groupPositives);
    positives += groupPositives;
    negatives += groupNegatives;
  }
  if (positives == 0 || negatives == 0)
  {
    itkGenericExceptionMacro("ROCAUC needs both classes, got " << positives << " positive and " << negatives
                                                               << " negative samples");
  }
  return static_cast<double>(static_cast<long double>(numerator) /
                             (2.0L * static_cast<long double>(positives) * static_cast<long double>(negatives)));
}

void
SegmentationEvaluation::Compute()
{
  struct Entry
  {
    float         Score;
    std::uint32_t Region; // 0: good pixel; otherwise global region index + 1
  };
  std::size_t total = 0;
  for (const auto & stored : m_Stored)
  {
    total += stored.Scores.size();
  }
  std::vector<Entry> entries;
  entries.reserve(total);
  for (const auto & stored : m_Stored)
  {
    for (std::size_t i = 0; i < stored.Scores.size(); ++i)
    {
      const std::uint32_t region =
        stored.Regions[i] ? static_cast<std::uint32_t>(stored.FirstRegion + stored.Regions[i]) : 0u;
      entries.push_back(Entry{ stored.Scores[i], region });
    }
  }
  std::sort(entries.begin(), entries.end(), [](const Entry & a, const Entry & b) { return a.Score > b.Score; });

  std::uint64_t positives = 0;
  for (const auto & entry : entries)
  {
    positives += entry.Region != 0;
  }
  const std::uint64_t negatives = entries.size() - positives;
  if (positives == 0 || negatives == 0)
  {
    itkExceptionMacro("evaluation needs defect pixels and good pixels, got " << positives << " defect and " << negatives
                                                                             << " good pixels");
  }
  const double regionCount = static_cast<double>(m_RegionSizes.size());

  m_ROCCurve.clear();
  m_PROCurve.clear();
  m_ROCCurve.push_back(CurvePoint{ 0.0, 0.0, std::numeric_limits<double>::infinity() });
  m_PROCurve.push_back(CurvePoint{ 0.0, 0.0, std::numeric_limits<double>::infinity() });

  unsigned __int128 numerator = 0;
  std::uint64_t     truePositives = 0;
  std::uint64_t     falsePositives = 0;
  long double       overlap = 0.0L;
  double            previousFPR = 0.0;
  double            previousPRO = 0.0;
  long double       proArea = 0.0L;
  bool              limitReached = false;
  for (std::size_t i = 0; i < entries.size();)
  {
    const float   score = entries[i].Score;
    std::uint64_t groupPositives = 0;
    std::uint64_t groupNegatives = 0;
    for (; i < entries.size() && entries[i].Score == score; ++i)
    {
      if (entries[i].Region)
      {
        ++groupPositives;
        overlap += 1.0L / (static_cast<long double>(m_RegionSizes[entries[i].Region - 1]) * regionCount);
      }
      else
      {
        ++groupNegatives;
      }
    }
    numerator += static_cast<unsigned __int128>(groupNegatives) * (2 * truePositives + groupPositives);
    truePositives += groupPositives;
    falsePositives += groupNegatives;

    const double fpr = static_cast<double>(falsePositives) / static_cast<double>(negatives);
    const double tpr = static_cast<double>(truePositives) / static_cast<double>(positives);
    const double pro = static_cast<double>(overlap);
    const bool   last = i == entries.size();
    AppendThinned(m_ROCCurve, CurvePoint{ fpr, tpr, score }, last);
    AppendThinned(m_PROCurve, CurvePoint{ fpr, pro, score }, last);

    if (!limitReached)
    {
      if (fpr <= m_PROLimit)
      {
        proArea += 0.5L * (fpr - previousFPR) * (previousPRO + pro);
      }
      else
      {
        const double fraction = (m_PROLimit - previousFPR) / (fpr - previousFPR);
        const double proAtLimit = previousPRO + fraction * (pro - previousPRO);
        proArea += 0.5L * (m_PROLimit - previousFPR) * (previousPRO + proAtLimit);
        limitReached = true;
      }
    }
    previousFPR = fpr;
    previousPRO = pro;
  }
  m_PixelAUROC = static_cast<double>(static_cast<long double>(numerator) / (2.0L * static_cast<long double>(positives) *
                                                                            static_cast<long double>(negatives)));
  m_AUPRO = static_cast<double>(proArea / m_PROLimit);

  std::vector<double>       imageScores;
  std::vector<std::uint8_t> imageLabels;
  for (const auto & record : m_Images)
  {
    imageScores.push_back(record.ImageScore);
    imageLabels.push_back(record.Defective ? 1 : 0);
  }
  const auto defective = std::count(imageLabels.begin(), imageLabels.end(), 1);
  m_ImageAUROC = (defective == 0 || defective == static_cast<long>(imageLabels.size()))
                   ? std::numeric_limits<double>::quiet_NaN()
                   : ROCAUC(imageScores, imageLabels);
}

std::vector<std::uint8_t>
SegmentationEvaluation::PredictedMask(std::size_t index, double threshold, std::size_t minimumArea) const
{
  if (index >= m_Stored.size())
  {
    itkExceptionMacro("image index " << index << " out of range (" << m_Stored.size() << " images)");
  }
  const auto &              stored = m_Stored[index];
  std::vector<std::uint8_t> predicted(stored.Scores.size());
  for (std::size_t i = 0; i < predicted.size(); ++i)
  {
    predicted[i] = stored.Scores[i] > threshold ? 1 : 0;
  }
  if (minimumArea > 1)
  {
    std::vector<std::uint32_t> labels;
    const std::size_t          count = LabelComponents(predicted.data(), stored.Size, labels);
    std::vector<std::size_t>   sizes(count + 1, 0);
    for (const auto label : labels)
    {
      ++sizes[label];
    }
    for (std::size_t i = 0; i < predicted.size(); ++i)
    {
      if (labels[i] && sizes[labels[i]] < minimumArea)
      {
        predicted[i] = 0;
      }
    }
  }
  return predicted;
}

SegmentationEvaluation::ThresholdMetrics
SegmentationEvaluation::EvaluateThreshold(double threshold, std::size_t minimumArea) const
{
  ThresholdMetrics metrics;
  metrics.Threshold = threshold;
  metrics.MinimumArea = minimumArea;
  std::vector<std::size_t> regionHits(m_RegionSizes.size(), 0);
  std::uint64_t            truePositives = 0;
  std::uint64_t            falsePositives = 0;
  std::uint64_t            falseNegatives = 0;
  std::uint64_t            negatives = 0;
  std::size_t              goodCorrect = 0;
  std::size_t              defectiveCorrect = 0;
  for (std::size_t index = 0; index < m_Stored.size(); ++index)
  {
    const auto & stored = m_Stored[index];
    const auto   predicted = this->PredictedMask(index, threshold, minimumArea);
    bool         anyPredicted = false;
    for (std::size_t i = 0; i < predicted.size(); ++i)
    {
      anyPredicted |= predicted[i] != 0;
      if (stored.Regions[i])
      {
        if (predicted[i])
        {
          ++truePositives;
          ++regionHits[stored.FirstRegion + stored.Regions[i] - 1];
        }
        else
        {
          ++falseNegatives;
        }
      }
      else
      {
        ++negatives;
        falsePositives += predicted[i] != 0;
      }
    }
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
  metrics.PerRegionOverlap = ratio(overlapSum, static_cast<double>(m_RegionSizes.size()));
  metrics.PixelPrecision =
    ratio(static_cast<double>(truePositives), static_cast<double>(truePositives + falsePositives));
  metrics.PixelRecall = ratio(static_cast<double>(truePositives), static_cast<double>(truePositives + falseNegatives));
  metrics.PixelFalsePositiveRate = ratio(static_cast<double>(falsePositives), static_cast<double>(negatives));
  metrics.GoodImageAccuracy = ratio(static_cast<double>(goodCorrect), static_cast<double>(metrics.GoodImages));
  metrics.DefectiveImageAccuracy =
    ratio(static_cast<double>(defectiveCorrect), static_cast<double>(metrics.DefectiveImages));
  return metrics;
}

void
SegmentationEvaluation::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Images: " << m_Images.size() << std::endl;
  os << indent << "Regions: " << m_RegionSizes.size() << std::endl;
  os << indent << "PROLimit: " << m_PROLimit << std::endl;
  os << indent << "PixelAUROC: " << m_PixelAUROC << std::endl;
  os << indent << "AUPRO: " << m_AUPRO << std::endl;
  os << indent << "ImageAUROC: " << m_ImageAUROC << std::endl;
  os << indent << "ROCCurve points: " << m_ROCCurve.size() << std::endl;
  os << indent << "PROCurve points: " << m_PROCurve.size() << std::endl;
}

} // namespace itk
