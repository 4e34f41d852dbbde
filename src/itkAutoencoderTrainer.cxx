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
#include "itkAutoencoderNetwork.h"
#include "itkImageFileReader.h"
#include "itkImageGrid.h"
#include "itkSSIMKernel.h"

#include <ATen/autocast_mode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iomanip>
#include <limits>
#include <random>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace itk {

namespace {
using AugmentationEnum = AutoencoderTrainerEnums::Augmentation;

std::string
AugmentationName(AugmentationEnum value)
{
  switch (value)
  {
    case AugmentationEnum::None:
      return "none";
    case AugmentationEnum::Flip:
      return "flip";
    case AugmentationEnum::FlipRotate90:
      return "flip+rot90";
    case AugmentationEnum::SmallRotation:
      return "rotate";
  }
  return "unknown";
}

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
  const auto scaled = ImageGrid::Resample(buffer, from, to);

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
  PatchSampler(std::vector<TrainingImage> images, std::size_t patch)
    : m_Images(std::move(images))
    , m_Patch(patch)
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
      return static_cast<double>(image.Pixels[static_cast<std::size_t>(sy) * image.Width + static_cast<std::size_t>(sx)]);
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
        const double    u = static_cast<double>(position.X) + centre + c * dx - s * dy;
        const double    v = static_cast<double>(position.Y) + centre + s * dx + c * dy;
        const double    fu = std::floor(u);
        const double    fv = std::floor(v);
        const double    a = u - fu;
        const double    b = v - fv;
        const auto      iu = static_cast<long long>(fu);
        const auto      iv = static_cast<long long>(fv);
        const double    top = (1.0 - a) * sample(iu, iv) + a * sample(iu + 1, iv);
        const double    bottom = (1.0 - a) * sample(iu, iv + 1) + a * sample(iu + 1, iv + 1);
        out[y * m_Patch + x] = static_cast<float>((1.0 - b) * top + b * bottom);
      }
    }
  }

  std::vector<TrainingImage> m_Images;
  std::vector<double>        m_Weights;
  std::size_t                m_Patch;
};

// Writes `text` to `path` through a temporary file renamed into place.
void
WriteTextAtomically(const std::string & path, const std::string & text)
{
  const std::string partial = path + ".partial-" + std::to_string(getpid());
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out)
    {
      std::remove(partial.c_str());
      throw std::runtime_error("cannot write '" + partial + "'");
    }
  }
  if (std::rename(partial.c_str(), path.c_str()) != 0)
  {
    std::remove(partial.c_str());
    throw std::runtime_error("cannot move '" + partial + "' to '" + path + "'");
  }
}

const char * const LogHeader = "epoch,patches_seen,training_loss,validation_loss,seconds\n";

// Where the epoch loop stands: written to and read from the checkpoint.
struct LoopState
{
  unsigned int FirstEpoch{ 1 };
  double       Best{ std::numeric_limits<double>::infinity() };
  unsigned int BestEpoch{ 0 };
  unsigned int SinceImprovement{ 0 };
  double       Seconds{ 0.0 };
  std::string  Log{ LogHeader };
};

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
} // namespace

std::ostream &
operator<<(std::ostream & out, const AutoencoderTrainerEnums::Augmentation value)
{
  return out << AugmentationName(value);
}

