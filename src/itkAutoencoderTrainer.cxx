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
#include "itkAutoencoderTrainer.h"
#include "itkAtomicFile.h"
#include "itkAutoencoderNetwork.h"
#include "itkEnumNames.h"
#include "itkImageFileReader.h"
#include "itkImageGrid.h"
#include "itkSSIMKernel.h"
#include "itkZipIntegrity.h"

#include <itksys/SystemInformation.hxx>

#include <ATen/autocast_mode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <iomanip>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace itk {

namespace {
using AugmentationEnum = AutoencoderTrainerEnums::Augmentation;

constexpr EnumNames::Entry<AugmentationEnum> AugmentationNames[] = { { AugmentationEnum::None, "none" },
                                                                     { AugmentationEnum::Flip, "flip" },
                                                                     { AugmentationEnum::FlipRotate90, "flip+rot90" },
                                                                     { AugmentationEnum::SmallRotation, "rotate" } };

std::string
Reason(const std::exception & error)
{
  std::string text = error.what();
  const auto  newline = text.find('\n');
  return newline == std::string::npos ? text : text.substr(0, newline);
}

// A training or validation image as normalised floats on the model's grid, mirrored up to at least the patch size.
struct TrainingImage
{
  std::vector<float> Pixels;
  std::size_t        Width;
  std::size_t        Height;
};

struct PatchPosition
{
  std::size_t  Image;
  std::size_t  X;
  std::size_t  Y;
  unsigned int Rotation; // multiples of 90 degrees, after the flip
  bool         Flip;     // mirror along x
  double       Angle;    // further rotation in radians (SmallRotation)
};

TrainingImage
PrepareImage(const Image<float, 2> & image, const AutoencoderModel & model, std::size_t patch)
{
  const auto    size = image.GetLargestPossibleRegion().GetSize();
  const float * buffer = image.GetBufferPointer();
  const auto    count = static_cast<std::size_t>(size[0] * size[1]);
  double        low = std::numeric_limits<double>::max();
  double        high = std::numeric_limits<double>::lowest();
  for (std::size_t i = 0; i < count; ++i)
  {
    if (std::isnan(buffer[i]))
    {
      throw std::invalid_argument("contains NaN at (" + std::to_string(i % size[0]) + ", " +
                                  std::to_string(i / size[0]) + ")");
    }
    low = std::min(low, static_cast<double>(buffer[i]));
    high = std::max(high, static_cast<double>(buffer[i]));
  }
  double minimum = 0.0, maximum = 1.0;
  model.NormalizationRange(low, high, minimum, maximum);
  const double range = maximum - minimum;

  ImageGrid::SizesType from{ size[0], size[1] };
  ImageGrid::SizesType to{ ImageGrid::ScaledSize(size[0], model.GetImageScale()),
                           ImageGrid::ScaledSize(size[1], model.GetImageScale()) };
  const auto           scaled = ImageGrid::Resample(buffer, from, to);

  TrainingImage copy;
  copy.Width = std::max(to[0], patch);
  copy.Height = std::max(to[1], patch);
  copy.Pixels.resize(copy.Width * copy.Height);
  for (std::size_t y = 0; y < copy.Height; ++y)
  {
    const auto sy = static_cast<std::size_t>(SSIMKernel::MirrorIndex(static_cast<long long>(y), to[1]));
    for (std::size_t x = 0; x < copy.Width; ++x)
    {
      const auto sx = static_cast<std::size_t>(SSIMKernel::MirrorIndex(static_cast<long long>(x), to[0]));
      copy.Pixels[y * copy.Width + x] = static_cast<float>((scaled[sy * to[0] + sx] - minimum) / range);
    }
  }
  return copy;
}

// Draws patch positions and fills batches from a set of prepared images.
class PatchSampler
{
public:
  PatchSampler(std::vector<TrainingImage> images, std::size_t patch) : m_Images(std::move(images)), m_Patch(patch)
  {
    for (const auto & image : m_Images)
    {
      m_Weights.push_back(static_cast<double>((image.Width - patch + 1) * (image.Height - patch + 1)));
    }
  }

  std::vector<PatchPosition>
  Draw(std::mt19937_64 & random, std::size_t count, AugmentationEnum augmentation, double maximumAngle) const
  {
    std::discrete_distribution<std::size_t> pick(m_Weights.begin(), m_Weights.end());
    std::vector<PatchPosition>              positions(count);
    for (auto & position : positions)
    {
      position.Image = pick(random);
      const auto & image = m_Images[position.Image];
      position.X = std::uniform_int_distribution<std::size_t>(0, image.Width - m_Patch)(random);
      position.Y = std::uniform_int_distribution<std::size_t>(0, image.Height - m_Patch)(random);
      position.Rotation = 0;
      position.Flip = false;
      position.Angle = 0.0;
      if (augmentation == AugmentationEnum::FlipRotate90)
      {
        position.Rotation = static_cast<unsigned int>(random() % 4);
        position.Flip = (random() % 2) == 1;
      }
      else if (augmentation == AugmentationEnum::Flip || augmentation == AugmentationEnum::SmallRotation)
      {
        // Mirror along x, along y (= mirror along x and a half turn), both (a half turn) or neither.
        position.Rotation = 2 * static_cast<unsigned int>(random() % 2);
        position.Flip = (random() % 2) == 1;
        if (augmentation == AugmentationEnum::SmallRotation)
        {
          const double radians = maximumAngle * 3.14159265358979323846 / 180.0;
          position.Angle = std::uniform_real_distribution<double>(-radians, radians)(random);
        }
      }
    }
    return positions;
  }

