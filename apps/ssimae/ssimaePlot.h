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

/** One named series of points. */
struct Curve
{
  std::string         Name;
  std::vector<double> X;
  std::vector<double> Y;
};

/** Titles and extent of a chart; the y axis runs from 0 to 1. */
struct ChartSettings
{
  std::string Title;
  std::string XLabel;
  std::string YLabel;
  double      XMaximum{ 1.0 };
  int         Width{ 800 };
  int         Height{ 600 };
};

/** Whether this ssimae was built with VTK and can draw plots at all. */
bool
PlotsAvailable();

/** Draws the curves, one colour each, and writes them as a PNG (atomically); needs VTK and an X display. */
void
DrawChart(const std::vector<Curve> & curves, const ChartSettings & settings, const std::string & output);

/** Draws a plot by running `ssimae plot ARGUMENTS` in a child process: directly when an X display is set, under
 * `xvfb-run -a` when not. A crash of the renderer cannot take the caller down. Returns an empty string on success,
 * otherwise why no plot was drawn. */
std::string
RunPlotSubprocess(const std::vector<std::string> & plotArguments);

} // namespace ssimae

#endif
