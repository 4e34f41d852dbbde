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
#include "itkAutoencoderModel.h"
#include "itkAutoencoderNetwork.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace itk {

namespace {
const char * const Magic = "SSIMAutoencoder model";

std::string
ArchitectureName(AutoencoderModelEnums::Architecture value)
{
  return value == AutoencoderModelEnums::Architecture::Paper ? "paper" : "torchscript";
}

std::string
LossName(AutoencoderModelEnums::Loss value)
{
  switch (value)
  {
    case AutoencoderModelEnums::Loss::SSIM:
      return "ssim";
    case AutoencoderModelEnums::Loss::L2:
      return "l2";
    case AutoencoderModelEnums::Loss::L1:
      return "l1";
    case AutoencoderModelEnums::Loss::SSIMPlusL1:
      return "ssim+l1";
  }
  return "unknown";
}

std::string
NormalizationName(AutoencoderModelEnums::Normalization value)
{
  return value == AutoencoderModelEnums::Normalization::PerImage ? "per-image" : "global";
}

// A short reason from a LibTorch error: its first line.
std::string
Reason(const std::exception & error)
{
  std::string text = error.what();
  const auto  newline = text.find('\n');
  return newline == std::string::npos ? text : text.substr(0, newline);
}

// FNV-1a over the bytes of every parameter in registration order. LibTorch's archive reader does not check the
// zip CRCs, so a flipped byte inside the weights would otherwise load silently.
int64_t
WeightsChecksum(PaperAutoencoder & network)
{
  uint64_t hash = 14695981039346656037ull;
  for (const auto & parameter : network->named_parameters())
  {
    for (const char c : parameter.key())
    {
      hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    }
    const auto        values = parameter.value().detach().contiguous();
    const auto *      bytes = static_cast<const unsigned char *>(values.data_ptr());
    const std::size_t count = static_cast<std::size_t>(values.numel()) * values.element_size();
    for (std::size_t i = 0; i < count; ++i)
    {
      hash = (hash ^ bytes[i]) * 1099511628211ull;
    }
  }
  return static_cast<int64_t>(hash);
}

void
RequireFile(const std::string & fileName, const char * what)
{
  struct stat status
  {};
  if (fileName.empty())
  {
    itkGenericExceptionMacro(<< what << ": no file name given");
  }
  if (stat(fileName.c_str(), &status) != 0)
  {
    itkGenericExceptionMacro(<< what << " '" << fileName << "' does not exist");
  }
  if (S_ISDIR(status.st_mode))
  {
    itkGenericExceptionMacro(<< what << " '" << fileName << "' is a directory");
  }
  if (status.st_size == 0)
  {
    itkGenericExceptionMacro(<< what << " '" << fileName << "' is empty");
  }
}
} // namespace

std::ostream &
operator<<(std::ostream & out, const AutoencoderModelEnums::Architecture value)
{
  return out << ArchitectureName(value);
}

std::ostream &
operator<<(std::ostream & out, const AutoencoderModelEnums::Loss value)
{
  return out << LossName(value);
}

std::ostream &
operator<<(std::ostream & out, const AutoencoderModelEnums::Normalization value)
{
  return out << NormalizationName(value);
}

void
AutoencoderModel::NormalizationRange(double imageMinimum, double imageMaximum, double & low, double & high) const
{
  if (m_IntensityNormalization == NormalizationEnum::Global)
  {
    low = m_IntensityMinimum;
    high = m_IntensityMaximum;
    return;
  }
  low = imageMinimum;
  high = imageMaximum > imageMinimum ? imageMaximum : imageMinimum + 1.0;
}

AutoencoderModel::AutoencoderModel()
    : m_Threshold(std::numeric_limits<double>::quiet_NaN()),
      m_NumberOfThreads(std::max(1u, std::thread::hardware_concurrency())), m_Network(std::make_unique<Network>())
{}

AutoencoderModel::~AutoencoderModel() = default;

void
AutoencoderModel::SetMetadataValue(const std::string & key, const std::string & value)
{
  m_Metadata[key] = value;
  this->Modified();
}

std::string
AutoencoderModel::GetMetadataValue(const std::string & key) const
{
  const auto found = m_Metadata.find(key);
  return found == m_Metadata.end() ? std::string() : found->second;
}

AutoencoderModel::Network &
AutoencoderModel::GetNetwork() const
{
  return *m_Network;
}