  torch::Tensor
  Fill(const std::vector<PatchPosition> & positions, std::size_t first, std::size_t count) const
  {
    const auto size = static_cast<int64_t>(m_Patch);
    auto       batch = torch::empty({ static_cast<int64_t>(count), 1, size, size });
    float *    out = batch.data_ptr<float>();
    for (std::size_t n = 0; n < count; ++n)
    {
      const auto & position = positions[first + n];
      float *      destination = out + n * m_Patch * m_Patch;
      if (position.Angle == 0.0)
      {
        this->FillExact(position, destination);
      }
      else
      {
        this->FillRotated(position, destination);
      }
    }
    return batch;
  }

private:
  // Flip and quarter turns map pixels onto pixels.
  void
  FillExact(const PatchPosition & position, float * out) const
  {
    const auto & image = m_Images[position.Image];
    for (std::size_t y = 0; y < m_Patch; ++y)
    {
      for (std::size_t x = 0; x < m_Patch; ++x)
      {
        std::size_t u = position.Flip ? m_Patch - 1 - x : x;
        std::size_t v = y;
        for (unsigned int r = 0; r < position.Rotation; ++r)
        {
          const std::size_t t = u;
          u = m_Patch - 1 - v;
          v = t;
        }
        out[y * m_Patch + x] = image.Pixels[(position.Y + v) * image.Width + position.X + u];
      }
    }
  }

  // Small rotations about the patch centre, bilinear, mirrored where the rotated patch leaves the image.
  void
  FillRotated(const PatchPosition & position, float * out) const
  {
    const auto & image = m_Images[position.Image];
    const double centre = 0.5 * static_cast<double>(m_Patch - 1);
    const double c = std::cos(position.Angle);
    const double s = std::sin(position.Angle);
    const auto   sample = [&](long long x, long long y) {
      const auto sx = SSIMKernel::MirrorIndex(x, static_cast<long long>(image.Width));
      const auto sy = SSIMKernel::MirrorIndex(y, static_cast<long long>(image.Height));
      return static_cast<double>(
        image.Pixels[static_cast<std::size_t>(sy) * image.Width + static_cast<std::size_t>(sx)]);
    };
    for (std::size_t y = 0; y < m_Patch; ++y)
    {
      for (std::size_t x = 0; x < m_Patch; ++x)
      {
        double dx = (position.Flip ? -1.0 : 1.0) * (static_cast<double>(x) - centre);
        double dy = static_cast<double>(y) - centre;
        if (position.Rotation == 2)
        {
          dx = -dx;
          dy = -dy;
        }
        const double u = static_cast<double>(position.X) + centre + c * dx - s * dy;
        const double v = static_cast<double>(position.Y) + centre + s * dx + c * dy;
        const double fu = std::floor(u);
        const double fv = std::floor(v);
        const double a = u - fu;
        const double b = v - fv;
        const auto   iu = static_cast<long long>(fu);
        const auto   iv = static_cast<long long>(fv);
        const double top = (1.0 - a) * sample(iu, iv) + a * sample(iu + 1, iv);
        const double bottom = (1.0 - a) * sample(iu, iv + 1) + a * sample(iu + 1, iv + 1);
        out[y * m_Patch + x] = static_cast<float>((1.0 - b) * top + b * bottom);
      }
    }
  }

