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
#include "itkZipIntegrity.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

namespace itk {

namespace {
constexpr uint32_t EndOfCentralDirectory = 0x06054b50;
constexpr uint32_t Zip64EndLocator = 0x07064b50;
constexpr uint32_t Zip64End = 0x06064b50;
constexpr uint32_t CentralEntry = 0x02014b50;
constexpr uint32_t LocalEntry = 0x04034b50;

// Little-endian reads that never leave the buffer: `ok` turns false instead.
class Reader
{
public:
  explicit Reader(const std::string & bytes) : m_Bytes(bytes) {}

  uint64_t
  Read(uint64_t offset, unsigned int width)
  {
    if (offset > m_Bytes.size() || width > m_Bytes.size() - offset)
    {
      m_Ok = false;
      return 0;
    }
    uint64_t value = 0;
    for (unsigned int i = 0; i < width; ++i)
    {
      value |= static_cast<uint64_t>(static_cast<unsigned char>(m_Bytes[offset + i])) << (8 * i);
    }
    return value;
  }

  bool
  Ok() const
  {
    return m_Ok;
  }

private:
  const std::string & m_Bytes;
  bool                m_Ok{ true };
};

struct Directory
{
  uint64_t Offset{ 0 };
  uint64_t Entries{ 0 };
};

// The central directory's offset and entry count, from the end records (zip64 when the classic fields overflow).
bool
FindDirectory(const std::string & bytes, Reader & in, Directory & directory)
{
  if (bytes.size() < 22)
  {
    return false;
  }
  const uint64_t lowest = bytes.size() > 22 + 65535 ? bytes.size() - 22 - 65535 : 0;
  for (uint64_t end = bytes.size() - 22 + 1; end-- > lowest;)
  {
    if (in.Read(end, 4) != EndOfCentralDirectory)
    {
      continue;
    }
    directory.Entries = in.Read(end + 10, 2);
    directory.Offset = in.Read(end + 16, 4);
    if (in.Read(end + 8, 2) != directory.Entries)
    {
      return false; // records on this disk and in total differ: not one consistent directory
    }
    if (end >= 20 && in.Read(end - 20, 4) == Zip64EndLocator)
    {
      // Readers (LibTorch's miniz among them) take the zip64 record when there is one: check the same, and that the
      // classic fields agree with it unless they are the zip64 placeholders.
      const uint64_t record = in.Read(end - 20 + 8, 8);
      if (in.Read(record, 4) != Zip64End)
      {
        return false;
      }
      const uint64_t entries = in.Read(record + 32, 8);
      const uint64_t offset = in.Read(record + 48, 8);
      if (in.Read(record + 24, 8) != entries ||(directory.Entries != 0xFFFF && directory.Entries != entries) ||
          (directory.Offset != 0xFFFFFFFF && directory.Offset != offset))
      {
        return false;
      }
      directory.Entries = entries;
      directory.Offset = offset;
    }
    return in.Ok();
  }
  return false;
}

// Sizes and offset of one central entry, with the zip64 extra field where the classic fields overflow.
struct Entry
{
  uint64_t Method{ 0 };
  uint64_t Crc{ 0 };
  uint64_t Compressed{ 0 };
  uint64_t Uncompressed{ 0 };
  uint64_t LocalOffset{ 0 };
  uint64_t Length{ 0 }; // of the central entry
};

Entry
ReadEntry(Reader & in, uint64_t at)
{
  Entry entry;
  entry.Method = in.Read(at + 10, 2);
  entry.Crc = in.Read(at + 16, 4);
  entry.Compressed = in.Read(at + 20, 4);
  entry.Uncompressed = in.Read(at + 24, 4);
  const uint64_t nameLength = in.Read(at + 28, 2);
  const uint64_t extraLength = in.Read(at + 30, 2);
  const uint64_t commentLength = in.Read(at + 32, 2);
  entry.LocalOffset = in.Read(at + 42, 4);
  entry.Length = 46 + nameLength + extraLength + commentLength;
  for (uint64_t extra = at + 46 + nameLength; extra + 4 <= at + 46 + nameLength + extraLength && in.Ok();)
  {
    const uint64_t id = in.Read(extra, 2);
    const uint64_t size = in.Read(extra + 2, 2);
    if (id == 0x0001)
    {
      uint64_t field = extra + 4;
      for (uint64_t * value : { &entry.Uncompressed, &entry.Compressed, &entry.LocalOffset })
      {
        if (*value == 0xFFFFFFFF && field + 8 <= extra + 4 + size)
        {
          *value = in.Read(field, 8);
          field += 8;
        }
      }
    }
    extra += 4 + size;
  }
  return entry;
}

// CRC-32 of a raw deflate stream's output; false unless it ends exactly after `expected` bytes of output.
bool
InflatedCrc(const char * data, uint64_t size, uint64_t expected, uLong & crc)
{
  z_stream stream{};
  if (inflateInit2(&stream, -MAX_WBITS) != Z_OK)
  {
    return false;
  }
  std::vector<unsigned char> output(1 << 16);
  uint64_t                   consumed = 0;
  uint64_t                   total = 0;
  int                        status = Z_OK;
  while (status == Z_OK)
  {
    if (stream.avail_in == 0 && consumed < size)
    {
      const auto chunk = static_cast<uInt>(std::min<uint64_t>(size - consumed, 1u << 30));
      stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data + consumed));
      stream.avail_in = chunk;
      consumed += chunk;
    }
    stream.next_out = output.data();
    stream.avail_out = static_cast<uInt>(output.size());
    status = inflate(&stream, Z_NO_FLUSH);
    const uint64_t produced = output.size() - stream.avail_out;
    total += produced;
    if (total > expected)
    {
      break;
    }
    crc = crc32(crc, output.data(), static_cast<uInt>(produced));
    if (status == Z_BUF_ERROR)
    {
      if ((stream.avail_in == 0 && consumed >= size) || (stream.avail_in != 0 && produced == 0))
      {
        break; // input exhausted before the end of the stream, or no progress
      }
      status = Z_OK;
    }
  }
  inflateEnd(&stream);
  return status == Z_STREAM_END && total == expected;
}

