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
#include "itkResidualSegmentationFilter.h"
#include "itkEnumNames.h"

namespace itk {

namespace {
constexpr EnumNames::Entry<ResidualSegmentationFilterEnums::Residual> ResidualNames[] = {
  { ResidualSegmentationFilterEnums::Residual::SSIM, "ssim" },
  { ResidualSegmentationFilterEnums::Residual::L2, "l2" },
  { ResidualSegmentationFilterEnums::Residual::Model, "model" }
};
} // namespace

const char *
ResidualSegmentationFilterEnums::ToString(Residual value)
{
  return EnumNames::ToString(ResidualNames, value);
}

bool
ResidualSegmentationFilterEnums::FromString(const std::string & name, Residual & value)
{
  return EnumNames::FromString(ResidualNames, name, value);
}

std::ostream &
operator<<(std::ostream & out, const ResidualSegmentationFilterEnums::Residual value)
{
  return out << ResidualSegmentationFilterEnums::ToString(value);
}

} // namespace itk
