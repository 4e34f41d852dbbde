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
      std::cerr << "ssimae " << name << ": error: " << error.what() << std::endl;
      return 1;
    }
    catch (const itk::ExceptionObject & error)
    {
      std::cerr << "ssimae " << name << ": error: " << error.GetDescription() << std::endl;
      return 1;
    }
    catch (const std::exception & error)
    {
      std::cerr << "ssimae " << name << ": error: " << error.what() << std::endl;
      return 1;
    }
  }
  std::cerr << "ssimae: unknown command '" << name << "' (see 'ssimae --help')" << std::endl;
  return 2;
}
