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
#include "itkAtomicFile.h"
#include "itkAutoencoderNetwork.h"
#include "itkEnumNames.h"
#include "itkZipIntegrity.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace itk {

namespace {
using ArchitectureEnum = AutoencoderModelEnums::Architecture;
using LossEnum = AutoencoderModelEnums::Loss;
using NormalizationEnum = AutoencoderModelEnums::Normalization;

constexpr EnumNames::Entry<ArchitectureEnum>  ArchitectureNames[] = { { ArchitectureEnum::Paper, "paper" },
                                                                      { ArchitectureEnum::TorchScript, "torchscript" },
                                                                      { ArchitectureEnum::Variational, "vae" } };
constexpr EnumNames::Entry<LossEnum>          LossNames[] = { { LossEnum::SSIM, "ssim" },
                                                              { LossEnum::L2, "l2" },
                                                              { LossEnum::L1, "l1" },
                                                              { LossEnum::SSIMPlusL1, "ssim+l1" },
                                                              { LossEnum::ELBO, "elbo" },
                                                              { LossEnum::FeatureMatching, "fm" } };
constexpr EnumNames::Entry<NormalizationEnum> NormalizationNames[] = { { NormalizationEnum::Global, "global" },
                                                                       { NormalizationEnum::PerImage, "per-image" } };

const char * const Magic = "SSIMAutoencoder model";
// Metadata key of a variational model's number of latent samples of the reconstruction probability.
const char * const SamplesKey = "residual.samples";

// Everything a model file holds besides the weights; each field is stored under "ssimae.<name>".
struct ModelFields
{
  ArchitectureEnum               Architecture{ ArchitectureEnum::Paper };
  unsigned int                   PatchSize{ 0 };
  unsigned int                   NumberOfChannels{ 0 };
  unsigned int                   LatentSize{ 0 };
  LossEnum                       Loss{ LossEnum::SSIM };
  double                         IntensityMinimum{ 0.0 };
  double                         IntensityMaximum{ 0.0 };
  double                         Threshold{ 0.0 };
  NormalizationEnum              IntensityNormalization{ NormalizationEnum::Global };
  double                         ImageScale{ 1.0 };
  AutoencoderModel::MetadataType Metadata;
};

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
  uint64_t hash = Fnv1aOffset;
  for (const auto & parameter : network->named_parameters())
  {
    hash = Fnv1a(hash, parameter.key().data(), parameter.key().size());
    const auto values = parameter.value().detach().contiguous();
    hash = Fnv1a(hash, values.data_ptr(), static_cast<std::size_t>(values.numel()) * values.element_size());
  }
  return static_cast<int64_t>(hash);
}

// FNV-1a over every field that changes results (sizes, loss, intensity mapping, threshold, scale, metadata) in a
// canonical text form (doubles in hexadecimal, so the checksum covers their exact bits). Stored since format 3.
int64_t
FieldsChecksum(const ModelFields & fields)
{
  std::ostringstream text;
  text << std::hexfloat << AutoencoderModelEnums::ToString(fields.Architecture) << '\n'
       << fields.PatchSize << '\n'
       << fields.NumberOfChannels << '\n'
       << fields.LatentSize << '\n'
       << AutoencoderModelEnums::ToString(fields.Loss) << '\n'
       << fields.IntensityMinimum << '\n'
       << fields.IntensityMaximum << '\n'
       << fields.Threshold << '\n'
       << AutoencoderModelEnums::ToString(fields.IntensityNormalization) << '\n'
       << fields.ImageScale << '\n';
  for (const auto & entry : fields.Metadata)
  {
    text << entry.first.size() << ':' << entry.first << entry.second.size() << ':' << entry.second << '\n';
  }
  const std::string canonical = text.str();
  return static_cast<int64_t>(Fnv1a(Fnv1aOffset, canonical.data(), canonical.size()));
}

