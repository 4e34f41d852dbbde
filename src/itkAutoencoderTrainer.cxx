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
#include "itkSSIMKernel.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <future>
#include <limits>
#include <random>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace itk {

namespace {
// A training image as normalised floats, mirrored up to at least the patch size in each direction.
struct TrainingImage
{
  std::vector<float> Pixels;
  std::size_t        Width;
  std::size_t        Height;
};

std::string
Reason(const std::exception & error)
{
  std::string text = error.what();
  const auto  newline = text.find('\n');
  return newline == std::string::npos ? text : text.substr(0, newline);
}

struct PatchPosition
{
  std::size_t  Image;
  std::size_t  X;
  std::size_t  Y;
  unsigned int Rotation;
  bool         Flip;
};
} // namespace

struct AutoencoderTrainer::State
{
  std::vector<ImageType::ConstPointer> Images;
};

AutoencoderTrainer::AutoencoderTrainer()
    : m_State(std::make_unique<State>()), m_NumberOfThreads(std::max(1u, std::thread::hardware_concurrency()))
{}

AutoencoderTrainer::~AutoencoderTrainer() = default;

void
AutoencoderTrainer::AddImage(const ImageType * image)
{
  if (image == nullptr)
  {
    itkExceptionMacro("AddImage: null image");
  }
  if (image->GetLargestPossibleRegion().GetNumberOfPixels() == 0)
  {
    itkExceptionMacro("AddImage: the image has no pixels");
  }
  m_State->Images.push_back(image);
  this->Modified();
}

