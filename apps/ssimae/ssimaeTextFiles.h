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
#ifndef ssimaeTextFiles_h
#define ssimaeTextFiles_h

#include <nlohmann/json.hpp>

#include <istream>
#include <string>
#include <vector>

namespace ssimae {

/** \brief Reads CSV records as RFC 4180 defines them.
 *
 * Fields are separated by commas; a field in double quotes may hold commas, line breaks and doubled quotes ("").
 * CRLF and LF line ends are both accepted, a UTF-8 byte-order mark at the start of the file is skipped. */
class CsvReader
{
public:
  /** `name` is used in error messages (the file name). */
  CsvReader(std::istream & stream, std::string name);

  /** Reads the next record into `fields`; false at the end of the input. Throws CommandError for an unterminated
   * quoted field or a quote inside an unquoted field, naming the file and line. */
  bool
  Next(std::vector<std::string> & fields);

  /** Line on which the last record read started (1-based). */
  std::size_t
  GetLineNumber() const
  {
    return m_RecordLine;
  }

private:
  std::istream & m_Stream;
  std::string    m_Name;
  std::size_t    m_Line{ 0 };
  std::size_t    m_RecordLine{ 0 };
};

/** One CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line break. */
std::string
CsvField(const std::string & value);

/** A number for JSON, CSV and messages: up to 10 significant digits; "nan"/"inf" never appear in CSV -- non-finite
 * values are written as an empty string. */
std::string
FormatNumber(double value);

/** A number for JSON: null when not finite (NaN areas of a set without defects). */
nlohmann::ordered_json
JsonNumber(double value);

} // namespace ssimae

#endif
