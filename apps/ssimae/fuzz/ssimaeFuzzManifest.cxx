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
// libFuzzer target: ssimae::ReadManifest() (the CSV test-set manifest of `ssimae evaluate`) on arbitrary bytes.
// It must return test cases or throw CommandError. Each record it reads is also checked to survive a round trip
// through CsvField() and CsvReader unchanged. Anything else -- a crash, a sanitizer report, a leak, another exception,
// a failed check -- is a finding.
#include "ssimaeFuzzTemporaryFile.h"

#include "ssimaeCommandLine.h"
#include "ssimaeEvaluate.h"
#include "ssimaeTextFiles.h"

#include <cstdio>
#include <sstream>

namespace {
[[noreturn]] void
Failed(const char * what)
{
  std::fprintf(stderr, "ssimae manifest fuzz check failed: %s\n", what);
  std::abort();
}

// Every record of the input, written again field by field with CsvField(), reads back as the same fields.
void
CheckRoundTrip(const uint8_t * data, std::size_t size)
{
  std::istringstream       input(std::string(reinterpret_cast<const char *>(data), size));
  ssimae::CsvReader        reader(input, "input");
  std::vector<std::string> fields;
  try
  {
    while (reader.Next(fields))
    {
      std::string line = "\xEF\xBB\xBF"; // a byte-order mark for the reader to skip: a field may begin with one
      for (std::size_t i = 0; i < fields.size(); ++i)
      {
        line += (i > 0 ? "," : "") + ssimae::CsvField(fields[i]);
      }
      std::istringstream       written(line + "\r\n");
      ssimae::CsvReader        again(written, "written");
      std::vector<std::string> read;
      if (!again.Next(read) || read != fields)
      {
        Failed("a record written with CsvField() reads back differently");
      }
      if (again.Next(read))
      {
        Failed("one record written with CsvField() reads back as several");
      }
    }
  }
  catch (const ssimae::CommandError &)
  {
    // Malformed input (unterminated or misplaced quotes): ReadManifest refuses it as well.
  }
}
} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t * data, std::size_t size)
{
  static const ssimae::FuzzTemporaryFile file("manifest.csv");
  const std::string &                    path = file.Write(data, size);
  try
  {
    const auto cases = ssimae::ReadManifest(path);
    if (cases.empty())
    {
      Failed("ReadManifest() returned no test cases without an error");
    }
    for (const auto & testCase : cases)
    {
      if (testCase.Image.empty() || testCase.Category.empty())
      {
        Failed("a test case without an image or a category");
      }
    }
  }
  catch (const ssimae::CommandError &)
  {
  }
  file.Remove();
  CheckRoundTrip(data, size);
  return 0;
}