void
AutoencoderModel::Initialize(unsigned int seed)
{
  if (m_Architecture != ArchitectureEnum::Paper)
  {
    itkExceptionMacro("Initialize() builds the paper network; a TorchScript model comes from LoadTorchScript()");
  }
  try
  {
    torch::manual_seed(seed);
    m_Network->Script.reset();
    m_Network->Paper = PaperAutoencoder(
      static_cast<int>(m_PatchSize), static_cast<int>(m_NumberOfChannels), static_cast<int>(m_LatentSize));
  }
  catch (const std::exception & error)
  {
    itkExceptionMacro("cannot build the network (patch size " << m_PatchSize << ", " << m_NumberOfChannels
                                                              << " channels, latent size " << m_LatentSize
                                                              << "): " << Reason(error));
  }
  this->Modified();
}

bool
AutoencoderModel::IsInitialized() const
{
  return m_Network->Script != nullptr || !m_Network->Paper.is_empty();
}

std::size_t
AutoencoderModel::GetNumberOfParameters() const
{
  if (m_Network->Paper.is_empty())
  {
    return 0;
  }
  std::size_t count = 0;
  for (const auto & parameter : m_Network->Paper->parameters())
  {
    count += static_cast<std::size_t>(parameter.numel());
  }
  return count;
}

void
AutoencoderModel::Save(const std::string & fileName) const
{
  if (m_Network->Paper.is_empty())
  {
    itkExceptionMacro("cannot save to '" << fileName
                                         << "': the model holds no paper network (Initialize() or Load() first; "
                                            "TorchScript modules are saved from PyTorch)");
  }
  const std::string partial = fileName + ".partial-" + std::to_string(getpid());
  try
  {
    torch::serialize::OutputArchive archive;
    archive.write("ssimae.magic", c10::IValue(std::string(Magic)));
    archive.write("ssimae.format_version", c10::IValue(static_cast<int64_t>(FormatVersion)));
    archive.write("ssimae.architecture", c10::IValue(ArchitectureName(m_Architecture)));
    archive.write("ssimae.patch_size", c10::IValue(static_cast<int64_t>(m_PatchSize)));
    archive.write("ssimae.channels", c10::IValue(static_cast<int64_t>(m_NumberOfChannels)));
    archive.write("ssimae.latent_size", c10::IValue(static_cast<int64_t>(m_LatentSize)));
    archive.write("ssimae.loss", c10::IValue(LossName(m_Loss)));
    archive.write("ssimae.intensity_minimum", c10::IValue(m_IntensityMinimum));
    archive.write("ssimae.intensity_maximum", c10::IValue(m_IntensityMaximum));
    archive.write("ssimae.threshold", c10::IValue(m_Threshold));
    archive.write("ssimae.intensity_normalization", c10::IValue(NormalizationName(m_IntensityNormalization)));
    archive.write("ssimae.image_scale", c10::IValue(m_ImageScale));
    c10::List<std::string> keys;
    c10::List<std::string> values;
    for (const auto & entry : m_Metadata)
    {
      keys.push_back(entry.first);
      values.push_back(entry.second);
    }
    archive.write("ssimae.metadata_keys", c10::IValue(keys));
    archive.write("ssimae.metadata_values", c10::IValue(values));
    torch::serialize::OutputArchive weights;
    m_Network->Paper->save(weights);
    archive.write("network", weights);
    archive.write("ssimae.weights_checksum", c10::IValue(WeightsChecksum(m_Network->Paper)));
    archive.save_to(partial);
  }
  catch (const std::exception & error)
  {
    std::remove(partial.c_str());
    itkExceptionMacro("cannot write model file '" << fileName << "': " << Reason(error));
  }
  if (std::rename(partial.c_str(), fileName.c_str()) != 0)
  {
    const std::string problem = std::strerror(errno);
    std::remove(partial.c_str());
    itkExceptionMacro("cannot move the model into place at '" << fileName << "': " << problem);
  }
}

