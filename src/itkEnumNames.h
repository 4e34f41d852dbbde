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
// Private to the library (src/): the lookups behind the Enums classes' ToString() and FromString().
#ifndef itkEnumNames_h
#define itkEnumNames_h

#include <cstddef>
#include <string>
#include <utility>

namespace itk {
namespace EnumNames {
/** Each value of an enumeration with its stable name. */
template<typename TEnum>
using Entry = std::pair<TEnum, const char *>;

/** The name of `value` in `names`; "unknown" when it has none. */
template<typename TEnum, std::size_t VCount>
const char *
ToString(const Entry<TEnum> (&names)[VCount], TEnum value)
{
  for (const auto & entry : names)
  {
    if (entry.first == value)
    {
      return entry.second;
    }
  }
  return "unknown";
}

/** Sets `value` to the value named `name` in `names`; false (and `value` unchanged) when no entry has that name. */
template<typename TEnum, std::size_t VCount>
bool
FromString(const Entry<TEnum> (&names)[VCount], const std::string & name, TEnum & value)
{
  for (const auto & entry : names)
  {
    if (name == entry.second)
    {
      value = entry.first;
      return true;
    }
  }
  return false;
}
} // namespace EnumNames
} // namespace itk

#endif
