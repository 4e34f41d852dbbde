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
#ifndef ssimaeSlicerModule_h
#define ssimaeSlicerModule_h

#include "itkProcessObject.h"

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace ssimae {

/** One parameter of a Slicer command-line module: an element of its XML description and an argument of its command
 * line. Images and files are positional (`Index`), as the ModuleDescription schema has them; scalar inputs have a
 * long flag (--`Name`); results are scalars with the output channel, no flag and no index (Slicer reads them from the
 * --returnparameterfile). */
struct ModuleParameter
{
  std::string Tag;         ///< image, file, integer, double, string, boolean
  std::string Name;        ///< identifier; the long flag of a scalar input
  std::string Label;       ///< shown in Slicer's user interface
  std::string Description; ///< tooltip
  std::string Channel;     ///< input or output (images, files, results)
  int         Index{ -1 }; ///< position on the command line (images, files)
  std::string Default;     ///< scalar inputs
  std::string Attributes;  ///< extra XML attributes, e.g. fileExtensions=".pt" or type="label"
  bool        Constrained{ false };
  double      Minimum{ 0.0 };
  double      Maximum{ 0.0 };
  double      Step{ 0.0 };

  bool
  IsResult() const
  {
    return Channel == "output" && Index < 0;
  }
};

/** A Slicer command-line module: its description, its command line, progress and results. */
class SlicerModule
{
public:
  SlicerModule(std::string title, std::string category, std::string description);

  /** Starts a group of parameters (a collapsible section in Slicer). */
  void
  AddGroup(const std::string & label, const std::string & description);

  /** Adds a parameter to the current group. */
  void
  Add(const ModuleParameter & parameter);

  /** The XML description (Slicer Execution Model). */
  std::string
  Xml() const;

  /** Parses the command line and runs `run`: prints the XML on --xml, writes the results to --returnparameterfile,
   * reports errors on stderr. Returns the exit status (0, 1 on an error, 2 on a bad command line). */
  int
  Main(int argc, char * argv[], const std::function<void(SlicerModule &)> & run);

  /** The value of a parameter, as given on the command line or its default. */
  std::string
  GetString(const std::string & name) const;
  double
  GetDouble(const std::string & name) const;
  long
  GetInteger(const std::string & name) const;

  /** Sets a result (a parameter with IsResult()). */
  void
  SetResult(const std::string & name, const std::string & value);
  void
  SetResult(const std::string & name, double value);

  /** Progress tags on stdout, as Slicer parses them (the same as itk::XMLFilterWatcher prints). */
  void
  StartFilter(const std::string & name, const std::string & comment);
  void
  ReportProgress(double fraction) const;
  void
  EndFilter();

  /** Reports the Start, Progress and End events of `filter` with the tags above (ITK's XMLFilterWatcher prints no
   * <filter-end>, which Slicer expects). ITK invokes progress events from the thread that called Update only, so a
   * multi-threaded filter may report few values between its start and its end (1). */
  void
  Watch(itk::ProcessObject * filter, const std::string & comment);

private:
  const ModuleParameter &
  Find(const std::string & name) const;
  void
  AddArguments(CLI::App & app);
  void
  CheckValues() const;
  void
  WriteResults(const std::string & path) const;

  std::string                                    m_Title;
  std::string                                    m_Category;
  std::string                                    m_Description;
  std::vector<std::pair<std::string, std::string>> m_Groups; // label, description
  std::vector<std::vector<ModuleParameter>>        m_Parameters;
  std::map<std::string, std::string>               m_Values;
  std::map<std::string, std::string>               m_Results;
  std::string                                      m_Filter;
  std::chrono::steady_clock::time_point            m_FilterStart;
};

} // namespace ssimae

#endif
