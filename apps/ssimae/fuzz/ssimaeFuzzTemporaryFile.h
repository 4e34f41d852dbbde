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
#ifndef ssimaeFuzzTemporaryFile_h
#define ssimaeFuzzTemporaryFile_h

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <unistd.h>

namespace ssimae {

/** For the fuzz targets of file readers: each input is written to a file in a directory of this process's own
 * (in /dev/shm when it exists, so that no disk is written a million times), read, and removed; the directory is
 * removed when the process ends. */
class FuzzTemporaryFile
{
public:
  explicit FuzzTemporaryFile(const std::string & name)
  {
    std::error_code  error;
    const char *     base = std::filesystem::is_directory("/dev/shm", error) ? "/dev/shm" : nullptr;
    const std::string root = base ? base : std::filesystem::temp_directory_path().string();
    m_Directory = root + "/ssimae-fuzz-" + std::to_string(getpid());
    std::filesystem::create_directories(m_Directory);
    m_Path = m_Directory + "/" + name;
  }
  ~FuzzTemporaryFile()
  {
    std::error_code error;
    std::filesystem::remove_all(m_Directory, error);
  }
  FuzzTemporaryFile(const FuzzTemporaryFile &) = delete;
  FuzzTemporaryFile &
  operator=(const FuzzTemporaryFile &) = delete;

  /** Writes the input to the file; aborts when it cannot (a broken set-up, not a finding in the code under test). */
  const std::string &
  Write(const uint8_t * data, std::size_t size) const
  {
    std::FILE * file = std::fopen(m_Path.c_str(), "wb");
    if (!file || (size > 0 && std::fwrite(data, 1, size, file) != size) || std::fclose(file) != 0)
    {
      std::perror(m_Path.c_str());
      std::abort();
    }
    return m_Path;
  }

  void
  Remove() const
  {
    std::remove(m_Path.c_str());
  }

  const std::string &
  GetDirectory() const
  {
    return m_Directory;
  }

private:
  std::string m_Directory;
  std::string m_Path;
};

} // namespace ssimae

#endif
