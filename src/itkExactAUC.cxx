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
#include "itkExactAUC.h"

#include <cmath>
#include <limits>

namespace itk {

#if defined(__SIZEOF_INT128__)
namespace {
__extension__ using WideUnsigned = unsigned __int128;

WideUnsigned
ToWide(const ExactAUC::UInt128 & value)
{
  return (static_cast<WideUnsigned>(value.High) << 64) | value.Low;
}
} // namespace
#endif

void
ExactAUC::AddTiedGroup(std::uint64_t positives, std::uint64_t negatives)
{
  m_DoubledStatistic = MultiplyAdd(m_DoubledStatistic, negatives, 2 * m_Positives + positives);
  m_Positives += positives;
  m_Negatives += negatives;
}

double
ExactAUC::GetArea() const
{
  if (m_Positives == 0 || m_Negatives == 0)
  {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return static_cast<double>(ToLongDouble(m_DoubledStatistic) /
                             (2.0L * static_cast<long double>(m_Positives) * static_cast<long double>(m_Negatives)));
}

ExactAUC::UInt128
ExactAUC::MultiplyAdd(const UInt128 & sum, std::uint64_t a, std::uint64_t b)
{
#if defined(__SIZEOF_INT128__)
  const WideUnsigned result = ToWide(sum) + static_cast<WideUnsigned>(a) * b;
  UInt128            value;
  value.High = static_cast<std::uint64_t>(result >> 64);
  value.Low = static_cast<std::uint64_t>(result);
  return value;
#else
  return MultiplyAddPortable(sum, a, b);
#endif
}

ExactAUC::UInt128
ExactAUC::MultiplyAddPortable(const UInt128 & sum, std::uint64_t a, std::uint64_t b)
{
  constexpr std::uint64_t lowHalf = 0xffffffffu;
  const std::uint64_t     a0 = a & lowHalf;
  const std::uint64_t     a1 = a >> 32;
  const std::uint64_t     b0 = b & lowHalf;
  const std::uint64_t     b1 = b >> 32;
  const std::uint64_t     p00 = a0 * b0;
  const std::uint64_t     p01 = a0 * b1;
  const std::uint64_t     p10 = a1 * b0;
  const std::uint64_t     p11 = a1 * b1;
  // Bits 32..95 of the product: three terms below 2^32 each, so no overflow.
  const std::uint64_t middle = (p00 >> 32) + (p01 & lowHalf) + (p10 & lowHalf);
  UInt128             product;
  product.Low = (middle << 32) | (p00 & lowHalf);
  product.High = p11 + (p01 >> 32) + (p10 >> 32) + (middle >> 32);

  UInt128 value;
  value.Low = sum.Low + product.Low;
  value.High = sum.High + product.High + (value.Low < product.Low ? 1u : 0u);
  return value;
}

long double
ExactAUC::ToLongDouble(const UInt128 & value)
{
#if defined(__SIZEOF_INT128__)
  return static_cast<long double>(ToWide(value));
#else
  return ToLongDoublePortable(value);
#endif
}

long double
ExactAUC::ToLongDoublePortable(const UInt128 & value)
{
  return std::ldexp(static_cast<long double>(value.High), 64) + static_cast<long double>(value.Low);
}

} // namespace itk
