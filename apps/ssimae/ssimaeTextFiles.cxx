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
#include "ssimaeTextFiles.h"

#include "ssimaeCommandLine.h"

#include <cmath>
#include <iomanip>
#include <sstream>

namespace ssimae {

CsvReader::CsvReader(std::istream & stream, std::string name) : m_Stream(stream), m_Name(std::move(name)) {}

bool
CsvReader::Next(std::vector<std::string> & fields)
{
  fields.clear();
  std::string line;
  if (!std::getline(m_Stream, line))
  {
    return false;
  }
  ++m_Line;
  m_RecordLine = m_Line;
  if (m_Line == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0)
  {
    line.erase(0, 3);
  }
  std::string field;
  bool        quoted = false;
  bool        wasQuoted = false;
  for (std::size_t i = 0;; ++i)
  {
    if (i == line.size() || (!quoted && line[i] == '\r' && i + 1 == line.size()))
    {
      if (!quoted)
      {
        break;
      }
      // A line break inside a quoted field belongs to the field.
      if (!std::getline(m_Stream, line))
      {
        throw CommandError("'" + m_Name + "' line " + std::to_string(m_RecordLine) + ": unterminated quoted field");
      }
      ++m_Line;
      field += '\n';
      i = static_cast<std::size_t>(-1);
      continue;
    }
    const char c = line[i];
    if (quoted)
    {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"')
      {
        field += '"';
        ++i;
      }
      else if (c == '"')
      {
        quoted = false;
      }
      else
      {
        field += c;
      }
    }
    else if (c == ',')
    {
      fields.push_back(field);
      field.clear();
      wasQuoted = false;
    }
    else if (c == '"' && field.empty() && !wasQuoted)
    {
      quoted = true;
      wasQuoted = true;
    }
    else if (c == '"' || wasQuoted)
    {
      throw CommandError("'" + m_Name + "' line " + std::to_string(m_Line) +
                         ": a quote inside an unquoted field (quote the whole field and double inner quotes)");
    }
    else
    {
      field += c;
    }
  }
  fields.push_back(field);
  return true;
}

std::string
CsvField(const std::string & value)
{
  if (value.find_first_of(",\"\r\n") == std::string::npos)
  {
    return value;
  }
  std::string quoted = "\"";
  for (const char c : value)
  {
    quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return quoted + "\"";
}

std::string
FormatNumber(double value)
{
  if (!std::isfinite(value))
  {
    return "";
  }
  std::ostringstream text;
  text << std::setprecision(10) << value;
  return text.str();
}

nlohmann::ordered_json
JsonNumber(double value)
{
  return std::isfinite(value) ? nlohmann::ordered_json(value) : nlohmann::ordered_json(nullptr);
}

} // namespace ssimae
