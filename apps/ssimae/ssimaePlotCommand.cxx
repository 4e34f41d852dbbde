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
#include "ssimaeTextFiles.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace ssimae {

namespace {
std::vector<Curve>
ReadCurves(const std::string & path)
{
  RequireReadableFile(path, "curve file");
  std::ifstream                      file(path);
  CsvReader                          reader(file, path);
  std::vector<Curve>                 curves;
  std::map<std::string, std::size_t> index;
  std::vector<std::string>           fields;
  while (reader.Next(fields))
  {
    const std::string where = "curve file '" + path + "' line " + std::to_string(reader.GetLineNumber());
    if ((fields.size() == 1 && fields[0].empty()) || fields[0].rfind('#', 0) == 0 ||
        (reader.GetLineNumber() == 1 && fields[0] == "series"))
    {
      continue;
    }
    if (fields.size() < 3)
    {
      throw CommandError(where + ": expected series,x,y");
    }
    if (!index.count(fields[0]))
    {
      index[fields[0]] = curves.size();
      curves.push_back(Curve{ fields[0], {}, {} });
    }
    try
    {
      curves[index[fields[0]]].X.push_back(std::stod(fields[1]));
      curves[index[fields[0]]].Y.push_back(std::stod(fields[2]));
    }
    catch (const std::exception &)
    {
      throw CommandError(where + ": not numbers: '" + fields[1] + "', '" + fields[2] + "'");
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
  if (!PlotsAvailable())
  {
    throw CommandError("this ssimae was built without VTK, so it draws no plots; the curves stay in the CSV file");
  }
  if (std::getenv("DISPLAY") == nullptr || std::string(std::getenv("DISPLAY")).empty())
  {
    throw CommandError("no X display (DISPLAY is not set): VTK cannot render here. Run 'xvfb-run -a ssimae plot ...' "
                       "(apt-get install xvfb)");
  }

  ChartSettings settings;
  settings.Title = arguments.GetString("title");
  settings.XLabel = arguments.GetString("xlabel");
  settings.YLabel = arguments.GetString("ylabel");
  settings.XMaximum = arguments.GetDouble("xmax");
  settings.Width = static_cast<int>(arguments.GetPositiveInteger("width"));
  settings.Height = static_cast<int>(arguments.GetPositiveInteger("height"));
  DrawChart(curves, settings, arguments.GetString("output"));
  return 0;
}

namespace {
bool
OnPath(const std::string & program)
{
  const char *      path = std::getenv("PATH");
  std::stringstream directories(path ? path : "/usr/bin:/bin");
  std::string       directory;
  while (std::getline(directories, directory, ':'))
  {
    std::error_code ignored;
    const auto      status = std::filesystem::status(std::filesystem::path(directory) / program, ignored);
    if (std::filesystem::is_regular_file(status) &&
        (status.permissions() & std::filesystem::perms::owner_exec) != std::filesystem::perms::none)
    {
      return true;
    }
  }
  return false;
}
} // namespace

std::string
RunPlotSubprocess(const std::vector<std::string> & plotArguments)
{
  if (!PlotsAvailable())
  {
    return "this ssimae was built without VTK: plots not drawn; the curves are in the CSV files";
  }
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
  std::error_code problem;
  const auto      self = std::filesystem::read_symlink("/proc/self/exe", problem);
  if (problem)
  {
    return "cannot locate the ssimae executable to draw the plots";
  }
  command.push_back(self.string());
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

#ifndef SSIMAE_WITH_VTK
namespace ssimae {

bool
PlotsAvailable()
{
  return false;
}

void
DrawChart(const std::vector<Curve> &, const ChartSettings &, const std::string &)
{
  throw CommandError("this ssimae was built without VTK, so it draws no plots");
}

} // namespace ssimae
#endif
