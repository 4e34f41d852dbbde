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
#ifndef ssimaeCommandLine_h
#define ssimaeCommandLine_h

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace ssimae {

/** A mistake on the command line; the program prints it with a pointer to --help and exits with status 2. */
class UsageError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** A failure while running a command (unreadable file, bad model, ...); exit status 1. */
class CommandError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** \brief The options of one ssimae subcommand, parsed by CLI11.
 *
 * Options are `--name VALUE` or `--name=VALUE` (`-o` stands for `--output`); flags are `--name`; everything else is
 * positional. Every option has a help line, and `--help` prints them all. Numbers are read strictly: trailing
 * characters, non-finite values and whole numbers beyond the range of `int` are usage errors naming the option. */
class ArgumentParser
{
public:
  ArgumentParser(std::string command, std::string usage, std::string description);

  /** An option taking a value; an empty default means "not given". */
  void
  AddOption(const std::string & name,
            const std::string & valueName,
            const std::string & help,
            const std::string & defaultValue = "");
  /** An option that may be given several times or with several values (up to the next option). */
  void
  AddListOption(const std::string & name, const std::string & valueName, const std::string & help);
  void
  AddFlag(const std::string & name, const std::string & help);
  /** Describes the positional arguments; `minimum` and `maximum` bound their number (maximum 0: unbounded). */
  void
  SetPositionals(const std::string & name, const std::string & help, std::size_t minimum, std::size_t maximum);

  /** Parses argv[first..argc). Returns false when --help was given (help already printed). Throws UsageError. */
  bool
  Parse(int argc, char * argv[], int first = 1);

  bool
  Has(const std::string & name) const;
  std::string
  GetString(const std::string & name) const;
  double
  GetDouble(const std::string & name) const;
  /** A finite number > 0; UsageError naming the option otherwise. */
  double
  GetPositiveDouble(const std::string & name) const;
  /** A finite number >= 0; UsageError naming the option otherwise. */
  double
  GetNonNegativeDouble(const std::string & name) const;
  long
  GetInteger(const std::string & name) const;
  /** A positive integer; UsageError naming the option otherwise. */
  unsigned long
  GetPositiveInteger(const std::string & name) const;
  /** An integer >= 0 (seeds, counts, areas); UsageError naming the option otherwise -- never wrapped or clamped. */
  unsigned long
  GetNonNegativeInteger(const std::string & name) const;
  /** The slice axis of volumes (--axis): 0, 1 or 2; UsageError otherwise. */
  unsigned int
  GetAxis() const;
  bool
  GetFlag(const std::string & name) const;
  std::vector<std::string>
  GetList(const std::string & name) const;
  const std::vector<std::string> &
  GetPositionals() const
  {
    return m_Positionals;
  }
  /** Names of the declared options and flags, in declaration order. */
  std::vector<std::string>
  GetOptionNames() const;

  std::string
  Help();

private:
  struct Option
  {
    std::string Name;
    std::string ValueName;
    std::string Help;
    std::string Default;
    bool        IsFlag{ false };
    bool        IsList{ false };
  };

  const Option &
  Find(const std::string & name) const;
  std::unique_ptr<CLI::App>
  MakeApp();

  std::string                           m_Command;
  std::string                           m_Usage;
  std::string                           m_Description;
  std::vector<Option>                   m_Options;
  std::string                           m_PositionalName;
  std::string                           m_PositionalHelp;
  std::size_t                           m_MinimumPositionals{ 0 };
  std::size_t                           m_MaximumPositionals{ 0 };
  std::vector<std::vector<std::string>> m_Results; // one per option, in m_Options order
  std::vector<std::string>              m_Flags;
  std::vector<std::string>              m_Positionals;
};

/** The value of an enumeration option, read with the library's `TEnums::FromString`; UsageError naming the option
 * and the accepted `choices` otherwise. */
template<typename TEnums, typename TEnum>
TEnum
ParseEnumOption(const std::string & option, const std::string & text, const std::string & choices)
{
  TEnum value{};
  if (!TEnums::FromString(text, value))
  {
    throw UsageError("--" + option + " must be " + choices + ", got '" + text + "'");
  }
  return value;
}

/** Progress bar on standard error: "label [#####.....] 42% 12.0 s, 16 s left  message". */
class ProgressBar
{
public:
  explicit ProgressBar(std::string label);
  void
  Update(double fraction, const std::string & message = "");
  void
  Finish(const std::string & message = "");

private:
  std::string m_Label;
  double      m_Start;
  bool        m_IsTerminal;
  int         m_LastPercent{ -1 };
};

/** Whether the path names a directory. */
bool
IsDirectory(const std::string & path);

/** Writes a text file through a temporary file renamed into place; CommandError naming the file otherwise. */
void
WriteTextAtomically(const std::string & path, const std::string & text);

/** Creates a directory unless it exists; CommandError naming it otherwise. */
void
MakeDirectory(const std::string & path);

/** Refuses to write over an input: CommandError when one of `outputs` names the same file as one of `inputs` (links
 * resolved), or two outputs name the same file. Empty names are skipped. */
void
RequireSeparateOutputs(const std::vector<std::string> & outputs, const std::vector<std::string> & inputs);

/** Checks that a file exists and is readable; CommandError naming the file otherwise. */
void
RequireReadableFile(const std::string & path, const std::string & what);

/** Subcommands: each takes the arguments after the command name (argv[0] is the command). */
int
RunSSIM(int argc, char * argv[]);
int
RunEvaluate(int argc, char * argv[]);
int
RunPlot(int argc, char * argv[]);
int
RunDemo(int argc, char * argv[]);
int
RunTrain(int argc, char * argv[]);
int
RunReconstruct(int argc, char * argv[]);
int
RunCalibrate(int argc, char * argv[]);
int
RunSegment(int argc, char * argv[]);

} // namespace ssimae

#endif