  std::vector<TrainingImage> m_Images;
  std::vector<double>        m_Weights;
  std::size_t                m_Patch;
};

const char * const LogHeader = "epoch,patches_seen,training_loss,validation_loss,seconds\n";

// Where the epoch loop stands, with the early-stopping state: written to and read from the checkpoint.
struct LoopState
{
  unsigned int CompletedEpochs{ 0 };
  double       Best{ std::numeric_limits<double>::infinity() };
  unsigned int BestEpoch{ 0 };
  unsigned int SinceImprovement{ 0 };
  double       Seconds{ 0.0 };
  std::string  Log{ LogHeader };
  std::string  BestWeights; // the network's weights after epoch BestEpoch, as SaveWeights() gives them
};

std::string
LogRow(unsigned int epoch, unsigned long long patchesSeen, double trainingLoss, double validationLoss, double seconds)
{
  std::ostringstream row;
  row.precision(8);
  row << epoch << ',' << patchesSeen << ',' << trainingLoss << ',' << validationLoss << ',' << std::fixed
      << std::setprecision(1) << seconds << '\n';
  return row.str();
}

// The network's weights as an archive held in memory.
std::string
SaveWeights(PaperAutoencoder & network)
{
  torch::serialize::OutputArchive archive;
  network->save(archive);
  std::ostringstream buffer;
  archive.save_to(buffer);
  return buffer.str();
}

void
LoadWeights(PaperAutoencoder & network, const std::string & weights)
{
  std::istringstream             input(weights);
  torch::serialize::InputArchive archive;
  archive.load_from(input);
  network->load(archive);
}

c10::IValue
ReadValue(torch::serialize::InputArchive & archive, const char * key)
{
  c10::IValue value;
  archive.read(key, value);
  return value;
}

void
WriteLoopState(torch::serialize::OutputArchive & archive, const LoopState & loop)
{
  archive.write("best_network", c10::IValue(loop.BestWeights));
  archive.write("epoch", c10::IValue(static_cast<int64_t>(loop.CompletedEpochs)));
  archive.write("best_loss", c10::IValue(loop.Best));
  archive.write("best_epoch", c10::IValue(static_cast<int64_t>(loop.BestEpoch)));
  archive.write("since_improvement", c10::IValue(static_cast<int64_t>(loop.SinceImprovement)));
  archive.write("seconds", c10::IValue(loop.Seconds));
  archive.write("log", c10::IValue(loop.Log));
}

LoopState
ReadLoopState(torch::serialize::InputArchive & archive)
{
  LoopState loop;
  loop.BestWeights = ReadValue(archive, "best_network").toStringRef();
  loop.CompletedEpochs = static_cast<unsigned int>(ReadValue(archive, "epoch").toInt());
  loop.Best = ReadValue(archive, "best_loss").toDouble();
  loop.BestEpoch = static_cast<unsigned int>(ReadValue(archive, "best_epoch").toInt());
  loop.SinceImprovement = static_cast<unsigned int>(ReadValue(archive, "since_improvement").toInt());
  loop.Seconds = ReadValue(archive, "seconds").toDouble();
  loop.Log = ReadValue(archive, "log").toStringRef();
  return loop;
}

// FNV-1a, continued from `hash`, over `text` preceded by its length (so that field boundaries count); no copy of the
// text, which may be megabytes of serialised weights.
uint64_t
HashField(uint64_t hash, const std::string & text)
{
  const std::string length = std::to_string(text.size()) + ':';
  return Fnv1a(Fnv1a(hash, length.data(), length.size()), text.data(), text.size());
}

// Checksum over everything a checkpoint restores: settings, network and optimizer state (serialised) and the loop
// state (doubles in hexadecimal, so their exact bits count). LibTorch's archive reader does not check the zip CRCs.
int64_t
CheckpointChecksum(const std::string & settings,
                   const std::string & network,
                   const std::string & optimizer,
                   const LoopState &   loop)
{
  std::ostringstream numbers;
  numbers << std::hexfloat << loop.CompletedEpochs << ' ' << loop.Best << ' ' << loop.BestEpoch << ' '
          << loop.SinceImprovement << ' ' << loop.Seconds;
  uint64_t hash = Fnv1aOffset;
  for (const std::string * field : { &settings, &network, &optimizer, &loop.BestWeights, &loop.Log })
  {
    hash = HashField(hash, *field);
  }
  return static_cast<int64_t>(HashField(hash, numbers.str()));
}

constexpr int64_t CheckpointFormat = 2;

// A checkpoint (format 2) holds the run's settings text (a resumed run must have the same), the network and the
// optimizer state (each a serialised archive), the loop state and a checksum over all of them; serialised in memory
// (LibTorch's file writer aborts the process when the disk is full), written by AtomicFile. LibTorch's errors are
// cut to their first line.
std::string
CheckpointBytes(const std::string &  settings,
                    PaperAutoencoder &   network,
                    torch::optim::Adam & optimizer,
                    const LoopState &    loop)
{
  try
  {
    const std::string               weights = SaveWeights(network);
    torch::serialize::OutputArchive optimizerState;
    optimizer.save(optimizerState);
    std::ostringstream optimizerBytes;
    optimizerState.save_to(optimizerBytes);
    torch::serialize::OutputArchive archive;
    archive.write("format", c10::IValue(CheckpointFormat));
    archive.write("settings", c10::IValue(settings));
    archive.write("network_bytes", c10::IValue(weights));
    archive.write("optimizer_bytes", c10::IValue(optimizerBytes.str()));
    WriteLoopState(archive, loop);
    archive.write("checksum", c10::IValue(CheckpointChecksum(settings, weights, optimizerBytes.str(), loop)));
    std::ostringstream bytes;
    archive.save_to(bytes);
    return bytes.str();
  }
  catch (const std::exception & error)
  {
    throw std::runtime_error(Reason(error));
  }
}

// What a checkpoint file holds, its checksum verified before anything is restored.
struct CheckpointContents
{
  std::string Settings;
  std::string Network;
  std::string Optimizer;
  LoopState   Loop;
};

CheckpointContents
ReadCheckpointFile(const std::string & path)
{
  std::string bytes;
  try
  {
    bytes = ReadIntactZipFile(path);
  }
  catch (const std::runtime_error & problem)
  {
    throw std::runtime_error(std::string("it ") + problem.what());
  }
  torch::serialize::InputArchive archive;
  archive.load_from(bytes.data(), bytes.size());
  c10::IValue format;
  if (!archive.try_read("format", format) || !format.isInt() || format.toInt() != CheckpointFormat)
  {
    throw std::runtime_error("it is not a checkpoint of format " + std::to_string(CheckpointFormat) +
                             " with a checksum (an older version wrote it, or it is corrupt); delete it to start "
                             "afresh");
  }
  CheckpointContents contents;
  contents.Settings = ReadValue(archive, "settings").toStringRef();
  contents.Network = ReadValue(archive, "network_bytes").toStringRef();
  contents.Optimizer = ReadValue(archive, "optimizer_bytes").toStringRef();
  contents.Loop = ReadLoopState(archive);
  const auto checksum = ReadValue(archive, "checksum");
  if (!checksum.isInt() ||
      checksum.toInt() != CheckpointChecksum(contents.Settings, contents.Network, contents.Optimizer, contents.Loop))
  {
    throw std::runtime_error("it is corrupt: its contents do not match their checksum");
  }
  return contents;
}

void
RestoreCheckpoint(const CheckpointContents & contents,
                  PaperAutoencoder &         network,
                  torch::optim::Adam &       optimizer,
                  LoopState &                loop)
{
  LoadWeights(network, contents.Network);
  std::istringstream             optimizerBytes(contents.Optimizer);
  torch::serialize::InputArchive optimizerState;
  optimizerState.load_from(optimizerBytes);
  optimizer.load(optimizerState);
  loop = contents.Loop;
}

// What a training or validation loss needs besides the network and the batch.
struct LossInputs
{
  AutoencoderModelEnums::Loss Loss;
  torch::jit::Module *        Features; // feature-matching loss only
  double                      FeatureWeight;
  uint64_t                    NoiseSeed; // latent noise of the variational network
};

// The decoder's log-variance for the ELBO: in training the batch's optimal one, log(mean squared error), which also
// updates the network's running average; in validation the running average.
torch::Tensor
PixelLogVariance(PaperAutoencoder & network, const torch::Tensor & reconstruction, const torch::Tensor & batch)
{
  return torch::GradMode::is_enabled() ? network->FitPixelVariance(reconstruction, batch) : network->PixelLogVariance();
}

// The loss of `batch`: the reconstruction loss, the feature-matching loss, or (variational network) the negative
// ELBO with latent noise drawn from NoiseSeed. With mixed precision the forward pass runs under CPU autocast to
// bfloat16 and the loss in float.
torch::Tensor
ForwardLoss(PaperAutoencoder & network, const torch::Tensor & batch, const LossInputs & inputs, bool mixed)
{
  if (mixed)
  {
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  }
  std::vector<torch::Tensor> outputs;
  if (network->IsVariational())
  {
    auto       generator = at::detail::createCPUGenerator(inputs.NoiseSeed);
    const auto noise = at::randn({ batch.size(0), network->LatentSize(), 1, 1 }, generator, batch.options());
    outputs = network->VariationalForward(batch, noise);
  }
  else
  {
    outputs = { network->forward(batch) };
  }
  torch::Tensor features;
  torch::Tensor featureTarget;
  if (inputs.Loss == AutoencoderModelEnums::Loss::FeatureMatching)
  {
    featureTarget = inputs.Features->forward({ batch }).toTensor();
    features = inputs.Features->forward({ outputs[0] }).toTensor();
  }
  if (mixed)
  {
    at::autocast::set_cpu_enabled(false);
    at::autocast::clear_cache();
  }
  for (auto & output : outputs)
  {
    output = output.to(torch::kFloat);
  }
  switch (inputs.Loss)
  {
    case AutoencoderModelEnums::Loss::ELBO:
      return VariationalLoss(outputs[0], batch, outputs[1], outputs[2], PixelLogVariance(network, outputs[0], batch));
    case AutoencoderModelEnums::Loss::FeatureMatching:
      return FeatureMatchingLoss(
        outputs[0], batch, features.to(torch::kFloat), featureTarget.to(torch::kFloat), inputs.FeatureWeight);
    default:
      return ReconstructionLoss(outputs[0], batch, inputs.Loss);
  }
}
} // namespace