std::string
CheckEntry(const std::string & bytes, Reader & in, const Entry & entry, uint64_t number)
{
  const std::string which = "record " + std::to_string(number);
  if (in.Read(entry.LocalOffset, 4) != LocalEntry)
  {
    return which + " does not start where the directory says";
  }
  const uint64_t data = entry.LocalOffset + 30 + in.Read(entry.LocalOffset + 26, 2) + in.Read(entry.LocalOffset + 28, 2);
  if (!in.Ok() || data > bytes.size() || entry.Compressed > bytes.size() - data)
  {
    return which + " runs past the end of the file (truncated?)";
  }
  uLong crc = crc32(0L, Z_NULL, 0);
  if (entry.Method == 8)
  {
    if (!InflatedCrc(bytes.data() + data, entry.Compressed, entry.Uncompressed, crc))
    {
      return which + " does not inflate to its stated size (damaged bytes)";
    }
  }
  else if (entry.Method != 0)
  {
    return which + " uses an unknown compression method " + std::to_string(entry.Method);
  }
  else
  {
    if (entry.Compressed != entry.Uncompressed)
    {
      return which + " has inconsistent sizes";
    }
    uint64_t done = 0;
    while (done < entry.Compressed)
    {
      const auto chunk = static_cast<uInt>(std::min<uint64_t>(entry.Compressed - done, 1u << 30));
      crc = crc32(crc, reinterpret_cast<const Bytef *>(bytes.data() + data + done), chunk);
      done += chunk;
    }
  }
  return crc == entry.Crc ? "" : which + " does not match its CRC-32 (damaged bytes)";
}
} // namespace

std::string
ZipIntegrityProblem(const std::string & bytes)
{
  Reader    in(bytes);
  Directory directory;
  if (!FindDirectory(bytes, in, directory))
  {
    return "no consistent zip directory at its end (truncated, or not a model file)";
  }
  if (directory.Entries == 0)
  {
    return "its zip directory lists no records";
  }
  uint64_t at = directory.Offset;
  for (uint64_t number = 0; number < directory.Entries; ++number)
  {
    if (in.Read(at, 4) != CentralEntry || !in.Ok())
    {
      return "its zip directory is damaged (entry " + std::to_string(number) + ")";
    }
    const Entry entry = ReadEntry(in, at);
    if (!in.Ok())
    {
      return "its zip directory is damaged (entry " + std::to_string(number) + ")";
    }
    const std::string problem = CheckEntry(bytes, in, entry, number);
    if (!problem.empty())
    {
      return problem;
    }
    at += entry.Length;
  }
  return "";
}

std::string
ReadIntactZipFile(const std::string & path)
{
  std::ifstream     in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof())
  {
    throw std::runtime_error("cannot be read");
  }
  const std::string problem = ZipIntegrityProblem(bytes);
  if (!problem.empty())
  {
    throw std::runtime_error("is damaged: " + problem);
  }
  return bytes;
}

} // namespace itk