void
RequireFile(const std::string & fileName, const char * what)
{
  if (fileName.empty())
  {
    itkGenericExceptionMacro(<< what << ": no file name given");
  }
  std::error_code error;
  const auto      status = std::filesystem::status(fileName, error);
  if (!std::filesystem::exists(status))
  {
    itkGenericExceptionMacro(<< what << " '" << fileName << "' does not exist");
  }
  if (std::filesystem::is_directory(status))
  {
    itkGenericExceptionMacro(<< what << " '" << fileName << "' is a directory");
  }
  if (!std::filesystem::is_regular_file(status))
  {
    itkGenericExceptionMacro(<< what << " '" << fileName << "' is not a regular file (a pipe, device or socket)");
  }
  const auto size = std::filesystem::file_size(fileName, error);
  if (error || size == 0)
  {
    itkGenericExceptionMacro(<< what << " '" << fileName << "' is empty");
  }
}

void
WriteFields(torch::serialize::OutputArchive & archive, const ModelFields & fields)
{
  const auto text = [](const char * value) { return c10::IValue(std::string(value)); };
  archive.write("ssimae.magic", text(Magic));
  archive.write("ssimae.format_version", c10::IValue(static_cast<int64_t>(AutoencoderModel::FormatVersion)));
  archive.write("ssimae.architecture", text(AutoencoderModelEnums::ToString(fields.Architecture)));
  archive.write("ssimae.patch_size", c10::IValue(static_cast<int64_t>(fields.PatchSize)));
  archive.write("ssimae.channels", c10::IValue(static_cast<int64_t>(fields.NumberOfChannels)));
  archive.write("ssimae.latent_size", c10::IValue(static_cast<int64_t>(fields.LatentSize)));
  archive.write("ssimae.loss", text(AutoencoderModelEnums::ToString(fields.Loss)));
  archive.write("ssimae.intensity_minimum", c10::IValue(fields.IntensityMinimum));
  archive.write("ssimae.intensity_maximum", c10::IValue(fields.IntensityMaximum));
  archive.write("ssimae.threshold", c10::IValue(fields.Threshold));
  archive.write("ssimae.intensity_normalization", text(AutoencoderModelEnums::ToString(fields.IntensityNormalization)));
  archive.write("ssimae.image_scale", c10::IValue(fields.ImageScale));
  c10::List<std::string> keys;
  c10::List<std::string> values;
  for (const auto & entry : fields.Metadata)
  {
    keys.push_back(entry.first);
    values.push_back(entry.second);
  }
  archive.write("ssimae.metadata_keys", c10::IValue(keys));
  archive.write("ssimae.metadata_values", c10::IValue(values));
  archive.write("ssimae.fields_checksum", c10::IValue(FieldsChecksum(fields)));
}

void
WriteNetwork(torch::serialize::OutputArchive & archive, PaperAutoencoder & network)
{
  torch::serialize::OutputArchive weights;
  network->save(weights);
  archive.write("network", weights);
  archive.write("ssimae.weights_checksum", c10::IValue(WeightsChecksum(network)));
}

// Fields, then weights and their checksum, as the bytes of one archive. Serialised in memory: LibTorch's file writer
// finishes the archive in a destructor and aborts the process when the disk is full; AtomicFile writes the bytes
// with every error checked. LibTorch's errors are cut to their first line.
std::string
ModelFileBytes(const ModelFields & fields, PaperAutoencoder & network)
{
  try
  {
    torch::serialize::OutputArchive archive;
    WriteFields(archive, fields);
    WriteNetwork(archive, network);
    std::ostringstream bytes;
    archive.save_to(bytes);
    return bytes.str();
  }
  catch (const std::exception & error)
  {
    throw std::runtime_error(Reason(error));
  }
}

// A problem with a model file, worded for the user; Load() raises it as an ExceptionObject.
class ModelFileProblem : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

template<typename... TParts>
[[noreturn]] void
Fail(const std::string & fileName, const TParts &... parts)
{
  std::ostringstream message;
  message << "model file '" << fileName << "' ";
  (message << ... << parts);
  throw ModelFileProblem(message.str());
}

// The bytes of a zip archive file (model, checkpoint, TorchScript) whose structure and record CRCs were checked;
// ModelFileProblem naming the file otherwise.
std::string
ReadIntactArchive(const std::string & fileName)
{
  try
  {
    return ReadIntactZipFile(fileName);
  }
  catch (const std::runtime_error & problem)
  {
    Fail(fileName, problem.what());
  }
}