const char *
AutoencoderTrainerEnums::ToString(Augmentation value)
{
  return EnumNames::ToString(AugmentationNames, value);
}

bool
AutoencoderTrainerEnums::FromString(const std::string & name, Augmentation & value)
{
  return EnumNames::FromString(AugmentationNames, name, value);
}

std::ostream &
operator<<(std::ostream & out, const AutoencoderTrainerEnums::Augmentation value)
{
  return out << AutoencoderTrainerEnums::ToString(value);
}

struct AutoencoderTrainer::State
{
  std::vector<ImageType::ConstPointer> Images;
  std::vector<ImageType::ConstPointer> ValidationImages;
};

// The LibTorch side of one Train() or Resume() run.
struct AutoencoderTrainer::Session
{
  std::unique_ptr<PatchSampler>       Training;
  std::unique_ptr<PatchSampler>       HeldOut; // null without validation images
  std::vector<PatchPosition>          Validation;
  std::vector<PatchPosition>          Positions; // of the current epoch
  PaperAutoencoder                    Network{ nullptr };
  std::unique_ptr<torch::jit::Module> Features; // feature-matching loss only
  std::unique_ptr<torch::optim::Adam> Optimizer;
  std::string                         Settings;
  LoopState                           Loop;

  const PatchSampler &
  ValidationSampler() const
  {
    return HeldOut ? *HeldOut : *Training;
  }
};

AutoencoderTrainer::AutoencoderTrainer()
    : m_State(std::make_unique<State>()), m_NumberOfThreads(std::max(1u, std::thread::hardware_concurrency()))
{}

AutoencoderTrainer::~AutoencoderTrainer() = default;

namespace {
AutoencoderTrainer::ImageType::Pointer
ReadTrainingImage(const std::string & fileName, const char * kind)
{
  std::error_code error;
  const auto      status = std::filesystem::status(fileName, error);
  if (!std::filesystem::exists(status))
  {
    throw std::runtime_error(std::string(kind) + " '" + fileName + "' does not exist");
  }
  if (!std::filesystem::is_regular_file(status))
  {
    throw std::runtime_error(std::string(kind) + " '" + fileName + "' is not a regular file");
  }
  const auto size = std::filesystem::file_size(fileName, error);
  if (size == 0)
  {
    throw std::runtime_error(std::string(kind) + " '" + fileName + "' is empty");
  }
  try
  {
    return ReadImage<AutoencoderTrainer::ImageType>(fileName);
  }
  catch (const ExceptionObject & failure)
  {
    throw std::runtime_error(std::string(kind) + " '" + fileName + "' cannot be read: " + failure.GetDescription());
  }
}

void
CheckImage(const AutoencoderTrainer::ImageType * image, const char * what)
{
  if (image == nullptr)
  {
    throw std::invalid_argument(std::string(what) + ": null image");
  }
  if (image->GetLargestPossibleRegion().GetNumberOfPixels() == 0)
  {
    throw std::invalid_argument(std::string(what) + ": the image has no pixels");
  }
}
} // namespace

void
AutoencoderTrainer::AddImage(const ImageType * image)
{
  this->AddTo(m_State->Images, image, "AddImage");
}

void
AutoencoderTrainer::AddImageFile(const std::string & fileName)
{
  this->AddFileTo(m_State->Images, fileName, "training image");
}

void
AutoencoderTrainer::ClearImages()
{
  m_State->Images.clear();
  this->Modified();
}

std::size_t
AutoencoderTrainer::GetNumberOfImages() const
{
  return m_State->Images.size();
}

void
AutoencoderTrainer::AddValidationImage(const ImageType * image)
{
  this->AddTo(m_State->ValidationImages, image, "AddValidationImage");
}

void
AutoencoderTrainer::AddValidationImageFile(const std::string & fileName)
{
  this->AddFileTo(m_State->ValidationImages, fileName, "validation image");
}

void
AutoencoderTrainer::AddTo(std::vector<ImageType::ConstPointer> & list, const ImageType * image, const char * what)
{
  try
  {
    CheckImage(image, what);
  }
  catch (const std::exception & error)
  {
    itkExceptionMacro(<< error.what());
  }
  list.push_back(image);
  this->Modified();
}

void
AutoencoderTrainer::AddFileTo(std::vector<ImageType::ConstPointer> & list,
                              const std::string &                    fileName,
                              const char *                           kind)
{
  ImageType::Pointer image;
  try
  {
    image = ReadTrainingImage(fileName, kind);
  }
  catch (const std::exception & error)
  {
    itkExceptionMacro(<< error.what());
  }
  this->AddTo(list, image, kind);
}

