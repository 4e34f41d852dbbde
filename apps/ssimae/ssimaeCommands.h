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
#ifndef ssimaeCommands_h
#define ssimaeCommands_h

#include <string>
#include <vector>

namespace ssimae {

/** One subcommand of ssimae. Run receives argv starting at the command name. */
struct Command
{
  std::string Name;
  std::string Summary;
  int (*Run)(int argc, char * argv[]);
};

/** The table of subcommands, in the order `ssimae --help` lists them (ssimaeCommands.cxx). */
const std::vector<Command> &
Commands();

} // namespace ssimae

#endif