// Reads a file written by AutoencoderModel::Save(), checking each field.
class ModelFileReader
{
public:
  explicit ModelFileReader(const std::string & fileName) : m_FileName(fileName)
  {
    const std::string bytes = ReadIntactArchive(fileName);
    try
    {
      m_Archive.load_from(bytes.data(), bytes.size());
    }
    catch (const std::exception & error)
    {
      Fail(fileName, "is not a readable SSIMAutoencoder model (truncated, corrupt or another format): ", Reason(error));
    }
  }

  ModelFields
  ReadFields()
  {
    if (this->Read("ssimae.magic").toStringRef() != Magic)
    {
      Fail(m_FileName, "is not an SSIMAutoencoder model");
    }
    const int64_t version = this->ReadVersion();
    ModelFields   fields;
    fields.Architecture = this->ReadArchitecture();
    fields.PatchSize = this->ReadSize("ssimae.patch_size", "patch size");
    fields.NumberOfChannels = this->ReadSize("ssimae.channels", "number of channels");
    fields.LatentSize = this->ReadSize("ssimae.latent_size", "latent size");
    fields.Loss = this->ReadEnum<LossEnum>("ssimae.loss", "loss");
    fields.IntensityMinimum = this->Read("ssimae.intensity_minimum").toDouble();
    fields.IntensityMaximum = this->Read("ssimae.intensity_maximum").toDouble();
    fields.Threshold = this->Read("ssimae.threshold").toDouble();
    // Format 1 files predate intensity normalisation modes and image scales: global range, scale 1.
    if (version >= 2)
    {
      fields.IntensityNormalization =
        this->ReadEnum<NormalizationEnum>("ssimae.intensity_normalization", "intensity normalisation");
      fields.ImageScale = this->ReadImageScale();
    }
    fields.Metadata = this->ReadMetadata();
    this->CheckSizes(fields);
    m_Version = version;
    return fields;
  }

  // Format 3 and later store a checksum of the fields; one present is checked whatever the version says.
  void
  CheckFieldsChecksum(const ModelFields & fields)
  {
    c10::IValue checksum;
    const bool  stored = m_Archive.try_read("ssimae.fields_checksum", checksum);
    if (!stored && m_Version >= 3)
    {
      Fail(m_FileName, "is corrupt: it lacks the checksum of its settings");
    }
    if (stored && (!checksum.isInt() || checksum.toInt() != FieldsChecksum(fields)))
    {
      Fail(m_FileName,
           "is corrupt: its settings (threshold, intensity range, normalisation, scale or metadata) do not match "
           "their checksum");
    }
  }

  // The network the fields describe, with the stored weights, checked against the fields and the checksum.
  PaperAutoencoder
  ReadNetwork(const ModelFields & fields)
  {
    PaperAutoencoder               network(static_cast<int>(fields.PatchSize),
                             static_cast<int>(fields.NumberOfChannels),
                             static_cast<int>(fields.LatentSize),
                             fields.Architecture == ArchitectureEnum::Variational);
    torch::serialize::InputArchive weights;
    if (!m_Archive.try_read("network", weights))
    {
      Fail(m_FileName, "holds no network weights");
    }
    // Module::load() adopts the stored tensors whatever their shape: check them against the metadata.
    std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
    for (const auto & parameter : network->named_parameters())
    {
      shapes.emplace_back(parameter.key(), parameter.value().sizes().vec());
    }
    network->load(weights);
    network->eval();
    this->CheckShapes(network, shapes, fields);
    c10::IValue checksum;
    if (m_Archive.try_read("ssimae.weights_checksum", checksum) && checksum.toInt() != WeightsChecksum(network))
    {
      Fail(m_FileName, "is corrupt: its weights do not match their checksum");
    }
    return network;
  }

private:
  // Sizes are checked before any network is built: a damaged file must not make Load() allocate gigabytes.
  void
  CheckSizes(const ModelFields & fields)
  {
    const auto patch = fields.PatchSize;
    if (patch != 32 && patch != 64 && patch != 128 && patch != 256)
    {
      Fail(m_FileName, "has patch size ", patch, "; supported are 32, 64, 128 and 256");
    }
    if (fields.NumberOfChannels < 1 || fields.NumberOfChannels > AutoencoderModel::MaximumNumberOfChannels)
    {
      Fail(m_FileName,
           "has ",
           fields.NumberOfChannels,
           " channels; 1 to ",
           AutoencoderModel::MaximumNumberOfChannels,
           " are supported");
    }
    if (fields.LatentSize < 1 || fields.LatentSize > AutoencoderModel::MaximumLatentSize)
    {
      Fail(m_FileName,
           "has latent size ",
           fields.LatentSize,
           "; 1 to ",
           AutoencoderModel::MaximumLatentSize,
           " are supported");
    }
  }

