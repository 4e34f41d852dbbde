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
#include "itkSSIMImageFilter.h"

namespace itk {
std::ostream &
operator<<(std::ostream & out, const SSIMImageFilterEnums::Window value)
{
  switch (value)
  {
    case SSIMImageFilterEnums::Window::Gaussian:
      return out << "itk::SSIMImageFilterEnums::Window::Gaussian";
    case SSIMImageFilterEnums::Window::Uniform:
      return out << "itk::SSIMImageFilterEnums::Window::Uniform";
  }
  return out << "INVALID VALUE FOR itk::SSIMImageFilterEnums::Window";
}
} // namespace itk