void
AutoencoderTrainer::ClearValidationImages()
{
  m_State->ValidationImages.clear();
  this->Modified();
}

std::size_t
AutoencoderTrainer::GetNumberOfValidationImages() const
{
  return m_State->ValidationImages.size();
}

void
AutoencoderTrainer::Train()
{
  this->Run(false);
}

void
AutoencoderTrainer::Resume()
{
  this->Run(true);
}

void
AutoencoderTrainer::VerifySettings() const
{
  if (!m_Model)
  {
    itkExceptionMacro("no model to train (SetModel)");
  }
  if (m_Model->GetArchitecture() == AutoencoderModel::ArchitectureEnum::TorchScript)
  {
    itkExceptionMacro("only the paper network and its variational form can be trained here; TorchScript models are "
                      "trained in PyTorch");
  }
  this->VerifyLoss();
  if (m_State->Images.empty())
  {
    itkExceptionMacro("no training images (AddImage / AddImageFile)");
  }
  if (m_BatchSize == 0 || m_NumberOfPatchesPerEpoch == 0 || m_NumberOfEpochs == 0)
  {
    itkExceptionMacro("BatchSize (" << m_BatchSize << "), NumberOfPatchesPerEpoch (" << m_NumberOfPatchesPerEpoch
                                    << ") and NumberOfEpochs (" << m_NumberOfEpochs << ") must be positive");
  }
  // The patch positions of an epoch and of the validation set are drawn up front: refuse counts whose positions
  // alone would not fit in this machine's memory, before allocating them.
  const double positionBytes = static_cast<double>(sizeof(PatchPosition)) *
                               static_cast<double>(m_NumberOfPatchesPerEpoch) * (1.0 + m_ValidationFraction);
  itksys::SystemInformation system;
  system.RunMemoryCheck();
  const double              physicalBytes = static_cast<double>(system.GetTotalPhysicalMemory()) * 1048576.0;
  if (physicalBytes > 0.0 && positionBytes > physicalBytes)
  {
    itkExceptionMacro("NumberOfPatchesPerEpoch " << m_NumberOfPatchesPerEpoch << " needs " << positionBytes / 1073741824.0
                                                 << " GiB for the patch positions alone, more than the "
                                                 << physicalBytes / 1073741824.0 << " GiB of memory of this machine");
  }
  if (!(m_LearningRate > 0.0) || !(m_WeightDecay >= 0.0) ||
      !(m_ValidationFraction >= 0.0 && m_ValidationFraction < 1.0))
  {
    itkExceptionMacro("invalid optimiser settings: learning rate " << m_LearningRate << ", weight decay "
                                                                   << m_WeightDecay << ", validation fraction "
                                                                   << m_ValidationFraction);
  }
  if (!m_State->ValidationImages.empty() && !(m_ValidationFraction > 0.0))
  {
    itkExceptionMacro("validation images are given but ValidationFraction is 0: no validation patches");
  }
  if (m_Model->GetNumberOfChannels() != 1)
  {
    itkExceptionMacro("the trainer reads grey images; the model has " << m_Model->GetNumberOfChannels() << " channels");
  }
  if (!(m_Model->GetImageScale() > 0.0) || !std::isfinite(m_Model->GetImageScale()))
  {
    itkExceptionMacro("the model's image scale must be positive, got " << m_Model->GetImageScale());
  }
  if (!(m_MaximumRotationAngle >= 0.0 && m_MaximumRotationAngle <= 180.0))
  {
    itkExceptionMacro("MaximumRotationAngle must be between 0 and 180 degrees, got " << m_MaximumRotationAngle);
  }
}

void
AutoencoderTrainer::VerifyLoss() const
{
  const bool variational = m_Model->GetArchitecture() == AutoencoderModel::ArchitectureEnum::Variational;
  const auto loss = m_Model->GetLoss();
  if (variational != (loss == AutoencoderModelEnums::Loss::ELBO))
  {
    itkExceptionMacro(<< (variational ? "the variational network (vae) is trained with the ELBO loss ('elbo'), not '" +
                                          std::string(AutoencoderModelEnums::ToString(loss)) + "'"
                                      : std::string("the ELBO loss needs the variational network (vae)")));
  }
  const bool featureMatching = loss == AutoencoderModelEnums::Loss::FeatureMatching;
  if (featureMatching && m_FeatureExtractorFile.empty())
  {
    itkExceptionMacro("the feature-matching loss ('fm') needs a TorchScript feature extractor (FeatureExtractorFile)");
  }
  if (!featureMatching && !m_FeatureExtractorFile.empty())
  {
    itkExceptionMacro("a feature extractor ('" << m_FeatureExtractorFile << "') is given, but the loss is '"
                                               << AutoencoderModelEnums::ToString(loss)
                                               << "'; features are used by the feature-matching loss ('fm') only");
  }
  if (!(m_FeatureWeight >= 0.0) || !std::isfinite(m_FeatureWeight))
  {
    itkExceptionMacro("FeatureWeight must be a finite number >= 0, got " << m_FeatureWeight);
  }
}

std::string
AutoencoderTrainer::SettingsText() const
{
  std::ostringstream settings;
  settings << "patch=" << m_Model->GetPatchSize() << " latent=" << m_Model->GetLatentSize()
           << " loss=" << AutoencoderModelEnums::ToString(m_Model->GetLoss()) << " seed=" << m_Seed
           << " patches=" << m_NumberOfPatchesPerEpoch << " batch=" << m_BatchSize << " lr=" << m_LearningRate
           << " wd=" << m_WeightDecay << " augmentation=" << AutoencoderTrainerEnums::ToString(m_Augmentation);
  if (m_Augmentation == AugmentationEnum::SmallRotation)
  {
    settings << " max_angle=" << m_MaximumRotationAngle;
  }
  settings << " scale=" << m_Model->GetImageScale()
           << " normalization=" << AutoencoderModelEnums::ToString(m_Model->GetIntensityNormalization())
           << " images=" << m_State->Images.size() << " validation_images=" << m_State->ValidationImages.size()
           << " validation_fraction=" << m_ValidationFraction << " mixed_precision=" << (m_MixedPrecision ? 1 : 0);
  if (m_Model->GetArchitecture() == AutoencoderModel::ArchitectureEnum::Variational)
  {
    settings << " architecture=vae";
  }
  if (m_Model->GetLoss() == AutoencoderModelEnums::Loss::FeatureMatching)
  {
    settings << " features=" << m_FeatureExtractorFile << " fm_weight=" << m_FeatureWeight;
  }
  return settings.str();
}