void
AutoencoderModel::Load(const std::string & fileName)
{
  RequireFile(fileName, "model file");
  torch::serialize::InputArchive archive;
  try
  {
    archive.load_from(fileName);
  }
  catch (const std::exception & error)
  {
    itkExceptionMacro("model file '" << fileName << "' is not a readable SSIMAutoencoder model (truncated, corrupt or "
                                     << "another format): " << Reason(error));
  }
  const auto read = [&](const char * key) {
    c10::IValue value;
    if (!archive.try_read(key, value))
    {
      itkExceptionMacro("model file '" << fileName << "' lacks '" << key << "': not an SSIMAutoencoder model");
    }
    return value;
  };
  try
  {
    if (read("ssimae.magic").toStringRef() != Magic)
    {
      itkExceptionMacro("model file '" << fileName << "' is not an SSIMAutoencoder model");
    }
    const auto version = read("ssimae.format_version").toInt();
    if (version > static_cast<int64_t>(FormatVersion) || version < 1)
    {
      itkExceptionMacro("model file '" << fileName << "' has format version " << version << "; this build reads 1 to "
                                       << FormatVersion << " (written by a newer SSIMAutoencoder?)");
    }
    if (read("ssimae.architecture").toStringRef() != "paper")
    {
      itkExceptionMacro("model file '" << fileName << "' holds an unknown architecture '"
                                       << read("ssimae.architecture").toStringRef() << "'");
    }
    const auto        patchSize = static_cast<unsigned int>(read("ssimae.patch_size").toInt());
    const auto        channels = static_cast<unsigned int>(read("ssimae.channels").toInt());
    const auto        latent = static_cast<unsigned int>(read("ssimae.latent_size").toInt());
    const std::string lossName = read("ssimae.loss").toStringRef();
    LossEnum          loss = LossEnum::SSIM;
    if (lossName == "l2")
    {
      loss = LossEnum::L2;
    }
    else if (lossName == "l1")
    {
      loss = LossEnum::L1;
    }
    else if (lossName == "ssim+l1")
    {
      loss = LossEnum::SSIMPlusL1;
    }
    else if (lossName != "ssim")
    {
      itkExceptionMacro("model file '" << fileName << "' names an unknown loss '" << lossName << "'");
    }
    const double minimum = read("ssimae.intensity_minimum").toDouble();
    const double maximum = read("ssimae.intensity_maximum").toDouble();
    const double threshold = read("ssimae.threshold").toDouble();
    // Format 1 files predate intensity normalisation modes and image scales: global range, scale 1.
    NormalizationEnum normalization = NormalizationEnum::Global;
    double            imageScale = 1.0;
    if (version >= 2)
    {
      const std::string normalizationName = read("ssimae.intensity_normalization").toStringRef();
      if (normalizationName == "per-image")
      {
        normalization = NormalizationEnum::PerImage;
      }
      else if (normalizationName != "global")
      {
        itkExceptionMacro("model file '" << fileName << "' names an unknown intensity normalisation '"
                                         << normalizationName << "'");
      }
      imageScale = read("ssimae.image_scale").toDouble();
      if (!(imageScale > 0.0) || !std::isfinite(imageScale))
      {
        itkExceptionMacro("model file '" << fileName << "' has an invalid image scale " << imageScale);
      }
    }
    MetadataType metadata;
    const auto   keys = read("ssimae.metadata_keys").toList();
    const auto   values = read("ssimae.metadata_values").toList();
    if (keys.size() != values.size())
    {
      itkExceptionMacro("model file '" << fileName << "' has inconsistent metadata");
    }
    for (std::size_t i = 0; i < keys.size(); ++i)
    {
      metadata[keys.get(i).toStringRef()] = values.get(i).toStringRef();
    }

    PaperAutoencoder network(static_cast<int>(patchSize), static_cast<int>(channels), static_cast<int>(latent));
    torch::serialize::InputArchive weights;
    if (!archive.try_read("network", weights))
    {
      itkExceptionMacro("model file '" << fileName << "' holds no network weights");
    }
    // Module::load() adopts the stored tensors whatever their shape: check them against the metadata.
    std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
    for (const auto & parameter : network->named_parameters())
    {
      shapes.emplace_back(parameter.key(), parameter.value().sizes().vec());
    }
    network->load(weights);
    network->eval();
    const auto loaded = network->named_parameters();
    for (const auto & expected : shapes)
    {
      const auto actual = loaded[expected.first].sizes();
      if (actual != torch::IntArrayRef(expected.second))
      {
        itkExceptionMacro("model file '" << fileName << "' stores " << expected.first << " with shape " << actual
                                         << ", but its metadata (patch size " << patchSize << ", " << channels
                                         << " channels, latent size " << latent << ") needs "
                                         << torch::IntArrayRef(expected.second));
      }
    }
    c10::IValue checksum;
    if (archive.try_read("ssimae.weights_checksum", checksum) && checksum.toInt() != WeightsChecksum(network))
    {
      itkExceptionMacro("model file '" << fileName << "' is corrupt: its weights do not match their checksum");
    }

    m_Architecture = ArchitectureEnum::Paper;
    m_PatchSize = patchSize;
    m_NumberOfChannels = channels;
    m_LatentSize = latent;
    m_Loss = loss;
    m_IntensityMinimum = minimum;
    m_IntensityMaximum = maximum;
    m_Threshold = threshold;
    m_IntensityNormalization = normalization;
    m_ImageScale = imageScale;
    m_Metadata = metadata;
    m_Network->Script.reset();
    m_Network->Paper = network;
  }
  catch (const ExceptionObject &)
  {
    throw;
  }
  catch (const std::exception & error)
  {
    itkExceptionMacro("model file '" << fileName << "' cannot be used: " << Reason(error));
  }
  this->Modified();
}

