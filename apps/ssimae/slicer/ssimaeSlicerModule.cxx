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
#include "ssimaeSlicerModule.h"
#include "ssimaeCommandLine.h"

#include "itkAtomicFile.h"
#include "itkMacro.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <new>
#include <sstream>

namespace ssimae {

namespace {
std::string
Escape(const std::string & text)
{
  std::string escaped;
  for (const char c : text)
  {
    switch (c)
    {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

std::string
Element(const std::string & indent, const std::string & tag, const std::string & text)
{
  return indent + "<" + tag + ">" + Escape(text) + "</" + tag + ">\n";
}

std::string
Number(double value)
{
  std::ostringstream out;
  out << std::setprecision(10) << value;
  return out.str();
}

std::string
ParameterXml(const ModuleParameter & p)
{
  const std::string in = "      ";
  std::string       xml = "    <" + p.Tag + (p.Attributes.empty() ? "" : " " + p.Attributes) + ">\n";
  xml += Element(in, "name", p.Name);
  xml += Element(in, "label", p.Label);
  xml += Element(in, "description", p.Description);
  if (p.Index >= 0)
  {
    xml += Element(in, "channel", p.Channel);
    xml += Element(in, "index", std::to_string(p.Index));
  }
  else if (p.IsResult())
  {
    xml += Element(in, "channel", "output");
  }
  else
  {
    xml += Element(in, "longflag", p.Name);
    xml += Element(in, "default", p.Default);
  }
  if (p.Constrained)
  {
    xml += in + "<constraints>\n";
    xml += Element(in + "  ", "minimum", Number(p.Minimum));
    xml += Element(in + "  ", "maximum", Number(p.Maximum));
    xml += Element(in + "  ", "step", Number(p.Step));
    xml += in + "</constraints>\n";
  }
  return xml + "    </" + p.Tag + ">\n";
}
} // namespace

SlicerModule::SlicerModule(std::string title, std::string category, std::string description)
    : m_Title(std::move(title)), m_Category(std::move(category)), m_Description(std::move(description))
{}

void
SlicerModule::AddGroup(const std::string & label, const std::string & description)
{
  m_Groups.emplace_back(label, description);
  m_Parameters.emplace_back();
}

void
SlicerModule::Add(const ModuleParameter & parameter)
{
  if (m_Parameters.empty())
  {
    throw std::logic_error("a parameter before its group");
  }
  m_Parameters.back().push_back(parameter);
  m_Values[parameter.Name] = parameter.Default;
}

std::string
SlicerModule::Xml() const
{
  std::string xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<executable>\n";
  xml += Element("  ", "category", m_Category);
  xml += Element("  ", "title", m_Title);
  xml += Element("  ", "description", m_Description);
  xml += Element("  ", "version", "0.1.0");
  xml += Element("  ", "documentation-url", "https://github.com/InsightSoftwareConsortium/ITKSSIMAutoencoder");
  xml += Element("  ", "license", "Apache 2.0");
  xml += Element("  ", "contributor", "SSIMAutoencoder contributors");
  for (std::size_t g = 0; g < m_Groups.size(); ++g)
  {
    xml += "  <parameters>\n";
    xml += Element("    ", "label", m_Groups[g].first);
    xml += Element("    ", "description", m_Groups[g].second);
    for (const auto & parameter : m_Parameters[g])
    {
      xml += ParameterXml(parameter);
    }
    xml += "  </parameters>\n";
  }
  return xml + "</executable>\n";
}

const ModuleParameter &
SlicerModule::Find(const std::string & name) const
{
  for (const auto & group : m_Parameters)
  {
    for (const auto & parameter : group)
    {
      if (parameter.Name == name)
      {
        return parameter;
      }
    }
  }
  throw std::logic_error("no module parameter '" + name + "'");
}

std::string
SlicerModule::GetString(const std::string & name) const
{
  Find(name);
  return m_Values.at(name);
}

double
SlicerModule::GetDouble(const std::string & name) const
{
  const std::string text = this->GetString(name);
  char *            end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(value))
  {
    throw UsageError("--" + name + " '" + text + "' is not a finite number");
  }
  return value;
}

long
SlicerModule::GetInteger(const std::string & name) const
{
  const std::string text = this->GetString(name);
  char *            end = nullptr;
  errno = 0;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE)
  {
    throw UsageError("--" + name + " '" + text + "' is not a whole number");
  }
  return value;
}

void
SlicerModule::CheckValues() const
{
  for (const auto & group : m_Parameters)
  {
    for (const auto & p : group)
    {
      if (p.IsResult() || p.Index >= 0)
      {
        continue;
      }
      const double value = p.Tag == "integer" ? static_cast<double>(this->GetInteger(p.Name))
                                              : (p.Tag == "double" ? this->GetDouble(p.Name) : 0.0);
      if (p.Constrained && (value < p.Minimum || value > p.Maximum))
      {
        throw UsageError("--" + p.Name + " " + m_Values.at(p.Name) + " is outside [" + Number(p.Minimum) + ", " +
                         Number(p.Maximum) + "]");
      }
    }
  }
}

void
SlicerModule::SetResult(const std::string & name, const std::string & value)
{
  if (!Find(name).IsResult())
  {
    throw std::logic_error("'" + name + "' is not a result");
  }
  m_Results[name] = value;
}

void
SlicerModule::SetResult(const std::string & name, double value)
{
  this->SetResult(name, Number(value));
}

void
SlicerModule::WriteResults(const std::string & path) const
{
  try
  {
    itk::AtomicFile::Write(path, [&](const std::string & target) {
      std::ofstream out(target);
      for (const auto & result : m_Results)
      {
        out << result.first << " = " << result.second << "\n";
      }
      out.close();
      if (!out)
      {
        throw std::runtime_error("cannot write '" + target + "'");
      }
    });
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError(error.GetDescription());
  }
}

void
SlicerModule::StartFilter(const std::string & name, const std::string & comment)
{
  m_Filter = name;
  m_FilterStart = std::chrono::steady_clock::now();
  std::cout << "<filter-start>\n<filter-name>" << Escape(name) << "</filter-name>\n<filter-comment> "
            << Escape(comment) << " </filter-comment>\n</filter-start>" << std::endl;
}

void
SlicerModule::ReportProgress(double fraction) const
{
  std::cout << "<filter-progress>" << std::clamp(fraction, 0.0, 1.0) << "</filter-progress>" << std::endl;
}

void
SlicerModule::EndFilter()
{
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_FilterStart).count();
  std::cout << "<filter-end>\n<filter-name>" << Escape(m_Filter) << "</filter-name>\n<filter-time>" << seconds
            << "</filter-time>\n</filter-end>" << std::endl;
}

void
SlicerModule::Watch(itk::ProcessObject * filter, const std::string & comment)
{
  const std::string name = filter->GetNameOfClass();
  filter->AddObserver(itk::StartEvent(), [this, name, comment](const itk::EventObject &) {
    this->StartFilter(name, comment);
  });
  filter->AddObserver(itk::ProgressEvent(), [this, filter](const itk::EventObject &) {
    this->ReportProgress(filter->GetProgress());
  });
  filter->AddObserver(itk::EndEvent(), [this](const itk::EventObject &) {
    this->ReportProgress(1.0);
    this->EndFilter();
  });
}

void
SlicerModule::AddArguments(CLI::App & app)
{
  std::vector<const ModuleParameter *> positionals;
  for (const auto & group : m_Parameters)
  {
    for (const auto & p : group)
    {
      if (p.Index >= 0)
      {
        positionals.push_back(&p);
      }
      else if (p.Tag == "boolean")
      {
        // Slicer passes a boolean as its flag alone when it is true.
        const std::string name = p.Name;
        app.add_flag_function(
          "--" + name, [this, name](std::int64_t count) { m_Values[name] = count > 0 ? "true" : "false"; },
          p.Description);
      }
      else if (!p.IsResult())
      {
        app.add_option("--" + p.Name, m_Values[p.Name], p.Description)->capture_default_str();
      }
    }
  }
  std::sort(positionals.begin(), positionals.end(), [](auto a, auto b) { return a->Index < b->Index; });
  for (const auto * p : positionals)
  {
    app.add_option(p->Name, m_Values[p->Name], p->Description)->required();
  }
}

int
SlicerModule::Main(int argc, char * argv[], const std::function<void(SlicerModule &)> & run)
{
  for (int i = 1; i < argc; ++i)
  {
    if (std::strcmp(argv[i], "--xml") == 0)
    {
      std::cout << this->Xml();
      return 0;
    }
  }
  CLI::App    app(m_Description, m_Title);
  std::string resultFile;
  std::string processInformation;
  app.add_option("--returnparameterfile", resultFile, "file to write the results to (name = value lines)");
  app.add_option("--processinformationaddress", processInformation, "accepted for Slicer; not used");
  app.add_flag("--xml", "print the module's XML description and exit");
  this->AddArguments(app);
  try
  {
    app.parse(argc, argv);
  }
  catch (const CLI::ParseError & error)
  {
    const int status = app.exit(error);
    return status == 0 ? 0 : 2;
  }
  try
  {
    this->CheckValues();
    run(*this);
    if (!resultFile.empty())
    {
      this->WriteResults(resultFile);
    }
    return 0;
  }
  catch (const UsageError & error)
  {
    std::cerr << m_Title << ": " << error.what() << std::endl;
    return 2;
  }
  catch (const std::bad_alloc &)
  {
    std::cerr << m_Title << ": out of memory" << std::endl;
    return 1;
  }
  catch (const itk::ExceptionObject & error)
  {
    std::cerr << m_Title << ": " << error.GetDescription() << std::endl;
    return 1;
  }
  catch (const std::exception & error)
  {
    std::cerr << m_Title << ": " << error.what() << std::endl;
    return 1;
  }
}

} // namespace ssimae
