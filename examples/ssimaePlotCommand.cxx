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
// `ssimae plot`: draws curves from a CSV file with VTK's charts and writes a PNG. VTK needs an X display here
// (Debian's VTK has no OSMesa/EGL); without one this command refuses instead of crashing, and
// RunPlotSubprocess() runs it under xvfb-run when that is installed.
#include "ssimaeCommandLine.h"
#include "ssimaePlot.h"

#include <vtkAxis.h>
#include <vtkChartLegend.h>
#include <vtkChartXY.h>
#include <vtkContextScene.h>
#include <vtkContextView.h>
#include <vtkFloatArray.h>
#include <vtkNew.h>
#include <vtkPNGWriter.h>
#include <vtkPen.h>
#include <vtkPlot.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkTable.h>
#include <vtkTextProperty.h>
#include <vtkWindowToImageFilter.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace ssimae {

namespace {
struct Series
{
  std::vector<double> X;
  std::vector<double> Y;
};

std::vector<std::pair<std::string, Series>>
ReadCurves(const std::string & path)
{
  RequireReadableFile(path, "curve file");
  std::ifstream                               file(path);
  std::vector<std::pair<std::string, Series>> curves;
  std::map<std::string, std::size_t>          index;
  std::string                                 line;
  std::size_t                                 number = 0;
  while (std::getline(file, line))
  {
    ++number;
    if (line.empty() || line[0] == '#' || (number == 1 && line.rfind("series,", 0) == 0))
    {
      continue;
    }
    std::istringstream fields(line);
    std::string        name, x, y;
    if (!std::getline(fields, name, ',') || !std::getline(fields, x, ',') || !std::getline(fields, y, ','))
    {
      throw CommandError("curve file '" + path + "' line " + std::to_string(number) + ": expected series,x,y");
    }
    if (!index.count(name))
    {
      index[name] = curves.size();
      curves.push_back({ name, Series{} });
    }
    try
    {
      curves[index[name]].second.X.push_back(std::stod(x));
      curves[index[name]].second.Y.push_back(std::stod(y));
    }
    catch (const std::exception &)
    {
      throw CommandError("curve file '" + path + "' line " + std::to_string(number) + ": not numbers: " + line);
    }
  }
  if (curves.empty())
  {
    throw CommandError("curve file '" + path + "' holds no points");
  }
  return curves;
}
} // namespace