struct AutoencoderTrainer::State
{
  std::vector<ImageType::ConstPointer> Images;
  std::vector<ImageType::ConstPointer> ValidationImages;
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
  const auto      size = std::filesystem::file_size(fileName, error);
  if (error)
  {
    throw std::runtime_error(std::string(kind) + " '" + fileName + "' does not exist");
  }
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
  if (m_Model->GetArchitecture() != AutoencoderModel::ArchitectureEnum::Paper)
  {
    itkExceptionMacro("only the paper network can be trained here; TorchScript models are trained in PyTorch");
  }
  if (m_State->Images.empty())
  {
    itkExceptionMacro("no training images (AddImage / AddImageFile)");
  }
  if (m_BatchSize == 0 || m_NumberOfPatchesPerEpoch == 0 || m_NumberOfEpochs == 0)
  {
    itkExceptionMacro("BatchSize (" << m_BatchSize << "), NumberOfPatchesPerEpoch (" << m_NumberOfPatchesPerEpoch
                                    << ") and NumberOfEpochs (" << m_NumberOfEpochs << ") must be positive");
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

std::string
AutoencoderTrainer::SettingsText() const
{
  std::ostringstream settings;
  settings << "patch=" << m_Model->GetPatchSize() << " latent=" << m_Model->GetLatentSize()
           << " loss=" << m_Model->GetLoss() << " seed=" << m_Seed << " patches=" << m_NumberOfPatchesPerEpoch
           << " batch=" << m_BatchSize << " lr=" << m_LearningRate << " wd=" << m_WeightDecay
           << " augmentation=" << AugmentationName(m_Augmentation);
  if (m_Augmentation == AugmentationEnum::SmallRotation)
  {
    settings << " max_angle=" << m_MaximumRotationAngle;
  }
  settings << " scale=" << m_Model->GetImageScale() << " normalization=" << m_Model->GetIntensityNormalization()
           << " images=" << m_State->Images.size() << " validation_images=" << m_State->ValidationImages.size()
           << " validation_fraction=" << m_ValidationFraction << " mixed_precision=" << (m_MixedPrecision ? 1 : 0);
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
AutoencoderTrainer::Run(bool resume)
{
  this->VerifySettings();
  this->SetIntensityRange();
  if (m_Model->GetIntensityNormalization() == AutoencoderModel::NormalizationEnum::Global &&
      !(m_Model->GetIntensityMaximum() > m_Model->GetIntensityMinimum()))
  {
    itkExceptionMacro("the model's intensity range [" << m_Model->GetIntensityMinimum() << ", "
                                                      << m_Model->GetIntensityMaximum() << "] is empty");
  }
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
  const PatchSampler training(prepare(m_State->Images, "training image"), patch);
  const bool         heldOut = !m_State->ValidationImages.empty();
  const PatchSampler heldOutSampler(heldOut ? prepare(m_State->ValidationImages, "validation image")
                                            : std::vector<TrainingImage>{},
                                    patch);
  at::set_num_threads(static_cast<int>(m_NumberOfThreads));
  const auto validationCount =
    static_cast<std::size_t>(std::llround(m_ValidationFraction * static_cast<double>(m_NumberOfPatchesPerEpoch)));
  std::mt19937_64  validationRandom(m_Seed * 0x9E3779B97F4A7C15ull + 1);
  const auto &     validationSampler = heldOut ? heldOutSampler : training;
  const auto       validation = validationSampler.Draw(validationRandom, validationCount, AugmentationEnum::None, 0.0);

  m_Model->Initialize(m_Seed);
  auto & network = m_Model->GetNetwork().Paper;
  network->train();
  auto optimizer = std::make_unique<torch::optim::Adam>(
    network->parameters(), torch::optim::AdamOptions(m_LearningRate).weight_decay(m_WeightDecay));
  std::string bestWeights = SaveWeights(network);
  const auto  settings = this->SettingsText();
  LoopState   state;
  if (resume && !m_CheckpointFile.empty() && std::filesystem::exists(m_CheckpointFile))
  {
    try
    {
      torch::serialize::InputArchive archive;
      archive.load_from(m_CheckpointFile);
      c10::IValue value;
      archive.read("settings", value);
      if (value.toStringRef() != settings)
      {
        itkExceptionMacro("checkpoint '" << m_CheckpointFile << "' was written with other settings ("
                                         << value.toStringRef() << ") than this run (" << settings << ")");
      }
      torch::serialize::InputArchive weights;
      archive.read("network", weights);
      network->load(weights);
      torch::serialize::InputArchive optimizerState;
      archive.read("optimizer", optimizerState);
      optimizer->load(optimizerState);
      archive.read("best_network", value);
      bestWeights = value.toStringRef();
      archive.read("epoch", value);
      state.FirstEpoch = static_cast<unsigned int>(value.toInt()) + 1;
      archive.read("best_loss", value);
      state.Best = value.toDouble();
      archive.read("best_epoch", value);
      state.BestEpoch = static_cast<unsigned int>(value.toInt());
      archive.read("since_improvement", value);
      state.SinceImprovement = static_cast<unsigned int>(value.toInt());
      archive.read("seconds", value);
      state.Seconds = value.toDouble();
      archive.read("log", value);
      state.Log = value.toStringRef();
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

  const auto loss = m_Model->GetLoss();
  const auto forwardLoss = [&](const torch::Tensor & batch) {
    if (!m_MixedPrecision)
    {
      return ReconstructionLoss(network->forward(batch), batch, loss);
    }
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    auto reconstruction = network->forward(batch);
    at::autocast::set_cpu_enabled(false);
    at::autocast::clear_cache();
    return ReconstructionLoss(reconstruction.to(torch::kFloat), batch, loss);
  };
  const auto validationLoss = [&]() {
    torch::NoGradGuard noGrad;
    network->eval();
    double sum = 0.0;
    for (std::size_t first = 0; first < validation.size(); first += m_BatchSize)
    {
      const std::size_t count = std::min<std::size_t>(m_BatchSize, validation.size() - first);
      const auto        batch = validationSampler.Fill(validation, first, count);
      sum += forwardLoss(batch).item<double>() * static_cast<double>(count);
    }
    network->train();
    return sum / static_cast<double>(validation.size());
  };

  m_AbortTraining = false;
  m_StoppedEarly = false;
  m_BestValidationLoss = state.Best;
  m_BestEpoch = state.BestEpoch;
  m_Epoch = state.FirstEpoch - 1;
  m_ElapsedSeconds = state.Seconds;
  const std::size_t batchesPerEpoch = (m_NumberOfPatchesPerEpoch + m_BatchSize - 1) / m_BatchSize;
  const double      plannedBatches = static_cast<double>(batchesPerEpoch) * m_NumberOfEpochs;
  for (unsigned int epoch = state.FirstEpoch; epoch <= m_NumberOfEpochs; ++epoch)
  {
    const auto      started = std::chrono::steady_clock::now();
    std::mt19937_64 random(m_Seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull * epoch);
    const auto      positions = training.Draw(random, m_NumberOfPatchesPerEpoch, m_Augmentation, m_MaximumRotationAngle);
    double          sum = 0.0;
    for (std::size_t b = 0; b < batchesPerEpoch; ++b)
    {
      const std::size_t first = b * m_BatchSize;
      const std::size_t count = std::min<std::size_t>(m_BatchSize, positions.size() - first);
      try
      {
        // The step runs on a worker thread while this one waits: LibTorch refuses to run its autograd engine on a
        // thread holding Python's GIL, as the caller's thread does when training is started from Python. The
        // events (and so the observers) stay on the calling thread.
        const double lossValue = std::async(std::launch::async, [&] {
                                   const auto batch = training.Fill(positions, first, count);
                                   optimizer->zero_grad();
                                   auto value = forwardLoss(batch);
                                   value.backward();
                                   optimizer->step();
                                   return value.item<double>();
                                 }).get();
        if (!std::isfinite(lossValue))
        {
          itkExceptionMacro("training diverged: the loss is " << lossValue << " in epoch " << epoch << " (lower the "
                                                              << "learning rate?)");
        }
        sum += lossValue * static_cast<double>(count);
      }
      catch (const ExceptionObject &)
      {
        throw;
      }
      catch (const std::exception & error)
      {
        itkExceptionMacro("training step failed in epoch " << epoch << ": " << Reason(error));
      }
      m_Progress = (static_cast<double>(epoch - 1) * batchesPerEpoch + b + 1) / plannedBatches;
      this->InvokeEvent(ProgressEvent());
      if (m_AbortTraining)
      {
        break;
      }
    }
    if (m_AbortTraining)
    {
      break; // the epoch is incomplete: the checkpoint keeps the last complete one
    }
    m_TrainingLoss = sum / static_cast<double>(positions.size());
    m_ValidationLoss = validation.empty() ? m_TrainingLoss : validationLoss();
    if (m_ValidationLoss < state.Best)
    {
      state.Best = m_ValidationLoss;
      state.BestEpoch = epoch;
      state.SinceImprovement = 0;
      bestWeights = SaveWeights(network);
    }
    else
    {
      ++state.SinceImprovement;
    }
    state.Seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    {
      std::ostringstream row;
      row.precision(8);
      row << epoch << ',' << static_cast<unsigned long long>(epoch) * m_NumberOfPatchesPerEpoch << ','
          << m_TrainingLoss << ',' << m_ValidationLoss << ',' << std::fixed << std::setprecision(1) << state.Seconds
          << '\n';
      state.Log += row.str();
    }
    m_Epoch = epoch;
    m_BestValidationLoss = state.Best;
    m_BestEpoch = state.BestEpoch;
    m_ElapsedSeconds = state.Seconds;

    if (!m_LogFile.empty())
    {
      try
      {
        WriteTextAtomically(m_LogFile, state.Log);
      }
      catch (const std::exception & error)
      {
        itkExceptionMacro("cannot write the training log: " << error.what());
      }
    }
    if (!m_CheckpointFile.empty())
    {
      const std::string partial = m_CheckpointFile + ".partial-" + std::to_string(getpid());
      try
      {
        torch::serialize::OutputArchive archive;
        archive.write("settings", c10::IValue(settings));
        torch::serialize::OutputArchive weights;
        network->save(weights);
        archive.write("network", weights);
        torch::serialize::OutputArchive optimizerState;
        optimizer->save(optimizerState);
        archive.write("optimizer", optimizerState);
        archive.write("best_network", c10::IValue(bestWeights));
        archive.write("epoch", c10::IValue(static_cast<int64_t>(epoch)));
        archive.write("best_loss", c10::IValue(state.Best));
        archive.write("best_epoch", c10::IValue(static_cast<int64_t>(state.BestEpoch)));
        archive.write("since_improvement", c10::IValue(static_cast<int64_t>(state.SinceImprovement)));
        archive.write("seconds", c10::IValue(state.Seconds));
        archive.write("log", c10::IValue(state.Log));
        archive.save_to(partial);
      }
      catch (const std::exception & error)
      {
        std::remove(partial.c_str());
        itkExceptionMacro("cannot write checkpoint '" << m_CheckpointFile << "': " << Reason(error));
      }
      if (std::rename(partial.c_str(), m_CheckpointFile.c_str()) != 0)
      {
        std::remove(partial.c_str());
        itkExceptionMacro("cannot move the checkpoint into place at '" << m_CheckpointFile << "'");
      }
    }
    this->InvokeEvent(IterationEvent());
    if (m_AbortTraining)
    {
      break;
    }
    if (m_Patience > 0 && state.SinceImprovement >= m_Patience)
    {
      m_StoppedEarly = true;
      break;
    }
  }

  // The model keeps the weights of its best validation epoch (also when aborted: the best completed epoch).
  LoadWeights(network, bestWeights);
  network->eval();
  std::ostringstream text;
  text << m_BestValidationLoss;
  m_Model->SetMetadataValue("training.settings", settings);
  m_Model->SetMetadataValue("training.augmentation", AugmentationName(m_Augmentation));
  m_Model->SetMetadataValue("training.epochs", std::to_string(m_Epoch));
  m_Model->SetMetadataValue("training.best_epoch", std::to_string(m_BestEpoch));
  m_Model->SetMetadataValue("training.best_validation_loss", text.str());
  m_Model->SetMetadataValue("training.stopped_early", m_StoppedEarly ? "yes" : "no");
  m_Model->SetMetadataValue("training.aborted", m_AbortTraining ? "yes" : "no");
  m_Model->SetMetadataValue("training.validation_patches", std::to_string(validation.size()));
  m_Model->SetMetadataValue("training.validation_source", heldOut ? "held-out images" : "training images");
  m_Model->SetMetadataValue("training.seconds", std::to_string(m_ElapsedSeconds));
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
  os << indent << "ElapsedSeconds: " << m_ElapsedSeconds << std::endl;
}

} // namespace itk