void
AutoencoderTrainer::SetIntensityRange()
{
  if (!m_AutomaticIntensityRange)
  {
    return;
  }
  float low = std::numeric_limits<float>::max();
  float high = std::numeric_limits<float>::lowest();
  for (const auto & image : m_State->Images)
  {
    const float * buffer = image->GetBufferPointer();
    const auto    count = image->GetLargestPossibleRegion().GetNumberOfPixels();
    for (std::size_t i = 0; i < count; ++i)
    {
      low = std::min(low, buffer[i]);
      high = std::max(high, buffer[i]);
    }
  }
  m_Model->SetIntensityMinimum(low);
  m_Model->SetIntensityMaximum(high > low ? high : low + 1.0f);
}

void
AutoencoderTrainer::CheckIntensityRange() const
{
  if (m_Model->GetIntensityNormalization() == AutoencoderModel::NormalizationEnum::Global &&
      !(m_Model->GetIntensityMaximum() > m_Model->GetIntensityMinimum()))
  {
    itkExceptionMacro("the model's intensity range [" << m_Model->GetIntensityMinimum() << ", "
                                                      << m_Model->GetIntensityMaximum() << "] is empty");
  }
}

void
AutoencoderTrainer::Run(bool resume)
{
  this->VerifySettings();
  this->SetIntensityRange();
  this->CheckIntensityRange();
  Session session;
  this->PrepareSamplers(session);
  this->PrepareNetwork(session);
  if (resume)
  {
    this->ReadCheckpoint(session);
  }
  this->TrainEpochs(session);
  this->FinishSession(session);
}

void
AutoencoderTrainer::PrepareSamplers(Session & session)
{
  const std::size_t patch = m_Model->GetPatchSize();
  const auto        prepare = [&](const std::vector<ImageType::ConstPointer> & list, const char * kind) {
    std::vector<TrainingImage> images;
    for (std::size_t index = 0; index < list.size(); ++index)
    {
      try
      {
        images.push_back(PrepareImage(*list[index], *m_Model, patch));
      }
      catch (const std::exception & error)
      {
        itkExceptionMacro(<< kind << " " << index << " " << error.what());
      }
    }
    return images;
  };
  session.Training = std::make_unique<PatchSampler>(prepare(m_State->Images, "training image"), patch);
  if (!m_State->ValidationImages.empty())
  {
    session.HeldOut = std::make_unique<PatchSampler>(prepare(m_State->ValidationImages, "validation image"), patch);
  }
  const auto validationCount =
    static_cast<std::size_t>(std::llround(m_ValidationFraction * static_cast<double>(m_NumberOfPatchesPerEpoch)));
  std::mt19937_64 validationRandom(m_Seed * 0x9E3779B97F4A7C15ull + 1);
  session.Validation = session.ValidationSampler().Draw(validationRandom, validationCount, AugmentationEnum::None, 0.0);
}

void
AutoencoderTrainer::PrepareNetwork(Session & session)
{
  at::set_num_threads(static_cast<int>(m_NumberOfThreads));
  m_Model->Initialize(m_Seed);
  session.Network = m_Model->GetNetwork().Paper;
  session.Network->train();
  if (m_Model->GetLoss() == AutoencoderModelEnums::Loss::FeatureMatching)
  {
    this->LoadFeatureExtractor(session);
  }
  session.Optimizer = std::make_unique<torch::optim::Adam>(
    session.Network->parameters(), torch::optim::AdamOptions(m_LearningRate).weight_decay(m_WeightDecay));
  session.Loop.BestWeights = SaveWeights(session.Network);
  session.Settings = this->SettingsText();
}

void
AutoencoderTrainer::LoadFeatureExtractor(Session & session) const
{
  const std::string & file = m_FeatureExtractorFile;
  auto                module = std::make_unique<torch::jit::Module>();
  try
  {
    std::istringstream stream(ReadIntactZipFile(file));
    *module = torch::jit::load(stream);
  }
  catch (const std::exception & error)
  {
    itkExceptionMacro("feature extractor '" << file << "' is not a loadable TorchScript module: " << Reason(error));
  }
  module->eval();
  for (auto parameter : module->parameters())
  {
    parameter.set_requires_grad(false);
  }
  // Probe with two patches: F must map an N x C x P x P batch to one finite tensor with N rows.
  const auto    channels = static_cast<int64_t>(m_Model->GetNumberOfChannels());
  const auto    patch = static_cast<int64_t>(m_Model->GetPatchSize());
  torch::Tensor features;
  try
  {
    torch::NoGradGuard noGrad;
    const auto         output = module->forward({ torch::rand({ 2, channels, patch, patch }) });
    if (!output.isTensor())
    {
      itkExceptionMacro("feature extractor '" << file << "' returns " << output.tagKind() << ", not one tensor");
    }
    features = output.toTensor();
  }
  catch (const ExceptionObject &)
  {
    throw;
  }
  catch (const std::exception & error)
  {
    itkExceptionMacro("feature extractor '" << file << "' fails on 2x" << channels << "x" << patch << "x" << patch
                                            << " patches: " << Reason(error));
  }
  if (features.dim() < 1 || features.size(0) != 2 || features.numel() < 2 || !features.is_floating_point() ||
      !torch::isfinite(features).all().item<bool>())
  {
    itkExceptionMacro("feature extractor '" << file << "' maps 2x" << channels << "x" << patch << "x" << patch
                                            << " patches to " << features.sizes() << " (" << features.dtype()
                                            << "); it must return finite floating-point features with one row per "
                                               "patch");
  }
  session.Features = std::move(module);
}

