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
#include "ssimaeCommandLine.h"

#include "itkAtomicFile.h"
#include "itkMacro.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <filesystem>
#include <limits>
#include <unistd.h>

namespace ssimae {

namespace {
// Whole numbers larger than this are refused rather than narrowed (sizes, counts, seeds, threads are ints inside).
constexpr long long LargestInteger = std::numeric_limits<int>::max();
} // namespace

ArgumentParser::ArgumentParser(std::string command, std::string usage, std::string description)
    : m_Command(std::move(command)), m_Usage(std::move(usage)), m_Description(std::move(description))
{}

void
ArgumentParser::AddOption(const std::string & name,
                          const std::string & valueName,
                          const std::string & help,
                          const std::string & defaultValue)
{
  m_Options.push_back(Option{ name, valueName, help, defaultValue, false, false });
}

void
ArgumentParser::AddListOption(const std::string & name, const std::string & valueName, const std::string & help)
{
  m_Options.push_back(Option{ name, valueName, help, "", false, true });
}

void
ArgumentParser::AddFlag(const std::string & name, const std::string & help)
{
  m_Options.push_back(Option{ name, "", help, "", true, false });
}

void
ArgumentParser::SetPositionals(const std::string & name,
                               const std::string & help,
                               std::size_t         minimum,
                               std::size_t         maximum)
{
  m_PositionalName = name;
  m_PositionalHelp = help;
  m_MinimumPositionals = minimum;
  m_MaximumPositionals = maximum;
}

const ArgumentParser::Option &
ArgumentParser::Find(const std::string & name) const
{
  for (const auto & option : m_Options)
  {
    if (option.Name == name)
    {
      return option;
    }
  }
  throw std::logic_error("ssimae " + m_Command + ": option --" + name + " was never declared");
}

namespace {
// CLI11 option names: `-o` stands for `--output`, as in most tools.
std::string
OptionNames(const std::string & name)
{
  return name == "output" ? "-o,--output" : "--" + name;
}
} // namespace

namespace {
// CLI11's help with the command's own usage line (it names the positional arguments better than CLI11 can).
class HelpFormatter : public CLI::Formatter
{
public:
  explicit HelpFormatter(std::string usage) : m_Usage(std::move(usage)) { this->column_width(30); }
  std::string
  make_usage(const CLI::App *, std::string) const override
  {
    return m_Usage + "\n";
  }

private:
  std::string m_Usage;
};
} // namespace

std::unique_ptr<CLI::App>
ArgumentParser::MakeApp()
{
  auto app = std::make_unique<CLI::App>(m_Description, "ssimae " + m_Command);
  app->formatter(std::make_shared<HelpFormatter>("Usage: ssimae " + m_Command + " " + m_Usage));
  m_Results.assign(m_Options.size(), {});
  for (std::size_t i = 0; i < m_Options.size(); ++i)
  {
    const Option & option = m_Options[i];
    if (option.IsFlag)
    {
      app->add_flag(OptionNames(option.Name), option.Help);
      continue;
    }
    CLI::Option * added = app->add_option(OptionNames(option.Name), m_Results[i], option.Help);
    added->type_name(option.ValueName);
    if (option.IsList)
    {
      added->expected(1, CLI::detail::expected_max_vector_size)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    }
    else
    {
      // The value is stored in a vector (see m_Results): without this, CLI11 lets a container option take the
      // positional arguments that follow it ("--model M a.png b.png").
      added->expected(1)->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
      if (!option.Default.empty())
      {
        added->default_str(option.Default);
      }
    }
  }
  if (!m_PositionalName.empty())
  {
    const int maximum =
      m_MaximumPositionals == 0 ? CLI::detail::expected_max_vector_size : static_cast<int>(m_MaximumPositionals);
    app->add_option(m_PositionalName, m_Positionals, m_PositionalHelp)
      ->type_name("")
      ->expected(static_cast<int>(m_MinimumPositionals), maximum)
      ->required(m_MinimumPositionals > 0);
  }
  return app;
}

bool
ArgumentParser::Parse(int argc, char * argv[], int first)
{
  auto                     app = this->MakeApp();
  std::vector<std::string> arguments(argv + first, argv + argc);
  std::reverse(arguments.begin(), arguments.end()); // CLI11 takes them last first
  try
  {
    app->parse(arguments);
  }
  catch (const CLI::CallForHelp &)
  {
    std::cout << app->help();
    return false;
  }
  catch (const CLI::ParseError & error)
  {
    throw UsageError(error.what());
  }
  m_Flags.clear();
  for (const auto & option : m_Options)
  {
    if (option.IsFlag && app->count("--" + option.Name) > 0)
    {
      m_Flags.push_back(option.Name);
    }
  }
  return true;
}

bool
ArgumentParser::Has(const std::string & name) const
{
  const Option & option = this->Find(name);
  if (option.IsFlag)
  {
    return std::find(m_Flags.begin(), m_Flags.end(), name) != m_Flags.end();
  }
  return !m_Results[static_cast<std::size_t>(&option - m_Options.data())].empty();
}

std::string
ArgumentParser::GetString(const std::string & name) const
{
  const Option & option = this->Find(name);
  const auto &   values = m_Results[static_cast<std::size_t>(&option - m_Options.data())];
  return values.empty() ? option.Default : values.back();
}

double
ArgumentParser::GetDouble(const std::string & name) const
{
  const std::string text = this->GetString(name);
  double            value = 0.0;
  if (!CLI::detail::lexical_cast(text, value))
  {
    throw UsageError("--" + name + " expects a number, got '" + text + "'");
  }
  if (!std::isfinite(value))
  {
    throw UsageError("--" + name + " expects a finite number, got '" + text + "'");
  }
  return value;
}

long
ArgumentParser::GetInteger(const std::string & name) const
{
  const std::string text = this->GetString(name);
  long long         value = 0;
  if (!CLI::detail::lexical_cast(text, value))
  {
    throw UsageError("--" + name + " expects a whole number, got '" + text + "'");
  }
  if (value > LargestInteger || value < -LargestInteger)
  {
    throw UsageError("--" + name + " " + text + " is out of range (at most " + std::to_string(LargestInteger) +
                     " in size)");
  }
  return static_cast<long>(value);
}

unsigned long
ArgumentParser::GetPositiveInteger(const std::string & name) const
{
  const long value = this->GetInteger(name);
  if (value <= 0)
  {
    throw UsageError("--" + name + " must be a positive whole number, got " + std::to_string(value));
  }
  return static_cast<unsigned long>(value);
}

double
ArgumentParser::GetPositiveDouble(const std::string & name) const
{
  const double value = this->GetDouble(name);
  if (!(value > 0.0))
  {
    throw UsageError("--" + name + " must be a positive number, got " + this->GetString(name));
  }
  return value;
}

double
ArgumentParser::GetNonNegativeDouble(const std::string & name) const
{
  const double value = this->GetDouble(name);
  if (!(value >= 0.0))
  {
    throw UsageError("--" + name + " must be a number >= 0, got " + this->GetString(name));
  }
  return value;
}

unsigned long
ArgumentParser::GetNonNegativeInteger(const std::string & name) const
{
  const long value = this->GetInteger(name);
  if (value < 0)
  {
    throw UsageError("--" + name + " must be a whole number >= 0, got " + std::to_string(value));
  }
  return static_cast<unsigned long>(value);
}

unsigned int
ArgumentParser::GetAxis() const
{
  const auto axis = this->GetNonNegativeInteger("axis");
  if (axis > 2)
  {
    throw UsageError("--axis must be 0, 1 or 2");
  }
  return static_cast<unsigned int>(axis);
}

bool
ArgumentParser::GetFlag(const std::string & name) const
{
  return this->Has(name);
}

std::vector<std::string>
ArgumentParser::GetList(const std::string & name) const
{
  const Option & option = this->Find(name);
  return m_Results[static_cast<std::size_t>(&option - m_Options.data())];
}

std::vector<std::string>
ArgumentParser::GetOptionNames() const
{
  std::vector<std::string> names;
  for (const auto & option : m_Options)
  {
    names.push_back(option.Name);
  }
  return names;
}

std::string
ArgumentParser::Help()
{
  return this->MakeApp()->help();
}

namespace {
double
Now()
{
  using Clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}
} // namespace

ProgressBar::ProgressBar(std::string label)
    : m_Label(std::move(label)), m_Start(Now()), m_IsTerminal(isatty(fileno(stderr)) != 0)
{}

void
ProgressBar::Update(double fraction, const std::string & message)
{
  fraction = std::min(1.0, std::max(0.0, fraction));
  const int percent = static_cast<int>(std::floor(100.0 * fraction));
  // Without a terminal (logs, CI) one line per 10 % is plenty.
  if (!m_IsTerminal && m_LastPercent >= 0 && percent / 10 == m_LastPercent / 10)
  {
    return;
  }
  m_LastPercent = percent;
  const double       elapsed = Now() - m_Start;
  const int          width = 30;
  const int          filled = static_cast<int>(std::round(fraction * width));
  std::ostringstream line;
  line << m_Label << " [" << std::string(filled, '#') << std::string(width - filled, '.') << "] " << std::setw(3)
       << percent << "% " << std::fixed << std::setprecision(1) << elapsed << " s";
  if (fraction > 0.0 && fraction < 1.0)
  {
    line << ", " << std::setprecision(0) << elapsed * (1.0 - fraction) / fraction << " s left";
  }
  if (!message.empty())
  {
    line << "  " << message;
  }
  if (m_IsTerminal)
  {
    std::cerr << "\r" << line.str() << "\033[K" << std::flush;
  }
  else
  {
    std::cerr << line.str() << "\n";
  }
}

void
ProgressBar::Finish(const std::string & message)
{
  m_LastPercent = -1;
  this->Update(1.0, message);
  if (m_IsTerminal)
  {
    std::cerr << "\n";
  }
}

bool
IsDirectory(const std::string & path)
{
  std::error_code ignored;
  return std::filesystem::is_directory(path, ignored);
}

void
MakeDirectory(const std::string & path)
{
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error && !IsDirectory(path))
  {
    throw CommandError("cannot create directory '" + path + "': " + error.message());
  }
}

