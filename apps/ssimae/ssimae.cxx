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
// ssimae: unsupervised defect segmentation with SSIM autoencoders, from the command line.
#include "ssimaeCommandLine.h"
#include "ssimaeCommands.h"

#include "itkMacro.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <set>
#include <iostream>

namespace {
void
PrintHelp()
{
  std::cout << "Usage: ssimae <command> [options]   (ssimae <command> --help for the options of a command)\n\n"
               "Unsupervised defect segmentation: an autoencoder trained on defect-free images reconstructs each\n"
               "new image; where image and reconstruction differ in structure (1 - SSIM) there is a defect.\n\n"
               "Commands:\n";
  for (const auto & command : ssimae::Commands())
  {
    std::cout << "  " << command.Name << std::string(12 - std::min<std::size_t>(11, command.Name.size()), ' ')
              << command.Summary << "\n";
  }
}
// The options on the command line that set amounts of work or memory, for an out-of-memory message.
std::string
SizeOptions(int argc, char * argv[])
{
  static const std::set<std::string> sizes = { "--patches", "--batch", "--patch", "--latent", "--size", "--stride",
                                               "--train-images", "--test-images", "--pieces", "--scale" };
  std::string given;
  for (int i = 2; i + 1 < argc; ++i)
  {
    if (sizes.count(argv[i]))
    {
      given += std::string(given.empty() ? " (" : ", ") + argv[i] + " " + argv[i + 1];
    }
  }
  return given.empty() ? given : given + ")";
}

// A failed allocation, wherever it was wrapped, is reported as running out of memory with the sizes that caused it.
std::string
Explained(const std::string & message, int argc, char * argv[])
{
  if (message.find("bad_alloc") == std::string::npos && message.find("Failed to allocate memory") == std::string::npos)
  {
    return message;
  }
  return "out of memory: the sizes asked for" + SizeOptions(argc, argv) + " need more memory than is available (" +
         message + ")";
}
} // namespace

int
main(int argc, char * argv[])
{
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0)
  {
    PrintHelp();
    return argc < 2 ? 2 : 0;
  }
  const std::string name = argv[1];
  for (const auto & command : ssimae::Commands())
  {
    if (command.Name != name)
    {
      continue;
    }
    try
    {
      return command.Run(argc - 1, argv + 1);
    }
    catch (const ssimae::UsageError & error)
    {
      std::cerr << "ssimae " << name << ": " << error.what() << "\n(see 'ssimae " << name << " --help')" << std::endl;
      return 2;
    }
    catch (const ssimae::CommandError & error)
    {
      std::cerr << "ssimae " << name << ": error: " << Explained(error.what(), argc, argv) << std::endl;
      return 1;
    }
    catch (const itk::ExceptionObject & error)
    {
      std::cerr << "ssimae " << name << ": error: " << Explained(error.GetDescription(), argc, argv) << std::endl;
      return 1;
    }
    catch (const std::bad_alloc &)
    {
      std::cerr << "ssimae " << name << ": error: " << Explained("std::bad_alloc", argc, argv) << std::endl;
      return 1;
    }
    catch (const std::exception & error)
    {
      std::cerr << "ssimae " << name << ": error: " << Explained(error.what(), argc, argv) << std::endl;
      return 1;
    }
  }
  std::cerr << "ssimae: unknown command '" << name << "' (see 'ssimae --help')" << std::endl;
  return 2;
}