void
AutoencoderTrainer::ReadCheckpoint(Session & session)
{
  if (m_CheckpointFile.empty() || !std::filesystem::exists(m_CheckpointFile))
  {
    return;
  }
  try
  {
    const auto contents = ReadCheckpointFile(m_CheckpointFile);
    if (contents.Settings != session.Settings)
    {
      itkExceptionMacro("checkpoint '" << m_CheckpointFile << "' was written with other settings ("
                                       << contents.Settings << ") than this run (" << session.Settings << ")");
    }
    RestoreCheckpoint(contents, session.Network, *session.Optimizer, session.Loop);
  }
  catch (const ExceptionObject &)
  {
    throw;
  }
  catch (const std::exception & error)
  {
    itkExceptionMacro("cannot resume from checkpoint '" << m_CheckpointFile << "': " << Reason(error));
  }
}

void
AutoencoderTrainer::TrainEpochs(Session & session)
{
  m_AbortTraining = false;
  m_StoppedEarly = false;
  this->PublishLoopState(session);
  for (unsigned int epoch = session.Loop.CompletedEpochs + 1; epoch <= m_NumberOfEpochs; ++epoch)
  {
    const auto   started = std::chrono::steady_clock::now();
    const double trainingLoss = this->TrainEpoch(session, epoch);
    if (m_AbortTraining)
    {
      break; // the epoch is incomplete: the checkpoint keeps the last complete one
    }
    this->EvaluateEpoch(session, epoch, trainingLoss);
    session.Loop.Seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    this->CompleteEpoch(session, epoch);
    this->InvokeEvent(IterationEvent());
    if (m_AbortTraining)
    {
      break;
    }
    if (m_Patience > 0 && session.Loop.SinceImprovement >= m_Patience)
    {
      m_StoppedEarly = true;
      break;
    }
  }
}

double
AutoencoderTrainer::TrainEpoch(Session & session, unsigned int epoch)
{
  std::mt19937_64 random(m_Seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull * epoch);
  session.Positions = session.Training->Draw(random, m_NumberOfPatchesPerEpoch, m_Augmentation, m_MaximumRotationAngle);
  const std::size_t batchesPerEpoch = (m_NumberOfPatchesPerEpoch + m_BatchSize - 1) / m_BatchSize;
  const double      plannedBatches = static_cast<double>(batchesPerEpoch) * m_NumberOfEpochs;
  double            sum = 0.0;
  for (std::size_t b = 0; b < batchesPerEpoch; ++b)
  {
    const std::size_t first = b * m_BatchSize;
    const std::size_t count = std::min<std::size_t>(m_BatchSize, session.Positions.size() - first);
    sum += this->TrainBatch(session, first, count, epoch) * static_cast<double>(count);
    m_Progress = (static_cast<double>(epoch - 1) * batchesPerEpoch + b + 1) / plannedBatches;
    this->InvokeEvent(ProgressEvent());
    if (m_AbortTraining)
    {
      break;
    }
  }
  return sum / static_cast<double>(session.Positions.size());
}

double
AutoencoderTrainer::TrainBatch(Session & session, std::size_t first, std::size_t count, unsigned int epoch)
{
  double loss = 0.0;
  try
  {
    // The step runs on a worker thread while this one waits: LibTorch refuses to run its autograd engine on a
    // thread holding Python's GIL, as the caller's thread does when training is started from Python. The events
    // (and so the observers) stay on the calling thread.
    loss = std::async(std::launch::async, [&] {
             const auto batch = session.Training->Fill(session.Positions, first, count);
             session.Optimizer->zero_grad();
             const LossInputs inputs{ m_Model->GetLoss(),
                                      session.Features.get(),
                                      m_FeatureWeight,
                                      m_Seed * 0x9E3779B97F4A7C15ull + 0xD1B54A32D192ED03ull * epoch + first + 2 };
             auto             value = ForwardLoss(session.Network, batch, inputs, m_MixedPrecision);
             value.backward();
             session.Optimizer->step();
             return value.item<double>();
           }).get();
  }
  catch (const std::exception & error)
  {
    itkExceptionMacro("training step failed in epoch " << epoch << ": " << Reason(error));
  }
  if (!std::isfinite(loss))
  {
    itkExceptionMacro("training diverged: the loss is " << loss << " in epoch " << epoch
                                                        << " (lower the learning rate?)");
  }
  return loss;
}

double
AutoencoderTrainer::ValidationLoss(Session & session) const
{
  torch::NoGradGuard noGrad;
  session.Network->eval();
  const auto & sampler = session.ValidationSampler();
  double       sum = 0.0;
  for (std::size_t first = 0; first < session.Validation.size(); first += m_BatchSize)
  {
    const std::size_t count = std::min<std::size_t>(m_BatchSize, session.Validation.size() - first);
    const auto        batch = sampler.Fill(session.Validation, first, count);
    const LossInputs  inputs{ m_Model->GetLoss(), session.Features.get(), m_FeatureWeight, m_Seed + 0xA0761D6478BD642Full * (first + 1) };
    sum += ForwardLoss(session.Network, batch, inputs, m_MixedPrecision).item<double>() * static_cast<double>(count);
  }
  session.Network->train();
  return sum / static_cast<double>(session.Validation.size());
}

void
AutoencoderTrainer::EvaluateEpoch(Session & session, unsigned int epoch, double trainingLoss)
{
  m_TrainingLoss = trainingLoss;
  m_ValidationLoss = session.Validation.empty() ? m_TrainingLoss : this->ValidationLoss(session);
  auto & loop = session.Loop;
  if (m_ValidationLoss < loop.Best)
  {
    loop.Best = m_ValidationLoss;
    loop.BestEpoch = epoch;
    loop.SinceImprovement = 0;
    loop.BestWeights = SaveWeights(session.Network);
  }
  else
  {
    ++loop.SinceImprovement;
  }
}

