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
// libFuzzer target: ssimae::ArgumentParser with the real option sets of `ssimae train`, `evaluate` and `demo`.
// The input is split at NUL bytes into a command line; its first word picks the option set: "train", "evaluate" or
// "demo" exactly as the command declares it, any other word one of the three by its length, with positional
// arguments declared as other commands declare them (one, two, or one or more). After parsing, every declared option
// is read with every typed getter. A UsageError is the expected
// outcome of a bad command line; anything else -- a crash, a sanitizer report, a leak, another exception -- is a
// finding. No command is run.
#include "ssimaeCommandLine.h"
#include "ssimaeOptions.h"

#include <cstdint>
#include <string>
#include <vector>

namespace {
using Declare = void (*)(ssimae::ArgumentParser &);

struct OptionSet
{
  const char * Command;
  Declare      Declaration;
};

const OptionSet OptionSets[] = { { "train", ssimae::DeclareTrainOptions },
                                 { "evaluate", ssimae::DeclareEvaluateOptions },
                                 { "demo", ssimae::DeclareDemoOptions } };

// Positional arguments as `ssimae reconstruct` (1), `ssim` (2) and `segment` (1 or more) declare them.
struct Positionals
{
  std::size_t Minimum;
  std::size_t Maximum;
};
const Positionals PositionalSets[] = { { 1, 1 }, { 2, 2 }, { 1, 0 } };

constexpr std::size_t NumberOfOptionSets = sizeof(OptionSets) / sizeof(OptionSets[0]);
constexpr std::size_t NumberOfPositionalSets = sizeof(PositionalSets) / sizeof(PositionalSets[0]);

// The option set named by the command word, or null.
const OptionSet *
FindOptionSet(const std::string & word)
{
  for (const auto & set : OptionSets)
  {
    if (word == set.Command)
    {
      return &set;
    }
  }
  return nullptr;
}

// Each getter on its own: one that refuses the value must not keep the others from being tried.
template<typename TGetter>
void
Try(TGetter getter)
{
  try
  {
    getter();
  }
  catch (const ssimae::UsageError &)
  {
  }
}
} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t * data, std::size_t size)
{
  std::vector<std::string> words(1);
  for (std::size_t i = 0; i < size; ++i)
  {
    if (data[i] == 0)
    {
      words.emplace_back();
    }
    else
    {
      words.back() += static_cast<char>(data[i]);
    }
  }
  const OptionSet * named = FindOptionSet(words[0]);
  const OptionSet & set = named ? *named : OptionSets[words[0].size() % NumberOfOptionSets];
  const std::size_t positionals = words[0].size() / NumberOfOptionSets % (NumberOfPositionalSets + 1);
  words[0] = set.Command;
  std::vector<char *> argv;
  for (auto & word : words)
  {
    argv.push_back(word.data());
  }
  argv.push_back(nullptr);

  ssimae::ArgumentParser arguments(set.Command, "[options]", "fuzzed");
  set.Declaration(arguments);
  if (!named && positionals < NumberOfPositionalSets)
  {
    arguments.SetPositionals(
      "ARGUMENT", "positional arguments", PositionalSets[positionals].Minimum, PositionalSets[positionals].Maximum);
  }
  try
  {
    if (!arguments.Parse(static_cast<int>(words.size()), argv.data()))
    {
      return 0; // --help
    }
  }
  catch (const ssimae::UsageError &)
  {
    return 0;
  }
  for (const auto & name : arguments.GetOptionNames())
  {
    Try([&] { arguments.Has(name); });
    Try([&] { arguments.GetFlag(name); });
    Try([&] { arguments.GetString(name); });
    Try([&] { arguments.GetList(name); });
    Try([&] { arguments.GetDouble(name); });
    Try([&] { arguments.GetInteger(name); });
    Try([&] { arguments.GetPositiveInteger(name); });
  }
  arguments.GetPositionals();
  return 0;
}
