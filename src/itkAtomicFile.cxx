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
#include "itkAtomicFile.h"

#include "itkMacro.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <system_error>

namespace itk {
namespace {
std::string
Lowercase(std::string text)
{
  for (char & c : text)
  {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

std::string
RandomSuffix()
{
  static thread_local std::mt19937_64 engine{ std::random_device{}() };
  static const char                   digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string                         suffix(8, '0');
  for (char & c : suffix)
  {
    c = digits[engine() % 36];
  }
  return suffix;
}

[[noreturn]] void
Fail(const std::string & path, const std::string & problem)
{
  ExceptionObject error(__FILE__, __LINE__, "cannot write '" + path + "': " + problem, ITK_LOCATION);
  throw error;
}
} // namespace

std::string
AtomicFile::ResolveTarget(const std::string & path)
{
  std::error_code ignored;
  const auto      status = std::filesystem::symlink_status(path, ignored);
  if (!std::filesystem::exists(status))
  {
    return path;
  }
  // A link is written through: the file it names (which may not exist yet) is replaced, the link stays.
  std::filesystem::path target(path);
  for (int depth = 0; std::filesystem::is_symlink(std::filesystem::symlink_status(target, ignored)); ++depth)
  {
    std::error_code followed;
    const auto      next = std::filesystem::read_symlink(target, followed);
    if (followed || depth == 40)
    {
      Fail(path,
           followed ? "cannot follow the symbolic link (" + followed.message() + ")"
                    : std::string("too many levels of symbolic links"));
    }
    target = next.is_absolute() ? next : target.parent_path() / next;
  }
  const auto targetStatus = std::filesystem::status(target, ignored);
  if (std::filesystem::is_directory(targetStatus))
  {
    Fail(path, "it is a directory");
  }
  if (std::filesystem::exists(targetStatus) && !std::filesystem::is_regular_file(targetStatus))
  {
    Fail(path, "it exists and is not a regular file (a device, pipe or socket)");
  }
  return target.string();
}

std::string
AtomicFile::TemporaryPath(const std::string & path)
{
  const std::filesystem::path target(path);
  // ".nii.gz" and friends: keep every extension after the first dot of the file name.
  const std::string name = target.filename().string();
  const auto        dot = name.find('.', 1);
  const std::string stem = dot == std::string::npos ? name : name.substr(0, dot);
  const std::string extension = dot == std::string::npos ? "" : name.substr(dot);
  return (target.parent_path() / ("." + stem + ".partial-" + RandomSuffix() + extension)).string();
}

bool
AtomicFile::IsAtomic(const std::string & path)
{
  // Header and data in separate files: MetaImage .mhd + .raw, NRRD .nhdr + .raw(.gz), Analyze/NIfTI pairs .hdr + .img
  // (either name given, optionally gzipped). The header names its data file, so a renamed header would point at
  // the temporary data file.
  const std::string name = Lowercase(std::filesystem::path(path).filename().string());
  for (const char * extension : { ".mhd", ".nhdr", ".hdr", ".img", ".hdr.gz", ".img.gz" })
  {
    const std::string suffix(extension);
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
    {
      return false;
    }
  }
  return true;
}

void
AtomicFile::Write(const std::string & path, const std::function<void(const std::string &)> & write)
{
  if (path.empty())
  {
    Fail(path, "the file name is empty");
  }
  const std::string target = ResolveTarget(path);
  if (!IsAtomic(target))
  {
    try
    {
      write(target);
    }
    catch (const ExceptionObject & error)
    {
      Fail(path, error.GetDescription());
    }
    catch (const std::exception & error)
    {
      Fail(path, error.what());
    }
    return;
  }
  const std::string temporary = TemporaryPath(target);
  std::error_code   ignored;
  try
  {
    write(temporary);
  }
  catch (const ExceptionObject & error)
  {
    std::filesystem::remove(temporary, ignored);
    Fail(path, error.GetDescription());
  }
  catch (const std::exception & error)
  {
    std::filesystem::remove(temporary, ignored);
    Fail(path, error.what());
  }
  std::error_code renamed;
  std::filesystem::rename(temporary, target, renamed);
  if (renamed)
  {
    std::filesystem::remove(temporary, ignored);
    Fail(path, "cannot move the written file into place (" + renamed.message() + ")");
  }
}

void
AtomicFile::WriteText(const std::string & path, const std::string & text)
{
  Write(path, [&text](const std::string & temporary) {
    errno = 0;
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    out.close();
    if (!out)
    {
      throw std::runtime_error(std::string("the file system refused the data (") +
                               (errno != 0 ? std::strerror(errno) : "disk full or no permission?") + ")");
    }
  });
}

} // namespace itk