void
AutoencoderTrainer::CompleteEpoch(Session & session, unsigned int epoch)
{
  session.Loop.CompletedEpochs = epoch;
  session.Loop.Log += LogRow(epoch,
                             static_cast<unsigned long long>(epoch) * m_NumberOfPatchesPerEpoch,
                             m_TrainingLoss,
                             m_ValidationLoss,
                             session.Loop.Seconds);
  this->PublishLoopState(session);
  this->WriteLog(session);
  this->WriteCheckpoint(session);
}

void
AutoencoderTrainer::PublishLoopState(const Session & session)
{
  m_Epoch = session.Loop.CompletedEpochs;
  m_BestValidationLoss = session.Loop.Best;
  m_BestEpoch = session.Loop.BestEpoch;
  m_ElapsedSeconds = session.Loop.Seconds;
}

void
AutoencoderTrainer::WriteLog(const Session & session) const
{
  if (m_LogFile.empty())
  {
    return;
  }
  try
  {
    AtomicFile::WriteText(m_LogFile, session.Loop.Log);
  }
  catch (const ExceptionObject & error)
  {
    itkExceptionMacro("cannot write the training log: " << error.GetDescription());
  }
}

void
AutoencoderTrainer::WriteCheckpoint(Session & session) const
{
  if (m_CheckpointFile.empty())
  {
    return;
  }
  try
  {
    AtomicFile::WriteText(m_CheckpointFile,
                          CheckpointBytes(session.Settings, session.Network, *session.Optimizer, session.Loop));
  }
  catch (const ExceptionObject & error)
  {
    itkExceptionMacro("checkpoint not saved: " << error.GetDescription());
  }
}

void
AutoencoderTrainer::FinishSession(Session & session)
{
  // The model keeps the weights of its best validation epoch (also when aborted: the best completed epoch).
  LoadWeights(session.Network, session.Loop.BestWeights);
  session.Network->eval();
  std::ostringstream bestLoss;
  bestLoss << m_BestValidationLoss;
  m_Model->SetMetadataValue("training.settings", session.Settings);
  m_Model->SetMetadataValue("training.augmentation", AutoencoderTrainerEnums::ToString(m_Augmentation));
  m_Model->SetMetadataValue("training.epochs", std::to_string(m_Epoch));
  m_Model->SetMetadataValue("training.best_epoch", std::to_string(m_BestEpoch));
  m_Model->SetMetadataValue("training.best_validation_loss", bestLoss.str());
  m_Model->SetMetadataValue("training.stopped_early", m_StoppedEarly ? "yes" : "no");
  m_Model->SetMetadataValue("training.aborted", m_AbortTraining ? "yes" : "no");
  m_Model->SetMetadataValue("training.validation_patches", std::to_string(session.Validation.size()));
  m_Model->SetMetadataValue("training.validation_source", session.HeldOut ? "held-out images" : "training images");
  m_Model->SetMetadataValue("training.seconds", std::to_string(m_ElapsedSeconds));
  if (m_Model->GetLoss() == AutoencoderModelEnums::Loss::FeatureMatching)
  {
    m_Model->SetMetadataValue("training.features", m_FeatureExtractorFile);
    std::ostringstream weight;
    weight << std::setprecision(17) << m_FeatureWeight;
    m_Model->SetMetadataValue("training.fm_weight", weight.str());
  }
}

void
AutoencoderTrainer::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Model: " << m_Model.GetPointer() << std::endl;
  os << indent << "Images: " << m_State->Images.size() << std::endl;
  os << indent << "ValidationImages: " << m_State->ValidationImages.size() << std::endl;
  os << indent << "NumberOfPatchesPerEpoch: " << m_NumberOfPatchesPerEpoch << std::endl;
  os << indent << "NumberOfEpochs: " << m_NumberOfEpochs << std::endl;
  os << indent << "BatchSize: " << m_BatchSize << std::endl;
  os << indent << "LearningRate: " << m_LearningRate << std::endl;
  os << indent << "WeightDecay: " << m_WeightDecay << std::endl;
  os << indent << "ValidationFraction: " << m_ValidationFraction << std::endl;
  os << indent << "Patience: " << m_Patience << std::endl;
  os << indent << "Augmentation: " << m_Augmentation << std::endl;
  os << indent << "MaximumRotationAngle: " << m_MaximumRotationAngle << std::endl;
  os << indent << "MixedPrecision: " << m_MixedPrecision << std::endl;
  os << indent << "FeatureExtractorFile: " << m_FeatureExtractorFile << std::endl;
  os << indent << "FeatureWeight: " << m_FeatureWeight << std::endl;
  os << indent << "Seed: " << m_Seed << std::endl;
  os << indent << "AutomaticIntensityRange: " << m_AutomaticIntensityRange << std::endl;
  os << indent << "CheckpointFile: " << m_CheckpointFile << std::endl;
  os << indent << "LogFile: " << m_LogFile << std::endl;
  os << indent << "NumberOfThreads: " << m_NumberOfThreads << std::endl;
  os << indent << "AbortTraining: " << m_AbortTraining << std::endl;
  os << indent << "Epoch: " << m_Epoch << std::endl;
  os << indent << "TrainingLoss: " << m_TrainingLoss << std::endl;
  os << indent << "ValidationLoss: " << m_ValidationLoss << std::endl;
  os << indent << "BestValidationLoss: " << m_BestValidationLoss << std::endl;
  os << indent << "BestEpoch: " << m_BestEpoch << std::endl;
  os << indent << "StoppedEarly: " << m_StoppedEarly << std::endl;
  os << indent << "Progress: " << m_Progress << std::endl;
  os << indent << "ElapsedSeconds: " << m_ElapsedSeconds << std::endl;
}

} // namespace itk