  c10::IValue
  Read(const char * key)
  {
    c10::IValue value;
    if (!m_Archive.try_read(key, value))
    {
      Fail(m_FileName, "lacks '", key, "': not an SSIMAutoencoder model");
    }
    return value;
  }

  // Sizes are stored as 64-bit integers: one beyond unsigned int is refused, not wrapped into range (2^32 + 32 would
  // otherwise read as a patch size of 32, and the settings checksum, computed on the wrapped value, would agree).
  unsigned int
  ReadSize(const char * key, const char * what)
  {
    const int64_t size = this->Read(key).toInt();
    if (size < 0 || size > static_cast<int64_t>(std::numeric_limits<unsigned int>::max()))
    {
      Fail(m_FileName, "has ", what, " ", size, ", out of range");
    }
    return static_cast<unsigned int>(size);
  }

  int64_t
  ReadVersion()
  {
    const auto version = this->Read("ssimae.format_version").toInt();
    if (version > static_cast<int64_t>(AutoencoderModel::FormatVersion) || version < 1)
    {
      Fail(m_FileName,
           "has format version ",
           version,
           "; this build reads 1 to ",
           AutoencoderModel::FormatVersion,
           " (written by a newer SSIMAutoencoder?)");
    }
    return version;
  }

  // Only the paper network and its variational form are stored in model files (TorchScript modules come from
  // PyTorch).
  ArchitectureEnum
  ReadArchitecture()
  {
    const std::string name = this->Read("ssimae.architecture").toStringRef();
    ArchitectureEnum  architecture = ArchitectureEnum::Paper;
    if (!AutoencoderModelEnums::FromString(name, architecture) || architecture == ArchitectureEnum::TorchScript)
    {
      Fail(m_FileName, "holds an unknown architecture '", name, "'");
    }
    return architecture;
  }

  template<typename TEnum>
  TEnum
  ReadEnum(const char * key, const char * what)
  {
    const std::string name = this->Read(key).toStringRef();
    TEnum             value{};
    if (!AutoencoderModelEnums::FromString(name, value))
    {
      Fail(m_FileName, "names an unknown ", what, " '", name, "'");
    }
    return value;
  }

  double
  ReadImageScale()
  {
    const double imageScale = this->Read("ssimae.image_scale").toDouble();
    if (!(imageScale > 0.0) || !std::isfinite(imageScale))
    {
      Fail(m_FileName, "has an invalid image scale ", imageScale);
    }
    return imageScale;
  }

  AutoencoderModel::MetadataType
  ReadMetadata()
  {
    const auto keys = this->Read("ssimae.metadata_keys").toList();
    const auto values = this->Read("ssimae.metadata_values").toList();
    if (keys.size() != values.size())
    {
      Fail(m_FileName, "has inconsistent metadata");
    }
    AutoencoderModel::MetadataType metadata;
    for (std::size_t i = 0; i < keys.size(); ++i)
    {
      metadata[keys.get(i).toStringRef()] = values.get(i).toStringRef();
    }
    return metadata;
  }

  void
  CheckShapes(PaperAutoencoder &                                                network,
              const std::vector<std::pair<std::string, std::vector<int64_t>>> & expected,
              const ModelFields &                                               fields)
  {
    const auto loaded = network->named_parameters();
    for (const auto & parameter : expected)
    {
      const auto actual = loaded[parameter.first].sizes();
      if (actual != torch::IntArrayRef(parameter.second))
      {
        Fail(m_FileName,
             "stores ",
             parameter.first,
             " with shape ",
             actual,
             ", but its metadata (patch size ",
             fields.PatchSize,
             ", ",
             fields.NumberOfChannels,
             " channels, latent size ",
             fields.LatentSize,
             ") needs ",
             torch::IntArrayRef(parameter.second));
      }
    }
  }

  std::string                    m_FileName;
  torch::serialize::InputArchive m_Archive;
  int64_t                        m_Version{ 0 };
};
} // namespace

const char *
AutoencoderModelEnums::ToString(Architecture value)
{
  return EnumNames::ToString(ArchitectureNames, value);
}

