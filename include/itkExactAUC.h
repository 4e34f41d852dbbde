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
#ifndef itkExactAUC_h
#define itkExactAUC_h

#include "SSIMAutoencoderExport.h"

#include <cstdint>

namespace itk {

/** \class ExactAUC
 * \brief Area under the ROC curve by exact integer counting.
 *
 * Scores are visited from the highest down, in groups of tied scores (AddTiedGroup). With P positive and N negative
 * samples the area is the Mann-Whitney statistic U / (P N), ties counted one half: a group of p positives and n
 * negatives that comes after P' positives of higher score adds n (2 P' + p) to the doubled statistic 2U. That integer
 * reaches 2 P N and may need more than 64 bits, so it is kept in 128: with the compiler's 128-bit integer where it
 * has one (__SIZEOF_INT128__), otherwise in two 64-bit halves. The portable arithmetic is compiled everywhere
 * (the ...Portable functions), so that it can be tested against the compiler's.
 *
 * \ingroup SSIMAutoencoder
 */
class SSIMAutoencoder_EXPORT ExactAUC
{
public:
  /** An unsigned 128-bit integer, High * 2^64 + Low. */
  struct UInt128
  {
    std::uint64_t High{ 0 };
    std::uint64_t Low{ 0 };
  };

  /** Adds the samples tied at the next lower score. */
  void
  AddTiedGroup(std::uint64_t positives, std::uint64_t negatives);

  /** Samples added so far. */
  std::uint64_t
  GetPositives() const
  {
    return m_Positives;
  }
  std::uint64_t
  GetNegatives() const
  {
    return m_Negatives;
  }

  /** The doubled Mann-Whitney statistic 2U. */
  const UInt128 &
  GetDoubledStatistic() const
  {
    return m_DoubledStatistic;
  }

  /** 2U / (2 P N), divided in long double; NaN while a class is empty. */
  double
  GetArea() const;

  /** sum + a b (modulo 2^128): the compiler's 128-bit integer where available, else MultiplyAddPortable. */
  static UInt128
  MultiplyAdd(const UInt128 & sum, std::uint64_t a, std::uint64_t b);

  /** sum + a b (modulo 2^128) from 32-bit partial products. */
  static UInt128
  MultiplyAddPortable(const UInt128 & sum, std::uint64_t a, std::uint64_t b);

  /** The long double nearest to value: the compiler's conversion where it has a 128-bit integer, else
   * ToLongDoublePortable. */
  static long double
  ToLongDouble(const UInt128 & value);

  /** High * 2^64 + Low, added in long double. Where long double has at least 64 mantissa bits (x87 extended, IEEE
   * quad) both terms are exact and the single rounded addition gives the nearest long double, as the compiler's
   * conversion does; with a 53-bit long double the result is within two units in the last place of it. */
  static long double
  ToLongDoublePortable(const UInt128 & value);

private:
  UInt128       m_DoubledStatistic;
  std::uint64_t m_Positives{ 0 };
  std::uint64_t m_Negatives{ 0 };
};

} // namespace itk

#endif