int
RunPlot(int argc, char * argv[])
{
  ArgumentParser arguments("plot",
                           "CURVES.csv -o OUT.png [options]",
                           "Draws the curves of a CSV file (lines 'series,x,y'; one line per point, one colour per\n"
                           "series) with VTK's charts and writes a PNG. Needs an X display: run it under\n"
                           "'xvfb-run -a' (Debian package xvfb) on a machine without one.");
  arguments.SetPositionals("CURVES.csv", "the points to draw", 1, 1);
  arguments.AddOption("output", "OUT.png", "PNG file to write (required)");
  arguments.AddOption("title", "TEXT", "chart title", "");
  arguments.AddOption("xlabel", "TEXT", "x axis title", "false positive rate");
  arguments.AddOption("ylabel", "TEXT", "y axis title", "true positive rate");
  arguments.AddOption("xmax", "X", "right end of the x axis", "1");
  arguments.AddOption("width", "PIXELS", "image width", "800");
  arguments.AddOption("height", "PIXELS", "image height", "600");
  if (!arguments.Parse(argc, argv))
  {
    return 0;
  }
  if (!arguments.Has("output"))
  {
    throw UsageError("--output is required");
  }
  const auto curves = ReadCurves(arguments.GetPositionals()[0]);
  if (std::getenv("DISPLAY") == nullptr || std::string(std::getenv("DISPLAY")).empty())
  {
    throw CommandError("no X display (DISPLAY is not set): VTK cannot render here. Run 'xvfb-run -a ssimae plot ...' "
                       "(apt-get install xvfb)");
  }

  vtkNew<vtkContextView> view;
  view->GetRenderWindow()->SetOffScreenRendering(1);
  view->GetRenderWindow()->SetSize(static_cast<int>(arguments.GetPositiveInteger("width")),
                                   static_cast<int>(arguments.GetPositiveInteger("height")));
  view->GetRenderer()->SetBackground(1.0, 1.0, 1.0);
  vtkNew<vtkChartXY> chart;
  view->GetScene()->AddItem(chart);
  chart->SetTitle(arguments.GetString("title"));
  chart->GetTitleProperties()->SetFontSize(18);
  chart->SetShowLegend(curves.size() > 1);
  chart->GetAxis(vtkAxis::BOTTOM)->SetTitle(arguments.GetString("xlabel"));
  chart->GetAxis(vtkAxis::LEFT)->SetTitle(arguments.GetString("ylabel"));
  chart->GetAxis(vtkAxis::BOTTOM)->SetBehavior(vtkAxis::FIXED);
  chart->GetAxis(vtkAxis::BOTTOM)->SetRange(0.0, arguments.GetDouble("xmax"));
  chart->GetAxis(vtkAxis::LEFT)->SetBehavior(vtkAxis::FIXED);
  chart->GetAxis(vtkAxis::LEFT)->SetRange(0.0, 1.0);

  static const unsigned char             colours[][3] = { { 31, 119, 180 }, { 214, 39, 40 },   { 44, 160, 44 },
                                                          { 255, 127, 14 }, { 148, 103, 189 }, { 23, 190, 207 } };
  std::vector<vtkSmartPointer<vtkTable>> tables;
  for (std::size_t c = 0; c < curves.size(); ++c)
  {
    auto                  table = vtkSmartPointer<vtkTable>::New();
    vtkNew<vtkFloatArray> x;
    x->SetName("x");
    vtkNew<vtkFloatArray> y;
    y->SetName(curves[c].first.c_str());
    table->AddColumn(x);
    table->AddColumn(y);
    const auto & series = curves[c].second;
    table->SetNumberOfRows(static_cast<vtkIdType>(series.X.size()));
    for (std::size_t i = 0; i < series.X.size(); ++i)
    {
      table->SetValue(static_cast<vtkIdType>(i), 0, series.X[i]);
      table->SetValue(static_cast<vtkIdType>(i), 1, series.Y[i]);
    }
    vtkPlot * line = chart->AddPlot(vtkChart::LINE);
    line->SetInputData(table, 0, 1);
    const auto * colour = colours[c % 6];
    line->SetColor(colour[0], colour[1], colour[2], 255);
    line->SetWidth(2.0);
    tables.push_back(table);
  }
  view->GetRenderWindow()->Render();
  vtkNew<vtkWindowToImageFilter> capture;
  capture->SetInput(view->GetRenderWindow());
  capture->Update();
  const std::string    output = arguments.GetString("output");
  const std::string    partial = output + ".partial.png";
  vtkNew<vtkPNGWriter> writer;
  writer->SetFileName(partial.c_str());
  writer->SetInputConnection(capture->GetOutputPort());
  writer->Write();
  if (std::rename(partial.c_str(), output.c_str()) != 0)
  {
    std::remove(partial.c_str());
    throw CommandError("cannot write plot '" + output + "'");
  }
  return 0;
}

namespace {
bool
OnPath(const std::string & program)
{
  const char * path = std::getenv("PATH");
  std::string  directories = path ? path : "/usr/bin:/bin";
  std::size_t  start = 0;
  while (start <= directories.size())
  {
    const std::size_t end = std::min(directories.find(':', start), directories.size());
    const std::string candidate = directories.substr(start, end - start) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0)
    {
      return true;
    }
    start = end + 1;
  }
  return false;
}
} // namespace

std::string
RunPlotSubprocess(const std::vector<std::string> & plotArguments)
{
  std::vector<std::string> command;
  const char *             display = std::getenv("DISPLAY");
  if (display == nullptr || std::string(display).empty())
  {
    if (!OnPath("xvfb-run"))
    {
      return "no X display and xvfb-run is not installed: plots not drawn (apt-get install xvfb, or run under "
             "an X server); the curves are in the CSV files";
    }
    command = { "xvfb-run", "-a" };
  }
  char       self[4096];
  const auto length = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (length <= 0)
  {
    return "cannot locate the ssimae executable to draw the plots";
  }
  self[length] = '\0';
  command.push_back(self);
  command.push_back("plot");
  command.insert(command.end(), plotArguments.begin(), plotArguments.end());

  std::vector<char *> argvector;
  for (auto & argument : command)
  {
    argvector.push_back(const_cast<char *>(argument.c_str()));
  }
  argvector.push_back(nullptr);
  const pid_t child = fork();
  if (child == 0)
  {
    execvp(argvector[0], argvector.data());
    _exit(127);
  }
  if (child < 0)
  {
    return "cannot start the plotting process";
  }
  int status = 0;
  waitpid(child, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
  {
    return "";
  }
  if (WIFSIGNALED(status))
  {
    return "the plotting process died with signal " + std::to_string(WTERMSIG(status)) +
           " (VTK rendering failed); the curves are in the CSV files";
  }
  return "the plotting process failed with status " + std::to_string(WEXITSTATUS(status)) +
         "; the curves are in the CSV files";
}

} // namespace ssimae