const char *
AutoencoderModelEnums::ToString(Loss value)
{
  return EnumNames::ToString(LossNames, value);
}

const char *
AutoencoderModelEnums::ToString(Normalization value)
{
  return EnumNames::ToString(NormalizationNames, value);
}

bool
AutoencoderModelEnums::FromString(const std::string & name, Architecture & value)
{
  return EnumNames::FromString(ArchitectureNames, name, value);
}

bool
AutoencoderModelEnums::FromString(const std::string & name, Loss & value)
{
  return EnumNames::FromString(LossNames, name, value);
}

bool
AutoencoderModelEnums::FromString(const std::string & name, Normalization & value)
{
  return EnumNames::FromString(NormalizationNames, name, value);
}

std::ostream &
operator<<(std::ostream & out, const AutoencoderModelEnums::Architecture value)
{
  return out << AutoencoderModelEnums::ToString(value);
}

std::ostream &
operator<<(std::ostream & out, const AutoencoderModelEnums::Loss value)
{
  return out << AutoencoderModelEnums::ToString(value);
}

std::ostream &
operator<<(std::ostream & out, const AutoencoderModelEnums::Normalization value)
{
  return out << AutoencoderModelEnums::ToString(value);
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
  if (m_Architecture == ArchitectureEnum::TorchScript)
  {
    itkExceptionMacro("Initialize() builds the paper network or its variational form; a TorchScript model comes from "
                      "LoadTorchScript()");
  }
  if (m_NumberOfChannels < 1 || m_NumberOfChannels > MaximumNumberOfChannels || m_LatentSize < 1 ||
      m_LatentSize > MaximumLatentSize)
  {
    itkExceptionMacro("cannot build the network: " << m_NumberOfChannels << " channels (1 to "
                                                   << MaximumNumberOfChannels << ") and latent size " << m_LatentSize
                                                   << " (1 to " << MaximumLatentSize << ") are asked for");
  }
  try
  {
    torch::manual_seed(seed);
    m_Network->Script.reset();
    m_Network->Paper = PaperAutoencoder(static_cast<int>(m_PatchSize),
                                        static_cast<int>(m_NumberOfChannels),
                                        static_cast<int>(m_LatentSize),
                                        m_Architecture == ArchitectureEnum::Variational);
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
  ModelFields fields{ m_Architecture,     m_PatchSize, m_NumberOfChannels,
                      m_LatentSize,       m_Loss,      m_IntensityMinimum,
                      m_IntensityMaximum, m_Threshold, m_IntensityNormalization,
                      m_ImageScale,       m_Metadata };
  if (m_Architecture == ArchitectureEnum::Variational)
  {
    fields.Metadata[SamplesKey] = std::to_string(m_NumberOfSamples);
  }
  try
  {
    AtomicFile::WriteText(fileName, ModelFileBytes(fields, m_Network->Paper));
  }
  catch (const ExceptionObject & error)
  {
    itkExceptionMacro("model not saved: " << error.GetDescription());
  }
}

void
AutoencoderModel::Load(const std::string & fileName)
{
  RequireFile(fileName, "model file");
  ModelFields      fields;
  PaperAutoencoder network{ nullptr };
  try
  {
    ModelFileReader reader(fileName);
    fields = reader.ReadFields();
    network = reader.ReadNetwork(fields);
    reader.CheckFieldsChecksum(fields);
  }
  catch (const ModelFileProblem & problem)
  {
    itkExceptionMacro(<< problem.what());
  }
  catch (const std::exception & error)
  {
    itkExceptionMacro("model file '" << fileName << "' cannot be used: " << Reason(error));
  }
  m_Architecture = fields.Architecture;
  m_PatchSize = fields.PatchSize;
  m_NumberOfChannels = fields.NumberOfChannels;
  m_LatentSize = fields.LatentSize;
  m_Loss = fields.Loss;
  m_IntensityMinimum = fields.IntensityMinimum;
  m_IntensityMaximum = fields.IntensityMaximum;
  m_Threshold = fields.Threshold;
  m_IntensityNormalization = fields.IntensityNormalization;
  m_ImageScale = fields.ImageScale;
  m_Metadata = fields.Metadata;
  m_NumberOfSamples = DefaultNumberOfSamples;
  if (m_Metadata.count(SamplesKey))
  {
    const auto samples = std::strtoul(m_Metadata[SamplesKey].c_str(), nullptr, 10);
    if (samples < 1 || samples > MaximumNumberOfSamples)
    {
      itkExceptionMacro("model file '" << fileName << "' asks for " << m_Metadata[SamplesKey]
                                       << " latent samples; 1 to " << MaximumNumberOfSamples << " are possible");
    }
    m_NumberOfSamples = static_cast<unsigned int>(samples);
  }
  m_Network->Script.reset();
  m_Network->Paper = network;
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
  auto        module = std::make_unique<torch::jit::Module>();
  std::string bytes;
  try
  {
    bytes = ReadIntactArchive(fileName);
  }
  catch (const ModelFileProblem & problem)
  {
    itkExceptionMacro(<< problem.what());
  }
  try
  {
    std::istringstream stream(bytes);
    *module = torch::jit::load(stream);
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

namespace {
// `count` patches of the model's shape as a tensor sharing the caller's memory; LibTorch set to the model's threads.
torch::Tensor
PatchTensor(const float * patches, std::size_t count, const AutoencoderModel & model)
{
  if (at::get_num_threads() != static_cast<int>(model.GetNumberOfThreads()))
  {
    at::set_num_threads(static_cast<int>(model.GetNumberOfThreads()));
  }
  return torch::from_blob(const_cast<float *>(patches),
                          { static_cast<int64_t>(count),
                            static_cast<int64_t>(model.GetNumberOfChannels()),
                            static_cast<int64_t>(model.GetPatchSize()),
                            static_cast<int64_t>(model.GetPatchSize()) },
                          torch::TensorOptions().dtype(torch::kFloat));
}
} // namespace

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
    c10::InferenceMode guard;
    const auto         input = PatchTensor(patches, count, *this);
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

bool
AutoencoderModel::ProvidesResidual() const
{
  return m_Architecture == ArchitectureEnum::Variational && !m_Network->Paper.is_empty();
}

void
AutoencoderModel::SetNumberOfSamples(unsigned int samples)
{
  if (samples < 1 || samples > MaximumNumberOfSamples)
  {
    itkExceptionMacro("NumberOfSamples must be between 1 and " << MaximumNumberOfSamples << ", got " << samples);
  }
  if (m_NumberOfSamples != samples)
  {
    m_NumberOfSamples = samples;
    this->Modified();
  }
}

void
AutoencoderModel::ComputeResidual(const float * patches, std::size_t count, float * output) const
{
  if (!this->ProvidesResidual())
  {
    itkExceptionMacro("ComputeResidual: the model (" << m_Architecture << ", loss " << m_Loss
                                                     << ") has no residual of its own; compare image and "
                                                        "reconstruction instead (1 - SSIM or l2)");
  }
  if (count == 0)
  {
    return;
  }
  try
  {
    c10::InferenceMode guard;
    const auto         n = static_cast<int64_t>(count);
    const auto         input = PatchTensor(patches, count, *this);
    // The noise of each patch comes from a generator seeded with the patch's own bytes: a patch gets the same
    // residual in any batch, in any order, on any thread (streamed and whole-image runs agree).
    const auto samples = torch::empty({ static_cast<int64_t>(m_NumberOfSamples), n, static_cast<int64_t>(m_LatentSize), 1, 1 });
    const std::size_t patchValues = static_cast<std::size_t>(m_NumberOfChannels) * m_PatchSize * m_PatchSize;
    for (int64_t i = 0; i < n; ++i)
    {
      auto generator =
        at::detail::createCPUGenerator(Fnv1a(Fnv1aOffset, patches + i * patchValues, patchValues * sizeof(float)));
      samples.select(1, i).copy_(at::randn({ samples.size(0), samples.size(2), 1, 1 }, generator));
    }
    const auto result = m_Network->Paper->ReconstructionNegativeLogLikelihood(input, samples).contiguous();
    std::memcpy(output, result.data_ptr<float>(), sizeof(float) * static_cast<std::size_t>(result.numel()));
  }
  catch (const std::exception & error)
  {
    itkExceptionMacro("ComputeResidual failed: " << Reason(error));
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
  os << indent << "NumberOfSamples: " << m_NumberOfSamples << std::endl;
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