void
RequireReadableFile(const std::string & path, const std::string & what)
{
  std::error_code error;
  const auto      status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status))
  {
    throw CommandError(what + " '" + path + "' does not exist");
  }
  if (std::filesystem::is_directory(status))
  {
    throw CommandError(what + " '" + path + "' is a directory, expected a file");
  }
  if (!std::filesystem::is_regular_file(status))
  {
    // Opening a named pipe would block until a writer appears; devices and sockets are no files to read either.
    throw CommandError(what + " '" + path + "' is not a regular file (a pipe, device or socket); give a file");
  }
  std::ifstream stream(path, std::ios::binary);
  if (!stream)
  {
    throw CommandError(what + " '" + path + "' cannot be opened for reading");
  }
  if (std::filesystem::file_size(path, error) == 0)
  {
    throw CommandError(what + " '" + path + "' is empty");
  }
}

namespace {
// The file a path names, links resolved; the path itself made absolute when it does not exist yet.
std::filesystem::path
Identity(const std::string & path)
{
  std::error_code error;
  auto            resolved = std::filesystem::weakly_canonical(path, error);
  return error ? std::filesystem::absolute(path, error) : resolved;
}
} // namespace

void
RequireSeparateOutputs(const std::vector<std::string> & outputs, const std::vector<std::string> & inputs)
{
  std::vector<std::pair<std::filesystem::path, std::string>> seen;
  for (const auto & input : inputs)
  {
    if (!input.empty())
    {
      seen.emplace_back(Identity(input), input);
    }
  }
  const std::size_t inputCount = seen.size();
  for (const auto & output : outputs)
  {
    if (output.empty())
    {
      continue;
    }
    const auto identity = Identity(output);
    for (std::size_t i = 0; i < seen.size(); ++i)
    {
      if (seen[i].first == identity)
      {
        throw CommandError(i < inputCount
                             ? "output '" + output + "' is the input '" + seen[i].second + "': refusing to overwrite it"
                             : "outputs '" + seen[i].second + "' and '" + output + "' name the same file");
      }
    }
    seen.emplace_back(identity, output);
  }
}

void
WriteTextAtomically(const std::string & path, const std::string & text)
{
  try
  {
    itk::AtomicFile::WriteText(path, text);
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError(error.GetDescription());
  }
}

} // namespace ssimae
