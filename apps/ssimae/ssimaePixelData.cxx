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
#include "ssimaePixelData.h"

#include "ssimaeCommandLine.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <vector>

namespace ssimae {

namespace {
using ByteCount = std::uintmax_t;

ByteCount
FileSize(const std::string & path)
{
  std::error_code error;
  const auto      size = std::filesystem::file_size(path, error);
  return error ? 0 : size;
}

std::string
Lowercase(std::string text)
{
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool
EndsWith(const std::string & text, const std::string & suffix)
{
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string
Trim(const std::string & text)
{
  const auto first = text.find_first_not_of(" \t\r");
  const auto last = text.find_last_not_of(" \t\r");
  return first == std::string::npos ? "" : text.substr(first, last - first + 1);
}

[[noreturn]] void
Incomplete(const std::string & path, ByteCount found, ByteCount expected, const std::string & what = "bytes")
{
  throw CommandError("image '" + path + "' is incomplete (truncated or corrupt): its pixel data hold " +
                     std::to_string(found) + " of the " + std::to_string(expected) + " " + what +
                     " its header announces");
}

// The bytes of `path` from `offset` inflated (zlib or gzip stream); stops at the end of the stream or at an error.
ByteCount
InflatedSize(const std::string & path, ByteCount offset, bool & complete)
{
  std::ifstream file(path, std::ios::binary);
  file.seekg(static_cast<std::streamoff>(offset));
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 32) != Z_OK) // 15 + 32: zlib or gzip header, detected
  {
    throw CommandError("cannot inflate the pixel data of '" + path + "'");
  }
  std::vector<unsigned char> input(1 << 16);
  std::vector<unsigned char> output(1 << 18);
  ByteCount                  total = 0;
  int                        status = Z_OK;
  while (status == Z_OK && file)
  {
    file.read(reinterpret_cast<char *>(input.data()), static_cast<std::streamsize>(input.size()));
    stream.next_in = input.data();
    stream.avail_in = static_cast<uInt>(file.gcount());
    if (stream.avail_in == 0)
    {
      break;
    }
    do
    {
      stream.next_out = output.data();
      stream.avail_out = static_cast<uInt>(output.size());
      status = inflate(&stream, Z_NO_FLUSH);
      total += output.size() - stream.avail_out;
    } while (status == Z_OK && stream.avail_out == 0);
  }
  inflateEnd(&stream);
  complete = status == Z_STREAM_END;
  return total;
}

// MetaImage: "Key = Value" lines up to ElementDataFile (the last field of a header); raw data follow it (LOCAL) or lie
// in the file it names.
void
CheckMetaImage(const std::string & path, ByteCount expected)
{
  std::ifstream                      header(path, std::ios::binary);
  std::map<std::string, std::string> fields;
  ByteCount                          offset = 0;
  std::string                        line;
  while (std::getline(header, line))
  {
    const auto equals = line.find('=');
    if (equals == std::string::npos)
    {
      continue;
    }
    const std::string key = Trim(line.substr(0, equals));
    fields[key] = Trim(line.substr(equals + 1));
    if (key == "ElementDataFile")
    {
      offset = static_cast<ByteCount>(header.tellg());
      break;
    }
  }
  const std::string dataFile = fields["ElementDataFile"];
  if (dataFile.empty() || dataFile == "LIST" || dataFile.find('%') != std::string::npos)
  {
    return; // no data file (ITK refuses it) or data in several files: not checked
  }
  std::string dataPath = path;
  if (dataFile != "LOCAL")
  {
    const std::filesystem::path named(dataFile);
    dataPath = named.is_absolute() ? dataFile : (std::filesystem::path(path).parent_path() / named).string();
    const auto headerSize = fields.count("HeaderSize") ? std::atoll(fields["HeaderSize"].c_str()) : 0;
    offset = headerSize > 0 ? static_cast<ByteCount>(headerSize) : 0;
  }
  const ByteCount size = FileSize(dataPath);
  const ByteCount available = size > offset ? size - offset : 0;
  if (Lowercase(fields["CompressedData"]) != "true")
  {
    if (available < expected)
    {
      Incomplete(path, available, expected);
    }
    return;
  }
  bool            complete = false;
  const ByteCount inflated = InflatedSize(dataPath, offset, complete);
  if (!complete || inflated < expected)
  {
    throw CommandError("image '" + path + "' is incomplete (truncated or corrupt): its compressed pixel data " +
                       (complete ? "inflate to " : "break off after ") + std::to_string(inflated) + " of the " +
                       std::to_string(expected) + " bytes its header announces");
  }
}

template<typename T>
T
ReadRaw(const std::vector<char> & bytes, std::size_t offset, bool swap)
{
  T value{};
  if (offset + sizeof(T) <= bytes.size())
  {
    std::array<char, sizeof(T)> raw{};
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(offset), sizeof(T), raw.begin());
    if (swap)
    {
      std::reverse(raw.begin(), raw.end());
    }
    std::memcpy(&value, raw.data(), sizeof(T));
  }
  return value;
}

// NIfTI-1/-2 and Analyze: the data start at vox_offset of the single file (.nii) or of the .img of a pair.
void
CheckNifti(const std::string & path, ByteCount expected)
{
  const std::string lower = Lowercase(path);
  if (EndsWith(lower, ".gz"))
  {
    return; // zlib reports a truncated stream
  }
  std::string headerPath = path;
  std::string dataPath = path;
  if (EndsWith(lower, ".hdr") || EndsWith(lower, ".img"))
  {
    const bool        upper = std::isupper(static_cast<unsigned char>(path.back())) != 0;
    const std::string stem = path.substr(0, path.size() - 4);
    headerPath = stem + (upper ? ".HDR" : ".hdr");
    dataPath = stem + (upper ? ".IMG" : ".img");
  }
  std::ifstream     file(headerPath, std::ios::binary);
  std::vector<char> header(540);
  file.read(header.data(), static_cast<std::streamsize>(header.size()));
  header.resize(static_cast<std::size_t>(file.gcount()));
  bool          swap = false;
  std::int32_t size = ReadRaw<std::int32_t>(header, 0, false);
  if (size != 348 && size != 540)
  {
    swap = true;
    size = ReadRaw<std::int32_t>(header, 0, true);
  }
  double offset = 0.0;
  if (size == 348)
  {
    offset = ReadRaw<float>(header, 108, swap);
  }
  else if (size == 540)
  {
    offset = static_cast<double>(ReadRaw<std::int64_t>(header, 168, swap));
  }
  else
  {
    return; // ITK's reader decides about such a header
  }
  const ByteCount start = offset > 0.0 && std::isfinite(offset) ? static_cast<ByteCount>(offset) : 0;
  const ByteCount fileSize = FileSize(dataPath);
  const ByteCount available = fileSize > start ? fileSize - start : 0;
  if (available < expected)
  {
    Incomplete(path, available, expected);
  }
}

// Legacy VTK, binary: the data follow the line that opens the point data (LOOKUP_TABLE after SCALARS, or
// COLOR_SCALARS, VECTORS, TENSORS).
void
CheckVTK(const std::string & path, ByteCount expected)
{
  std::ifstream file(path, std::ios::binary);
  std::string   line;
  for (int number = 0; number < 64 && std::getline(file, line); ++number)
  {
    const std::string word = line.substr(0, line.find(' '));
    if (number == 2 && Trim(line) != "BINARY")
    {
      return; // ASCII: ITK parses numbers and fails on missing ones
    }
    if (word == "LOOKUP_TABLE" || word == "COLOR_SCALARS" || word == "VECTORS" || word == "TENSORS")
    {
      const auto offset = static_cast<ByteCount>(file.tellg());
      const auto size = FileSize(path);
      const auto available = size > offset ? size - offset : 0;
      if (available < expected)
      {
        Incomplete(path, available, expected);
      }
      return;
    }
  }
}

// JPEG: an end-of-image marker (FF D9) must follow the last start-of-scan marker (FF DA); libjpeg pads a truncated
// scan with grey and only warns.
void
CheckJPEG(const std::string & path)
{
  std::ifstream     file(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const auto        marker = [&](std::size_t i, unsigned char code) {
    return static_cast<unsigned char>(bytes[i]) == 0xFF && static_cast<unsigned char>(bytes[i + 1]) == code;
  };
  std::size_t lastScan = 0;
  for (std::size_t i = 0; i + 1 < bytes.size(); ++i)
  {
    if (marker(i, 0xDA))
    {
      lastScan = i;
    }
  }
  for (std::size_t i = lastScan; i + 1 < bytes.size(); ++i)
  {
    if (marker(i, 0xD9))
    {
      return;
    }
  }
  throw CommandError("image '" + path +
                     "' is incomplete (truncated or corrupt): its JPEG data end without an end-of-image marker");
}

// BMP: uncompressed rows are padded to 4 bytes and start at the offset the file header names; compressed data
// (RLE) must at least fill the file size the header names.
void
CheckBMP(const std::string & path)
{
  std::ifstream     file(path, std::ios::binary);
  std::vector<char> header(54);
  file.read(header.data(), static_cast<std::streamsize>(header.size()));
  header.resize(static_cast<std::size_t>(file.gcount()));
  const ByteCount size = FileSize(path);
  const auto      declared = ReadRaw<std::uint32_t>(header, 2, false);
  const auto      dataOffset = ReadRaw<std::uint32_t>(header, 10, false);
  const auto      infoSize = ReadRaw<std::uint32_t>(header, 14, false);
  std::int64_t    width = 0;
  std::int64_t    height = 0;
  std::uint32_t   bits = 0;
  std::uint32_t   compression = 0;
  if (infoSize == 12)
  {
    width = ReadRaw<std::uint16_t>(header, 18, false);
    height = ReadRaw<std::uint16_t>(header, 20, false);
    bits = ReadRaw<std::uint16_t>(header, 24, false);
  }
  else
  {
    width = ReadRaw<std::int32_t>(header, 18, false);
    height = ReadRaw<std::int32_t>(header, 22, false);
    bits = ReadRaw<std::uint16_t>(header, 28, false);
    compression = ReadRaw<std::uint32_t>(header, 30, false);
  }
  if (compression == 0 || compression == 3)
  {
    const ByteCount rowBytes = (static_cast<ByteCount>(std::abs(width)) * bits + 31) / 32 * 4;
    const ByteCount expected = rowBytes * static_cast<ByteCount>(std::abs(height));
    const ByteCount available = size > dataOffset ? size - dataOffset : 0;
    if (available < expected)
    {
      Incomplete(path, available, expected);
    }
  }
  else if (declared > size)
  {
    Incomplete(path, size, declared, "file bytes");
  }
}
} // namespace

void
RequireCompletePixelData(const std::string & path, const itk::ImageIOBase & io)
{
  const std::string reader = io.GetNameOfClass();
  const ByteCount   expected = io.GetImageSizeInBytes();
  if (reader == "MetaImageIO")
  {
    CheckMetaImage(path, expected);
  }
  else if (reader == "NiftiImageIO")
  {
    CheckNifti(path, expected);
  }
  else if (reader == "VTKImageIO")
  {
    CheckVTK(path, expected);
  }
  else if (reader == "JPEGImageIO")
  {
    CheckJPEG(path);
  }
  else if (reader == "BMPImageIO")
  {
    CheckBMP(path);
  }
}

} // namespace ssimae