void
AutoencoderTrainer::AddImageFile(const std::string & fileName)
{
  struct stat status
  {};
  if (stat(fileName.c_str(), &status) != 0)
  {
    itkExceptionMacro("training image '" << fileName << "' does not exist");
  }
  if (status.st_size == 0)
  {
    itkExceptionMacro("training image '" << fileName << "' is empty");
  }
  ImageType::Pointer image;
  try
  {
    image = ReadImage<ImageType>(fileName);
  }
  catch (const ExceptionObject & error)
  {
    itkExceptionMacro("training image '" << fileName << "' cannot be read: " << error.GetDescription());
  }
  this->AddImage(image);
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
AutoencoderTrainer::Run(bool resume)
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
  if (m_Model->GetNumberOfChannels() != 1)
  {
    itkExceptionMacro("the trainer reads grey images; the model has " << m_Model->GetNumberOfChannels() << " channels");
  }
  const std::size_t patch = m_Model->GetPatchSize();

  // Intensity range and normalised, mirrored copies of the images.
  if (m_AutomaticIntensityRange)
  {
    float low = std::numeric_limits<float>::max();
    float high = std::numeric_limits<float>::lowest();
    for (const auto & image : m_State->Images)
    {
      const float *     buffer = image->GetBufferPointer();
      const std::size_t count = image->GetLargestPossibleRegion().GetNumberOfPixels();
      for (std::size_t i = 0; i < count; ++i)
      {
        low = std::min(low, buffer[i]);
        high = std::max(high, buffer[i]);
      }
    }
    if (!(high > low))
    {
      high = low + 1.0f;
    }
    m_Model->SetIntensityMinimum(low);
    m_Model->SetIntensityMaximum(high);
  }
  const double minimum = m_Model->GetIntensityMinimum();
  const double range = m_Model->GetIntensityMaximum() - minimum;
  if (!(range > 0.0))
  {
    itkExceptionMacro("the model's intensity range [" << minimum << ", " << m_Model->GetIntensityMaximum()
                                                      << "] is empty");
  }
  std::vector<TrainingImage> images;
  std::vector<double>        weights;
  for (std::size_t index = 0; index < m_State->Images.size(); ++index)
  {
    const auto &  image = m_State->Images[index];
    const auto    size = image->GetLargestPossibleRegion().GetSize();
    const float * buffer = image->GetBufferPointer();
    TrainingImage copy;
    copy.Width = std::max<std::size_t>(size[0], patch);
    copy.Height = std::max<std::size_t>(size[1], patch);
    copy.Pixels.resize(copy.Width * copy.Height);
    for (std::size_t y = 0; y < copy.Height; ++y)
    {
      const std::size_t sy = static_cast<std::size_t>(SSIMKernel::MirrorIndex(y, size[1]));
      for (std::size_t x = 0; x < copy.Width; ++x)
      {
        const std::size_t sx = static_cast<std::size_t>(SSIMKernel::MirrorIndex(x, size[0]));
        const float       value = buffer[sy * size[0] + sx];
        if (std::isnan(value))
        {
          itkExceptionMacro("training image " << index << " contains NaN at (" << sx << ", " << sy << ")");
        }
        copy.Pixels[y * copy.Width + x] = static_cast<float>((value - minimum) / range);
      }
    }
    weights.push_back(static_cast<double>((copy.Width - patch + 1) * (copy.Height - patch + 1)));
    images.push_back(std::move(copy));
  }

  const auto draw = [&](std::mt19937_64 & random, std::size_t count, bool augment) {
    std::discrete_distribution<std::size_t> pick(weights.begin(), weights.end());
    std::vector<PatchPosition>              positions(count);
    for (auto & position : positions)
    {
      position.Image = pick(random);
      const auto & image = images[position.Image];
      position.X = std::uniform_int_distribution<std::size_t>(0, image.Width - patch)(random);
      position.Y = std::uniform_int_distribution<std::size_t>(0, image.Height - patch)(random);
      position.Rotation = augment ? static_cast<unsigned int>(random() % 4) : 0;
      position.Flip = augment && (random() % 2) == 1;
    }
    return positions;
  };
  const auto fill = [&](const std::vector<PatchPosition> & positions, std::size_t first, std::size_t count) {
    auto batch =
      torch::empty({ static_cast<int64_t>(count), 1, static_cast<int64_t>(patch), static_cast<int64_t>(patch) });
    float * out = batch.data_ptr<float>();
    for (std::size_t n = 0; n < count; ++n)
    {
      const auto & position = positions[first + n];
      const auto & image = images[position.Image];
      for (std::size_t y = 0; y < patch; ++y)
      {
        for (std::size_t x = 0; x < patch; ++x)
        {
          // Source pixel of output (x, y): optional flip, then a rotation by Rotation x 90 degrees.
          std::size_t u = position.Flip ? patch - 1 - x : x;
          std::size_t v = y;
          for (unsigned int r = 0; r < position.Rotation; ++r)
          {
            const std::size_t t = u;
            u = patch - 1 - v;
            v = t;
          }
          out[(n * patch + y) * patch + x] = image.Pixels[(position.Y + v) * image.Width + position.X + u];
        }
      }
    }
    return batch;
  };

  at::set_num_threads(static_cast<int>(m_NumberOfThreads));
  const auto validationCount =
    static_cast<std::size_t>(std::llround(m_ValidationFraction * static_cast<double>(m_NumberOfPatchesPerEpoch)));
  std::mt19937_64 validationRandom(m_Seed * 0x9E3779B97F4A7C15ull + 1);
  const auto      validation = draw(validationRandom, validationCount, false);

  // Network, optimiser and early-stopping state: fresh, or from the checkpoint.
  unsigned int firstEpoch = 1;
  double       best = std::numeric_limits<double>::infinity();
  unsigned int bestEpoch = 0;
  unsigned int sinceImprovement = 0;
  const bool   haveCheckpoint = !m_CheckpointFile.empty() && access(m_CheckpointFile.c_str(), R_OK) == 0;
  m_Model->Initialize(m_Seed);
  auto & network = m_Model->GetNetwork().Paper;
  network->train();
  auto optimizer = std::make_unique<torch::optim::Adam>(
    network->parameters(), torch::optim::AdamOptions(m_LearningRate).weight_decay(m_WeightDecay));
  torch::serialize::OutputArchive bestWeights;
  network->save(bestWeights);
  std::ostringstream settings;
  settings << "patch=" << patch << " latent=" << m_Model->GetLatentSize() << " loss=" << m_Model->GetLoss()
           << " seed=" << m_Seed << " patches=" << m_NumberOfPatchesPerEpoch << " batch=" << m_BatchSize
           << " lr=" << m_LearningRate << " wd=" << m_WeightDecay << " augment=" << m_Augment
           << " images=" << images.size();
  if (resume && haveCheckpoint)
  {
    try
    {
      torch::serialize::InputArchive archive;
      archive.load_from(m_CheckpointFile);
      c10::IValue value;
      archive.read("settings", value);
      if (value.toStringRef() != settings.str())
      {
        itkExceptionMacro("checkpoint '" << m_CheckpointFile << "' was written with other settings ("
                                         << value.toStringRef() << ") than this run (" << settings.str() << ")");
      }
      torch::serialize::InputArchive weights;
      archive.read("network", weights);
      network->load(weights);
      torch::serialize::InputArchive optimizerState;
      archive.read("optimizer", optimizerState);
      optimizer->load(optimizerState);
      torch::serialize::InputArchive bestArchive;
      archive.read("best_network", bestArchive);
      PaperAutoencoder bestCopy(static_cast<int>(patch), 1, static_cast<int>(m_Model->GetLatentSize()));
      bestCopy->load(bestArchive);
      bestWeights = torch::serialize::OutputArchive();
      bestCopy->save(bestWeights);
      archive.read("epoch", value);
      firstEpoch = static_cast<unsigned int>(value.toInt()) + 1;
      archive.read("best_loss", value);
      best = value.toDouble();
      archive.read("best_epoch", value);
      bestEpoch = static_cast<unsigned int>(value.toInt());
      archive.read("since_improvement", value);
      sinceImprovement = static_cast<unsigned int>(value.toInt());
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
  const auto validationLoss = [&]() {
    torch::NoGradGuard noGrad;
    network->eval();
    double sum = 0.0;
    for (std::size_t first = 0; first < validation.size(); first += m_BatchSize)
    {
      const std::size_t count = std::min<std::size_t>(m_BatchSize, validation.size() - first);
      const auto        batch = fill(validation, first, count);
      sum += ReconstructionLoss(network->forward(batch), batch, loss).item<double>() * static_cast<double>(count);
    }
    network->train();
    return validation.empty() ? std::numeric_limits<double>::quiet_NaN() : sum / static_cast<double>(validation.size());
  };

  m_AbortTraining = false;
  m_StoppedEarly = false;
  m_BestValidationLoss = best;
  m_BestEpoch = bestEpoch;
  m_Epoch = firstEpoch - 1;
  const std::size_t batchesPerEpoch = (m_NumberOfPatchesPerEpoch + m_BatchSize - 1) / m_BatchSize;
  const double      plannedBatches = static_cast<double>(batchesPerEpoch) * m_NumberOfEpochs;
  for (unsigned int epoch = firstEpoch; epoch <= m_NumberOfEpochs; ++epoch)
  {
    std::mt19937_64 random(m_Seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull * epoch);
    const auto      positions = draw(random, m_NumberOfPatchesPerEpoch, m_Augment);
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
                                   const auto batch = fill(positions, first, count);
                                   optimizer->zero_grad();
                                   auto value = ReconstructionLoss(network->forward(batch), batch, loss);
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
        return;
      }
    }
    m_TrainingLoss = sum / static_cast<double>(positions.size());
    m_ValidationLoss = validation.empty() ? m_TrainingLoss : validationLoss();
    if (m_ValidationLoss < best)
    {
      best = m_ValidationLoss;
      bestEpoch = epoch;
      sinceImprovement = 0;
      bestWeights = torch::serialize::OutputArchive();
      network->save(bestWeights);
    }
    else
    {
      ++sinceImprovement;
    }
    m_Epoch = epoch;
    m_BestValidationLoss = best;
    m_BestEpoch = bestEpoch;

    if (!m_CheckpointFile.empty())
    {
      const std::string partial = m_CheckpointFile + ".partial-" + std::to_string(getpid());
      try
      {
        torch::serialize::OutputArchive archive;
        archive.write("settings", c10::IValue(settings.str()));
        torch::serialize::OutputArchive weights;
        network->save(weights);
        archive.write("network", weights);
        torch::serialize::OutputArchive optimizerState;
        optimizer->save(optimizerState);
        archive.write("optimizer", optimizerState);
        archive.write("best_network", bestWeights);
        archive.write("epoch", c10::IValue(static_cast<int64_t>(epoch)));
        archive.write("best_loss", c10::IValue(best));
        archive.write("best_epoch", c10::IValue(static_cast<int64_t>(bestEpoch)));
        archive.write("since_improvement", c10::IValue(static_cast<int64_t>(sinceImprovement)));
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
      return;
    }
    if (m_Patience > 0 && sinceImprovement >= m_Patience)
    {
      m_StoppedEarly = true;
      break;
    }
  }

  // The model keeps the weights of its best validation epoch.
  {
    std::ostringstream buffer;
    bestWeights.save_to(buffer);
    torch::serialize::InputArchive bestArchive;
    std::istringstream             input(buffer.str());
    bestArchive.load_from(input);
    network->load(bestArchive);
  }
  network->eval();
  std::ostringstream text;
  text << m_BestValidationLoss;
  m_Model->SetMetadataValue("training.settings", settings.str());
  m_Model->SetMetadataValue("training.epochs", std::to_string(m_Epoch));
  m_Model->SetMetadataValue("training.best_epoch", std::to_string(m_BestEpoch));
  m_Model->SetMetadataValue("training.best_validation_loss", text.str());
  m_Model->SetMetadataValue("training.stopped_early", m_StoppedEarly ? "yes" : "no");
  m_Model->SetMetadataValue("training.validation_patches", std::to_string(validation.size()));
}

void
AutoencoderTrainer::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Model: " << m_Model.GetPointer() << std::endl;
  os << indent << "Images: " << m_State->Images.size() << std::endl;
  os << indent << "NumberOfPatchesPerEpoch: " << m_NumberOfPatchesPerEpoch << std::endl;
  os << indent << "NumberOfEpochs: " << m_NumberOfEpochs << std::endl;
  os << indent << "BatchSize: " << m_BatchSize << std::endl;
  os << indent << "LearningRate: " << m_LearningRate << std::endl;
  os << indent << "WeightDecay: " << m_WeightDecay << std::endl;
  os << indent << "ValidationFraction: " << m_ValidationFraction << std::endl;
  os << indent << "Patience: " << m_Patience << std::endl;
  os << indent << "Augment: " << m_Augment << std::endl;
  os << indent << "Seed: " << m_Seed << std::endl;
  os << indent << "AutomaticIntensityRange: " << m_AutomaticIntensityRange << std::endl;
  os << indent << "CheckpointFile: " << m_CheckpointFile << std::endl;
  os << indent << "NumberOfThreads: " << m_NumberOfThreads << std::endl;
  os << indent << "AbortTraining: " << m_AbortTraining << std::endl;
  os << indent << "Epoch: " << m_Epoch << std::endl;
  os << indent << "TrainingLoss: " << m_TrainingLoss << std::endl;
  os << indent << "ValidationLoss: " << m_ValidationLoss << std::endl;
  os << indent << "BestValidationLoss: " << m_BestValidationLoss << std::endl;
  os << indent << "BestEpoch: " << m_BestEpoch << std::endl;
  os << indent << "StoppedEarly: " << m_StoppedEarly << std::endl;
}

} // namespace itk
