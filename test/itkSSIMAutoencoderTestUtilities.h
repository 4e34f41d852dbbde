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
// Helpers shared by the GoogleTest suites.
#ifndef itkSSIMAutoencoderTestUtilities_h
#define itkSSIMAutoencoderTestUtilities_h

#include <filesystem>
#include <string>
#include <vector>

namespace itk
{
namespace Testing
{
/** Files in `directory` whose names start with ".<stem>.partial-": AtomicFile's temporary files for <stem>.*. */
inline std::vector<std::string>
TemporaryFilesOf(const std::string & directory, const std::string & stem)
{
  std::vector<std::string> found;
  for (const auto & entry : std::filesystem::directory_iterator(directory))
  {
    const std::string name = entry.path().filename().string();
    if (name.rfind("." + stem + ".partial-", 0) == 0)
    {
      found.push_back(name);
    }
  }
  return found;
}
} // namespace Testing
} // namespace itk

#endif
