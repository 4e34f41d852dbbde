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
#include "itkResidualThresholdCalibrator.h"
#include "itkDefectRegions.h"
#include "itkEnumNames.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace itk {

namespace {
constexpr EnumNames::Entry<ResidualThresholdCalibratorEnums::Rule> RuleNames[] = {
  { ResidualThresholdCalibratorEnums::Rule::Percentile, "percentile" },
  { ResidualThresholdCalibratorEnums::Rule::Maximum, "max" },
  { ResidualThresholdCalibratorEnums::Rule::MinimumArea, "min-area" }
};
} // namespace

const char *
ResidualThresholdCalibratorEnums::ToString(Rule value)
{
  return EnumNames::ToString(RuleNames, value);
}

bool
ResidualThresholdCalibratorEnums::FromString(const std::string & name, Rule & value)
{
  return EnumNames::FromString(RuleNames, name, value);
}

std::ostream &
operator<<(std::ostream & out, const ResidualThresholdCalibratorEnums::Rule value)
{
  return out << ResidualThresholdCalibratorEnums::ToString(value);
}

void
ResidualThresholdCalibrator::AddResidualMap(const Image<float, 2> * residual)
{
  if (residual == nullptr)
  {
    itkExceptionMacro("AddResidualMap: the residual image is null");
  }
  const auto size = residual->GetBufferedRegion().GetSize();
  this->AddResidualMap(residual->GetBufferPointer(), { { size[0], size[1], 1 } });
}

void
ResidualThresholdCalibrator::AddResidualMap(const Image<float, 3> * residual)
{
  if (residual == nullptr)
  {
    itkExceptionMacro("AddResidualMap: the residual image is null");
  }
  const auto size = residual->GetBufferedRegion().GetSize();
  this->AddResidualMap(residual->GetBufferPointer(), { { size[0], size[1], size[2] } });
}

void
ResidualThresholdCalibrator::AddResidualMap(const float * residual, const SizeType & size)
{
  Map map;
  map.Size = size;
  const std::size_t count = size[0] * size[1] * size[2];
  if (count == 0)
  {
    itkExceptionMacro("AddResidualMap: the map has no pixels");
  }
  map.Values.assign(residual, residual + count);
  for (std::size_t i = 0; i < count; ++i)
  {
    if (std::isnan(map.Values[i]))
    {
      itkExceptionMacro("AddResidualMap: residual map " << m_Maps.size() << " contains NaN at pixel " << i);
    }
  }
  m_Maps.push_back(std::move(map));
  this->Modified();
}

void
ResidualThresholdCalibrator::Clear()
{
  m_Maps.clear();
  this->Modified();
}

std::size_t
ResidualThresholdCalibrator::LargestRegion(double threshold) const
{
  std::size_t largest = 0;
  for (const auto & map : m_Maps)
  {
    for (const auto area : DefectRegions::RegionSizesAbove(map.Values.data(), map.Size, threshold))
    {
      largest = std::max(largest, area);
    }
  }
  return largest;
}

double
ResidualThresholdCalibrator::Compute() const
{
  if (m_Maps.empty())
  {
    itkExceptionMacro("no validation residual maps to calibrate on");
  }
  std::vector<float> values;
  for (const auto & map : m_Maps)
  {
    values.insert(values.end(), map.Values.begin(), map.Values.end());
  }
  switch (m_Rule)
  {
    case RuleEnum::Maximum:
      return *std::max_element(values.begin(), values.end());
    case RuleEnum::Percentile: {
      if (!(m_Percentile >= 0.0 && m_Percentile <= 100.0))
      {
        itkExceptionMacro("Percentile must be in [0, 100], got " << m_Percentile);
      }
      std::sort(values.begin(), values.end());
      const double      position = m_Percentile / 100.0 * static_cast<double>(values.size() - 1);
      const std::size_t below = static_cast<std::size_t>(std::floor(position));
      const std::size_t above = std::min(below + 1, values.size() - 1);
      const double      fraction = position - static_cast<double>(below);
      return static_cast<double>(values[below]) + fraction * (static_cast<double>(values[above]) - values[below]);
    }
    case RuleEnum::MinimumArea: {
      if (m_MinimumDefectArea == 0)
      {
        itkExceptionMacro("MinimumDefectArea must be positive for the minimum-area rule");
      }
      std::sort(values.begin(), values.end());
      values.erase(std::unique(values.begin(), values.end()), values.end());
      // The largest region shrinks as the threshold grows: binary search for the first value that is clean.
      std::size_t low = 0;
      std::size_t high = values.size() - 1; // at the maximum no pixel exceeds the threshold
      while (low < high)
      {
        const std::size_t middle = (low + high) / 2;
        if (this->LargestRegion(values[middle]) < m_MinimumDefectArea)
        {
          high = middle;
        }
        else
        {
          low = middle + 1;
        }
      }
      return values[low];
    }
  }
  itkExceptionMacro("unknown rule");
}

std::string
ResidualThresholdCalibrator::Describe() const
{
  std::ostringstream text;
  text << m_Rule;
  if (m_Rule == RuleEnum::Percentile)
  {
    text << " " << m_Percentile;
  }
  else if (m_Rule == RuleEnum::MinimumArea)
  {
    text << " " << m_MinimumDefectArea;
  }
  text << " on " << m_Maps.size() << " validation maps";
  return text.str();
}

void
ResidualThresholdCalibrator::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Rule: " << m_Rule << std::endl;
  os << indent << "Percentile: " << m_Percentile << std::endl;
  os << indent << "MinimumDefectArea: " << m_MinimumDefectArea << std::endl;
  os << indent << "Maps: " << m_Maps.size() << std::endl;
}

} // namespace itk
