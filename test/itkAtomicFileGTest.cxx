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

#include "gtest/gtest.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace {
namespace fs = std::filesystem;

fs::path
FreshDirectory(const std::string & name)
{
  const fs::path directory = fs::path(SSIMAE_TEST_OUTPUT) / ("atomic_" + name);
  fs::remove_all(directory);
  fs::create_directories(directory);
  return directory;
}

std::string
Contents(const fs::path & path)
{
  std::ifstream      in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t
FileCount(const fs::path & directory)
{
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(directory), fs::directory_iterator()));
}
} // namespace

TEST(AtomicFile, TemporaryPathIsHiddenBesideTheTargetWithItsExtensions)
{
  const fs::path temporary = itk::AtomicFile::TemporaryPath("/some/dir/volume.nii.gz");
  EXPECT_EQ(temporary.parent_path(), fs::path("/some/dir"));
  const std::string name = temporary.filename().string();
  EXPECT_EQ(name.rfind(".volume.partial-", 0), 0u) << name;
  EXPECT_EQ(name.substr(name.size() - 7), ".nii.gz") << name;
  EXPECT_NE(itk::AtomicFile::TemporaryPath("a.png"), itk::AtomicFile::TemporaryPath("a.png"));
  EXPECT_TRUE(itk::AtomicFile::IsAtomic("a.nrrd"));
  EXPECT_FALSE(itk::AtomicFile::IsAtomic("a.mhd"));
  EXPECT_FALSE(itk::AtomicFile::IsAtomic("b/A.HDR"));
  EXPECT_FALSE(itk::AtomicFile::IsAtomic("a.nhdr"));
  EXPECT_FALSE(itk::AtomicFile::IsAtomic("a.img"));
  EXPECT_FALSE(itk::AtomicFile::IsAtomic("a.img.gz"));
  EXPECT_TRUE(itk::AtomicFile::IsAtomic("a.nii.gz"));
  EXPECT_TRUE(itk::AtomicFile::IsAtomic("a.hdr.png"));
}

TEST(AtomicFile, WritesTextAndReplacesThePreviousFile)
{
  const auto directory = FreshDirectory("replace");
  const auto path = directory / "metrics.json";
  itk::AtomicFile::WriteText(path.string(), "first");
  itk::AtomicFile::WriteText(path.string(), "second, longer");
  EXPECT_EQ(Contents(path), "second, longer");
  EXPECT_EQ(FileCount(directory), 1u);
}

TEST(AtomicFile, FailedWriterLeavesThePreviousFileAndNoTemporary)
{
  const auto directory = FreshDirectory("failure");
  const auto path = directory / "model.pt";
  itk::AtomicFile::WriteText(path.string(), "previous");
  try
  {
    itk::AtomicFile::Write(path.string(), [](const std::string & temporary) {
      std::ofstream(temporary) << "half written";
      throw std::runtime_error("disk full");
    });
    FAIL() << "no exception";
  }
  catch (const itk::ExceptionObject & error)
  {
    const std::string description = error.GetDescription();
    EXPECT_NE(description.find(path.string()), std::string::npos) << description;
    EXPECT_NE(description.find("disk full"), std::string::npos) << description;
  }
  EXPECT_EQ(Contents(path), "previous");
  EXPECT_EQ(FileCount(directory), 1u);
}

TEST(AtomicFile, MissingDirectoryAndEmptyNameAreErrorsNamingThePath)
{
  const auto directory = FreshDirectory("missing");
  const auto path = directory / "no" / "such" / "dir" / "out.csv";
  try
  {
    itk::AtomicFile::WriteText(path.string(), "x");
    FAIL() << "no exception";
  }
  catch (const itk::ExceptionObject & error)
  {
    EXPECT_NE(std::string(error.GetDescription()).find(path.string()), std::string::npos);
  }
  EXPECT_THROW(itk::AtomicFile::WriteText("", "x"), itk::ExceptionObject);
  EXPECT_EQ(FileCount(directory), 0u);
}

TEST(AtomicFile, MultiFileFormatsAreWrittenInPlace)
{
  const auto  directory = FreshDirectory("inplace");
  const auto  path = directory / "image.mhd";
  std::string written;
  itk::AtomicFile::Write(path.string(), [&](const std::string & target) {
    written = target;
    std::ofstream(target) << "header";
  });
  EXPECT_EQ(written, path.string());
  EXPECT_EQ(Contents(path), "header");
}

TEST(AtomicFile, WritesThroughSymbolicLinksAndKeepsThem)
{
  const auto directory = FreshDirectory("symlink");
  const auto real = directory / "real.csv";
  const auto link = directory / "link.csv";
  itk::AtomicFile::WriteText(real.string(), "old");
  fs::create_symlink("real.csv", link);
  itk::AtomicFile::WriteText(link.string(), "new");
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(link)));
  EXPECT_EQ(Contents(real), "new");
  EXPECT_EQ(FileCount(directory), 2u);
}

TEST(AtomicFile, RefusesDirectoriesAndOtherNonRegularTargets)
{
  const auto directory = FreshDirectory("nonregular");
  fs::create_directory(directory / "out.png");
  try
  {
    itk::AtomicFile::WriteText((directory / "out.png").string(), "x");
    FAIL() << "no exception";
  }
  catch (const itk::ExceptionObject & error)
  {
    EXPECT_NE(std::string(error.GetDescription()).find("is a directory"), std::string::npos);
  }
  EXPECT_TRUE(fs::is_directory(directory / "out.png"));
  EXPECT_THROW(itk::AtomicFile::WriteText("/dev/null", "x"), itk::ExceptionObject);
  EXPECT_EQ(FileCount(directory), 1u);
}
