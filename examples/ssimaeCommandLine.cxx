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

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace ssimae {

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
  throw UsageError("unknown option --" + name + " for 'ssimae " + m_Command + "'");
}

bool
ArgumentParser::Parse(int argc, char * argv[], int first)
{
  for (int i = first; i < argc; ++i)
  {
    std::string argument = argv[i];
    if (argument == "-o")
    {
      argument = "--output";
    }
    if (argument == "--help" || argument == "-h")
    {
      std::cout << this->Help();
      return false;
    }
    if (argument.size() > 2 && argument.compare(0, 2, "--") == 0)
    {
      std::string name = argument.substr(2);
      std::string inlineValue;
      bool        hasInlineValue = false;
      const auto  equals = name.find('=');
      if (equals != std::string::npos)
      {
        inlineValue = name.substr(equals + 1);
        name = name.substr(0, equals);
        hasInlineValue = true;
      }
      const Option & option = this->Find(name);
      if (option.IsFlag)
      {
        if (hasInlineValue)
        {
          throw UsageError("--" + name + " is a flag and takes no value");
        }
        m_Values[name] = { "1" };
        continue;
      }
      if (hasInlineValue)
      {
        m_Values[name].push_back(inlineValue);
        continue;
      }
      if (option.IsList)
      {
        bool any = false;
        // Values run up to the next option (anything starting with '-', such as -o or --name).
        while (i + 1 < argc && !(argv[i + 1][0] == '-' && argv[i + 1][1] != '\0'))
        {
          m_Values[name].push_back(argv[++i]);
          any = true;
        }
        if (!any)
        {
          throw UsageError("--" + name + " needs at least one " + option.ValueName);
        }
        continue;
      }
      if (i + 1 >= argc)
      {
        throw UsageError("--" + name + " needs a value (" + option.ValueName + ")");
      }
      m_Values[name] = { argv[++i] };
      continue;
    }
    m_Positionals.push_back(argument);
  }
  if (m_Positionals.size() < m_MinimumPositionals)
  {
    throw UsageError("'ssimae " + m_Command + "' needs " + std::to_string(m_MinimumPositionals) + " " +
                     m_PositionalName + " argument(s), got " + std::to_string(m_Positionals.size()));
  }
  if (m_MaximumPositionals > 0 && m_Positionals.size() > m_MaximumPositionals)
  {
    throw UsageError("'ssimae " + m_Command + "' takes at most " + std::to_string(m_MaximumPositionals) + " " +
                     m_PositionalName + " argument(s), got " + std::to_string(m_Positionals.size()));
  }
  if (m_PositionalName.empty() && !m_Positionals.empty())
  {
    throw UsageError("unexpected argument '" + m_Positionals.front() + "'");
  }
  return true;
}

bool
ArgumentParser::Has(const std::string & name) const
{
  this->Find(name);
  const auto found = m_Values.find(name);
  return found != m_Values.end() && !found->second.empty();
}

std::string
ArgumentParser::GetString(const std::string & name) const
{
  const Option & option = this->Find(name);
  const auto     found = m_Values.find(name);
  if (found == m_Values.end() || found->second.empty())
  {
    return option.Default;
  }
  return found->second.back();
}

double
ArgumentParser::GetDouble(const std::string & name) const
{
  const std::string text = this->GetString(name);
  try
  {
    std::size_t  used = 0;
    const double value = std::stod(text, &used);
    if (used != text.size())
    {
      throw std::invalid_argument(text);
    }
    return value;
  }
  catch (const std::exception &)
  {
    throw UsageError("--" + name + " expects a number, got '" + text + "'");
  }
}

long
ArgumentParser::GetInteger(const std::string & name) const
{
  const std::string text = this->GetString(name);
  try
  {
    std::size_t used = 0;
    const long  value = std::stol(text, &used);
    if (used != text.size())
    {
      throw std::invalid_argument(text);
    }
    return value;
  }
  catch (const std::exception &)
  {
    throw UsageError("--" + name + " expects a whole number, got '" + text + "'");
  }
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

bool
ArgumentParser::GetFlag(const std::string & name) const
{
  return this->Has(name);
}

std::vector<std::string>
ArgumentParser::GetList(const std::string & name) const
{
  this->Find(name);
  const auto found = m_Values.find(name);
  return found == m_Values.end() ? std::vector<std::string>{} : found->second;
}

std::string
ArgumentParser::Help() const
{
  std::ostringstream text;
  text << "Usage: ssimae " << m_Command << " " << m_Usage << "\n\n" << m_Description << "\n";
  if (!m_PositionalName.empty())
  {
    text << "\nArguments:\n  " << std::left << std::setw(26) << m_PositionalName << m_PositionalHelp << "\n";
  }
  text << "\nOptions:\n";
  for (const auto & option : m_Options)
  {
    std::string left = "--" + option.Name;
    if (!option.IsFlag)
    {
      left += " " + option.ValueName + (option.IsList ? "..." : "");
    }
    text << "  " << std::left << std::setw(26) << left << option.Help;
    if (!option.Default.empty())
    {
      text << " (default: " << option.Default << ")";
    }
    text << "\n";
  }
  text << "  " << std::left << std::setw(26) << "--help"
       << "show this help and exit\n";
  return text.str();
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
  struct stat status
  {};
  return stat(path.c_str(), &status) == 0 && S_ISDIR(status.st_mode);
}

void
MakeDirectory(const std::string & path)
{
  if (mkdir(path.c_str(), 0755) != 0 && !IsDirectory(path))
  {
    throw CommandError("cannot create directory '" + path + "'");
  }
}

void
RequireReadableFile(const std::string & path, const std::string & what)
{
  struct stat status
  {};
  if (stat(path.c_str(), &status) != 0)
  {
    throw CommandError(what + " '" + path + "' does not exist");
  }
  if (S_ISDIR(status.st_mode))
  {
    throw CommandError(what + " '" + path + "' is a directory, expected a file");
  }
  std::ifstream stream(path, std::ios::binary);
  if (!stream)
  {
    throw CommandError(what + " '" + path + "' cannot be opened for reading");
  }
  if (status.st_size == 0)
  {
    throw CommandError(what + " '" + path + "' is empty");
  }
}

void
WriteTextAtomically(const std::string & path, const std::string & text)
{
  const std::string partial = path + ".partial-" + std::to_string(getpid());
  {
    std::ofstream file(partial);
    file << text;
    if (!file)
    {
      std::remove(partial.c_str());
      throw CommandError("cannot write '" + path + "'");
    }
  }
  if (std::rename(partial.c_str(), path.c_str()) != 0)
  {
    std::remove(partial.c_str());
    throw CommandError("cannot move '" + partial + "' into place");
  }
}

} // namespace ssimae