void
AutoencoderModel::LoadTorchScript(const std::string & fileName, unsigned int patchSize, unsigned int numberOfChannels)
{
  RequireFile(fileName, "TorchScript file");
  if (patchSize == 0 || numberOfChannels == 0)
  {
    itkExceptionMacro("LoadTorchScript('" << fileName << "'): patch size and channels must be positive");
  }
  auto module = std::make_unique<torch::jit::Module>();
  try
  {
    *module = torch::jit::load(fileName);
    module->eval();
  }
  catch (const std::exception & error)
  {
    itkExceptionMacro("'" << fileName << "' is not a loadable TorchScript module: " << Reason(error));
  }
  try
  {
    torch::NoGradGuard noGrad;
    const auto         probe = torch::zeros({ 1, numberOfChannels, patchSize, patchSize });
    const auto         output = module->forward({ probe }).toTensor();
    if (output.sizes() != probe.sizes())
    {
      itkExceptionMacro("TorchScript module '" << fileName << "' maps 1x" << numberOfChannels << "x" << patchSize << "x"
                                               << patchSize << " patches to " << output.sizes()
                                               << ", expected the same shape");
    }
  }
  catch (const ExceptionObject &)
  {
    throw;
  }
  catch (const std::exception & error)
  {
    itkExceptionMacro("TorchScript module '" << fileName << "' fails on 1x" << numberOfChannels << "x" << patchSize
                                             << "x" << patchSize << " patches: " << Reason(error));
  }
  m_Architecture = ArchitectureEnum::TorchScript;
  m_PatchSize = patchSize;
  m_NumberOfChannels = numberOfChannels;
  m_Network->Paper = nullptr;
  m_Network->Script = std::move(module);
  this->Modified();
}

void
AutoencoderModel::Reconstruct(const float * patches, std::size_t count, float * output) const
{
  if (!this->IsInitialized())
  {
    itkExceptionMacro("Reconstruct: the model is not initialised (Initialize(), Load() or LoadTorchScript())");
  }
  if (count == 0)
  {
    return;
  }
  try
  {
    if (at::get_num_threads() != static_cast<int>(m_NumberOfThreads))
    {
      at::set_num_threads(static_cast<int>(m_NumberOfThreads));
    }
    c10::InferenceMode guard;
    const auto         input = torch::from_blob(const_cast<float *>(patches),
                                        { static_cast<int64_t>(count),
                                                  static_cast<int64_t>(m_NumberOfChannels),
                                                  static_cast<int64_t>(m_PatchSize),
                                                  static_cast<int64_t>(m_PatchSize) },
                                        torch::TensorOptions().dtype(torch::kFloat));
    const auto         result = m_Network->Forward(input).contiguous();
    if (result.numel() != input.numel())
    {
      itkExceptionMacro("Reconstruct: the network returned " << result.sizes() << " for input " << input.sizes());
    }
    std::memcpy(output, result.data_ptr<float>(), sizeof(float) * static_cast<std::size_t>(result.numel()));
  }
  catch (const ExceptionObject &)
  {
    throw;
  }
  catch (const std::exception & error)
  {
    itkExceptionMacro("Reconstruct failed: " << Reason(error));
  }
}

void
AutoencoderModel::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Architecture: " << m_Architecture << std::endl;
  os << indent << "PatchSize: " << m_PatchSize << std::endl;
  os << indent << "NumberOfChannels: " << m_NumberOfChannels << std::endl;
  os << indent << "LatentSize: " << m_LatentSize << std::endl;
  os << indent << "Loss: " << m_Loss << std::endl;
  os << indent << "IntensityMinimum: " << m_IntensityMinimum << std::endl;
  os << indent << "IntensityMaximum: " << m_IntensityMaximum << std::endl;
  os << indent << "IntensityNormalization: " << m_IntensityNormalization << std::endl;
  os << indent << "ImageScale: " << m_ImageScale << std::endl;
  os << indent << "Threshold: " << m_Threshold << std::endl;
  os << indent << "NumberOfThreads: " << m_NumberOfThreads << std::endl;
  os << indent << "Initialized: " << this->IsInitialized() << std::endl;
  os << indent << "NumberOfParameters: " << this->GetNumberOfParameters() << std::endl;
  os << indent << "Metadata: " << m_Metadata.size() << " entries" << std::endl;
  for (const auto & entry : m_Metadata)
  {
    os << indent.GetNextIndent() << entry.first << ": " << entry.second << std::endl;
  }
}

} // namespace itk
