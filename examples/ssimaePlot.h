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
#ifndef ssimaePlot_h
#define ssimaePlot_h

#include <string>
#include <vector>

namespace ssimae {

/** Draws a plot by running `ssimae plot ARGUMENTS` in a child process: directly when an X display is set, under
 * `xvfb-run -a` when not. A crash of the renderer cannot take the caller down. Returns an empty string on success,
 * otherwise why no plot was drawn. */
std::string
RunPlotSubprocess(const std::vector<std::string> & plotArguments);

} // namespace ssimae

#endif
