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
// Training on tiny problems (32 x 32 patches, a few hundred patches, a few epochs): events, reproducibility,
// checkpoint/resume equality, and clear errors.

#include "itkAutoencoderTrainer.h"
#include "itkCommand.h"

#include <gtest/gtest.h>
#include "itkSSIMAutoencoderTestUtilities.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace {
using ImageType = itk::AutoencoderTrainer::ImageType;

ImageType::Pointer
Checkerboard(unsigned int width, unsigned int height, unsigned int cell, unsigned int seed)
{
  auto image = ImageType::New();
  image->SetRegions(ImageType::SizeType{ { width, height } });
  image->Allocate();
  std::mt19937                    random(seed);
  std::normal_distribution<float> noise(0.0f, 5.0f);
  for (unsigned int y = 0; y < height; ++y)
  {
    for (unsigned int x = 0; x < width; ++x)
    {
      image->SetPixel({ { x, y } }, ((x / cell + y / cell) % 2 ? 200.0f : 50.0f) + noise(random));
    }
  }
  return image;
}

itk::AutoencoderTrainer::Pointer
TinyTrainer(itk::AutoencoderModel * model, const std::string & checkpoint = "")
{
  auto trainer = itk::AutoencoderTrainer::New();
  trainer->SetModel(model);
  trainer->AddImage(Checkerboard(48, 40, 4, 1));
  trainer->AddImage(Checkerboard(40, 56, 6, 2));
  trainer->SetNumberOfPatchesPerEpoch(96);
  trainer->SetBatchSize(32);
  trainer->SetNumberOfEpochs(3);
  trainer->SetLearningRate(1e-3);
  trainer->SetSeed(7);
  trainer->SetCheckpointFile(checkpoint);
  return trainer;
}

itk::AutoencoderModel::Pointer
TinyModel()
{
  auto model = itk::AutoencoderModel::New();
  model->SetPatchSize(32);
  model->SetLatentSize(16);
  return model;
}

std::vector<float>
Reconstruction(const itk::AutoencoderModel * model)
{
  std::vector<float> patch(32 * 32);
  for (std::size_t i = 0; i < patch.size(); ++i)
  {
    patch[i] = static_cast<float>((i * 37) % 101) / 100.0f;
  }
  std::vector<float> out(patch.size());
  model->Reconstruct(patch.data(), 1, out.data());
  return out;
}

using itk::Testing::TemporaryFilesOf;

void
ExpectThrowMentioning(const std::function<void()> & call, const std::string & fragment)
{
  try
  {
    call();
    ADD_FAILURE() << "no exception";
  }
  catch (const itk::ExceptionObject & error)
  {
    EXPECT_NE(std::string(error.GetDescription()).find(fragment), std::string::npos)
      << "'" << fragment << "' not in: " << error.GetDescription();
  }
}

float
LargestDifference(const std::vector<float> & a, const std::vector<float> & b)
{
  float largest = 0.0f;
  for (std::size_t i = 0; i < a.size(); ++i)
  {
    largest = std::max(largest, std::abs(a[i] - b[i]));
  }
  return largest;
}
} // namespace

TEST(AutoencoderTrainer, TrainsReproduciblyAndReportsEvents)
{
  auto                model = TinyModel();
  auto                trainer = TinyTrainer(model);
  unsigned int        iterations = 0;
  unsigned int        progressEvents = 0;
  std::vector<double> losses;
  auto                observer = [&](const itk::EventObject & event) {
    if (itk::IterationEvent().CheckEvent(&event))
    {
      ++iterations;
      losses.push_back(trainer->GetTrainingLoss());
      EXPECT_TRUE(std::isfinite(trainer->GetValidationLoss()));
    }
    else
    {
      ++progressEvents;
    }
  };
  trainer->AddObserver(itk::IterationEvent(), observer);
  trainer->AddObserver(itk::ProgressEvent(), observer);
  trainer->Train();
  EXPECT_EQ(iterations, 3u);
  EXPECT_EQ(progressEvents, 9u);
  EXPECT_EQ(trainer->GetEpoch(), 3u);
  EXPECT_NEAR(trainer->GetProgress(), 1.0, 1e-12);
  EXPECT_LT(losses.back(), losses.front()); // the SSIM loss goes down on checkerboards
  EXPECT_LE(trainer->GetBestValidationLoss(), trainer->GetValidationLoss());
  EXPECT_NEAR(model->GetIntensityMinimum(), 50.0 - 25.0, 15.0);
  EXPECT_EQ(model->GetMetadataValue("training.epochs"), "3");
  // The settings a checkpoint must match name the enumerations by their stable names.
  const std::string settings = model->GetMetadataValue("training.settings");
  for (const char * field : { "loss=ssim ", "augmentation=flip+rot90 ", "normalization=global " })
  {
    EXPECT_NE(settings.find(field), std::string::npos) << field << " not in " << settings;
  }
  EXPECT_EQ(model->GetMetadataValue("training.augmentation"), "flip+rot90");

  auto again = TinyModel();
  TinyTrainer(again)->Train();
  EXPECT_EQ(LargestDifference(Reconstruction(model), Reconstruction(again)), 0.0f);

  auto otherSeed = TinyModel();
  auto otherTrainer = TinyTrainer(otherSeed);
  otherTrainer->SetSeed(8);
  otherTrainer->Train();
  EXPECT_GT(LargestDifference(Reconstruction(model), Reconstruction(otherSeed)), 1e-4f);
}

TEST(AutoencoderTrainer, ResumedRunEqualsUninterruptedRun)
{
  const std::string straightCheckpoint = std::string(SSIMAE_TEST_OUTPUT) + "/straight.checkpoint";
  const std::string checkpoint = std::string(SSIMAE_TEST_OUTPUT) + "/interrupted.checkpoint";
  std::remove(straightCheckpoint.c_str());
  std::remove(checkpoint.c_str());
  auto straight = TinyModel();
  TinyTrainer(straight, straightCheckpoint)->Train();

  // Interrupt after the first epoch, as a killed process would: only the checkpoint survives.
  {
    auto model = TinyModel();
    auto trainer = TinyTrainer(model, checkpoint);
    trainer->AddObserver(itk::IterationEvent(), [&](const itk::EventObject &) { trainer->AbortTrainingOn(); });
    trainer->Train();
    EXPECT_EQ(trainer->GetEpoch(), 1u);
  }
  auto         resumed = TinyModel();
  auto         trainer = TinyTrainer(resumed, checkpoint);
  unsigned int epochs = 0;
  trainer->AddObserver(itk::IterationEvent(), [&](const itk::EventObject &) { ++epochs; });
  trainer->Resume();
  EXPECT_EQ(epochs, 2u);
  EXPECT_EQ(trainer->GetEpoch(), 3u);
  EXPECT_LT(LargestDifference(Reconstruction(straight), Reconstruction(resumed)), 1e-6f);

  // A checkpoint of other settings is refused with both settings named.
  auto mismatch = TinyModel();
  auto mismatchTrainer = TinyTrainer(mismatch, checkpoint);
  mismatchTrainer->SetBatchSize(16);
  try
  {
    mismatchTrainer->Resume();
    ADD_FAILURE() << "resumed from a checkpoint with other settings";
  }
  catch (const itk::ExceptionObject & error)
  {
    EXPECT_NE(std::string(error.GetDescription()).find("batch=16"), std::string::npos) << error.GetDescription();
  }
}

// A checkpoint is verified before anything is restored: an edited byte (settings text, log) fails its record's CRC-32
// (LibTorch's reader does not check them), a truncated file has no zip directory; the file is named. The checksum
// over the contents themselves is tested with a rewritten archive in the model tests.
TEST(AutoencoderTrainer, CorruptCheckpointsAreRefused)
{
  const std::string checkpoint = std::string(SSIMAE_TEST_OUTPUT) + "/corrupt.checkpoint";
  std::remove(checkpoint.c_str());
  {
    auto model = TinyModel();
    auto trainer = TinyTrainer(model, checkpoint);
    trainer->SetNumberOfEpochs(1);
    trainer->Train();
  }
  std::string original;
  {
    std::ifstream in(checkpoint, std::ios::binary);
    original.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const auto resumeFrom = [&](const std::string & contents) {
    std::ofstream(checkpoint, std::ios::binary | std::ios::trunc) << contents;
    auto model = TinyModel();
    auto trainer = TinyTrainer(model, checkpoint);
    trainer->SetNumberOfEpochs(1); // nothing left to train: only the checkpoint is read
    trainer->Resume();
  };
  // The stored settings text with one character changed: "seed=7" -> "seed=8" (the run's own settings say 7).
  const auto seed = original.find("seed=7");
  ASSERT_NE(seed, std::string::npos);
  std::string edited = original;
  edited[seed + 5] = '8';
  ExpectThrowMentioning([&] { resumeFrom(edited); }, "CRC-32");
  // One character of the training log (its header "epoch,...").
  const auto log = original.find("epoch,");
  ASSERT_NE(log, std::string::npos);
  edited = original;
  edited[log] = 'E';
  ExpectThrowMentioning([&] { resumeFrom(edited); }, "CRC-32");
  // Truncated: the archive cannot be read; the error names the checkpoint.
  ExpectThrowMentioning([&] { resumeFrom(original.substr(0, original.size() / 2)); }, checkpoint);
  // The intact file resumes.
  EXPECT_NO_THROW(resumeFrom(original));
}

TEST(AutoencoderTrainer, StopsEarlyWithoutImprovement)
{
  auto model = TinyModel();
  auto trainer = TinyTrainer(model);
  trainer->SetLearningRate(1e-12); // nothing changes, so the validation loss cannot improve after epoch 1
  trainer->SetNumberOfEpochs(10);
  trainer->SetPatience(2);
  trainer->Train();
  EXPECT_TRUE(trainer->GetStoppedEarly());
  EXPECT_LE(trainer->GetEpoch(), 4u);
}

TEST(AutoencoderTrainer, SmallImagesAreMirroredUpToThePatch)
{
  auto model = TinyModel();
  auto trainer = itk::AutoencoderTrainer::New();
  trainer->SetModel(model);
  trainer->AddImage(Checkerboard(20, 12, 3, 4)); // smaller than the 32 x 32 patch
  trainer->SetNumberOfPatchesPerEpoch(32);
  trainer->SetBatchSize(16);
  trainer->SetNumberOfEpochs(1);
  EXPECT_NO_THROW(trainer->Train());
}

TEST(AutoencoderTrainer, InvalidInputThrows)
{
  auto trainer = itk::AutoencoderTrainer::New();
  EXPECT_THROW(trainer->Train(), itk::ExceptionObject); // no model
  auto model = TinyModel();
  trainer->SetModel(model);
  EXPECT_THROW(trainer->Train(), itk::ExceptionObject); // no images
  EXPECT_THROW(trainer->AddImageFile(std::string(SSIMAE_TEST_OUTPUT) + "/missing.png"), itk::ExceptionObject);
  auto withNaN = Checkerboard(40, 40, 4, 5);
  withNaN->SetPixel({ { 3, 4 } }, std::nanf(""));
  trainer->AddImage(withNaN);
  try
  {
    trainer->Train();
    ADD_FAILURE() << "trained on NaN";
  }
  catch (const itk::ExceptionObject & error)
  {
    EXPECT_NE(std::string(error.GetDescription()).find("NaN"), std::string::npos);
  }
  trainer->ClearImages();
  trainer->AddImage(Checkerboard(40, 40, 4, 5));
  trainer->SetBatchSize(0);
  EXPECT_THROW(trainer->Train(), itk::ExceptionObject);
  std::ostringstream printed;
  trainer->Print(printed);
  EXPECT_NE(printed.str().find("BatchSize: 0"), std::string::npos);
}

TEST(AutoencoderTrainer, AugmentationScaleAndNormalizationAreStoredAndRestored)
{
  const std::string checkpoint = std::string(SSIMAE_TEST_OUTPUT) + "/stored-settings.checkpoint";
  const std::string file = std::string(SSIMAE_TEST_OUTPUT) + "/stored-settings.pt";
  std::remove(checkpoint.c_str());
  auto model = TinyModel();
  model->SetImageScale(0.5);
  model->SetIntensityNormalization(itk::AutoencoderModelEnums::Normalization::PerImage);
  auto trainer = TinyTrainer(model, checkpoint);
  trainer->ClearImages();
  trainer->AddImage(Checkerboard(96, 80, 8, 1)); // 48 x 40 at scale 0.5
  trainer->SetAugmentation(itk::AutoencoderTrainerEnums::Augmentation::Flip);
  trainer->SetNumberOfEpochs(1);
  trainer->Train();
  EXPECT_EQ(model->GetMetadataValue("training.augmentation"), "flip");
  EXPECT_NE(model->GetMetadataValue("training.settings").find("scale=0.5"), std::string::npos);
  model->Save(file);
  auto loaded = itk::AutoencoderModel::New();
  loaded->Load(file);
  EXPECT_EQ(loaded->GetImageScale(), 0.5);
  EXPECT_EQ(loaded->GetIntensityNormalization(), itk::AutoencoderModelEnums::Normalization::PerImage);
  EXPECT_EQ(loaded->GetMetadataValue("training.augmentation"), "flip");

  // Resuming with another augmentation is refused, naming it.
  auto other = TinyModel();
  other->SetImageScale(0.5);
  other->SetIntensityNormalization(itk::AutoencoderModelEnums::Normalization::PerImage);
  auto otherTrainer = TinyTrainer(other, checkpoint);
  otherTrainer->ClearImages();
  otherTrainer->AddImage(Checkerboard(96, 80, 8, 1));
  otherTrainer->SetAugmentation(itk::AutoencoderTrainerEnums::Augmentation::SmallRotation);
  otherTrainer->SetNumberOfEpochs(2);
  try
  {
    otherTrainer->Resume();
    ADD_FAILURE() << "resumed with another augmentation";
  }
  catch (const itk::ExceptionObject & error)
  {
    EXPECT_NE(std::string(error.GetDescription()).find("augmentation=rotate"), std::string::npos)
      << error.GetDescription();
  }
}

TEST(AutoencoderTrainer, LogHasOneRowPerEpochAcrossAResume)
{
  const std::string checkpoint = std::string(SSIMAE_TEST_OUTPUT) + "/logged.checkpoint";
  const std::string log = std::string(SSIMAE_TEST_OUTPUT) + "/logged.csv";
  std::remove(checkpoint.c_str());
  std::remove(log.c_str());
  {
    auto model = TinyModel();
    auto trainer = TinyTrainer(model, checkpoint);
    trainer->SetLogFile(log);
    trainer->AddObserver(itk::IterationEvent(), [&](const itk::EventObject &) { trainer->AbortTrainingOn(); });
    trainer->Train();
    EXPECT_TRUE(trainer->GetAbortTraining());
  }
  auto model = TinyModel();
  auto trainer = TinyTrainer(model, checkpoint);
  trainer->SetLogFile(log);
  trainer->Resume();
  std::ifstream            in(log);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
  {
    lines.push_back(line);
  }
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "epoch,patches_seen,training_loss,validation_loss,seconds");
  double previousSeconds = 0.0;
  for (unsigned int epoch = 1; epoch <= 3; ++epoch)
  {
    std::istringstream       row(lines[epoch]);
    std::vector<std::string> fields;
    for (std::string field; std::getline(row, field, ',');)
    {
      fields.push_back(field);
    }
    ASSERT_EQ(fields.size(), 5u) << lines[epoch];
    EXPECT_EQ(fields[0], std::to_string(epoch));
    EXPECT_EQ(fields[1], std::to_string(96 * epoch));
    EXPECT_GT(std::stod(fields[2]), 0.0);
    EXPECT_GT(std::stod(fields[3]), 0.0);
    EXPECT_GE(std::stod(fields[4]), previousSeconds);
    previousSeconds = std::stod(fields[4]);
  }
  EXPECT_NEAR(std::stod(lines[3].substr(lines[3].rfind(',') + 1)), trainer->GetElapsedSeconds(), 0.051);
  EXPECT_TRUE(TemporaryFilesOf(SSIMAE_TEST_OUTPUT, "logged").empty());
  // The final validation loss of the log is the trainer's.
  EXPECT_NEAR(std::stod(lines[3].substr(lines[3].find(',', lines[3].find(',', lines[3].find(',') + 1) + 1) + 1)),
              trainer->GetValidationLoss(),
              1e-6);
}

TEST(AutoencoderTrainer, ValidationComesFromHeldOutImages)
{
  // Two runs that differ only in their held-out image: the training is the same (equal training losses; the
  // final weights may differ, as each keeps its own best validation epoch), the validation losses differ; without
  // held-out images the validation patches come from training.
  const auto flat = [](float value) {
    auto image = ImageType::New();
    image->SetRegions(ImageType::SizeType{ { 48, 48 } });
    image->Allocate();
    image->FillBuffer(value);
    return image;
  };
  std::vector<double> training, validation;
  for (const float value : { 60.0f, 190.0f })
  {
    auto model = TinyModel();
    auto trainer = TinyTrainer(model);
    trainer->SetNumberOfEpochs(2);
    trainer->AddValidationImage(flat(value));
    EXPECT_EQ(trainer->GetNumberOfValidationImages(), 1u);
    trainer->Train();
    EXPECT_EQ(model->GetMetadataValue("training.validation_source"), "held-out images");
    training.push_back(trainer->GetTrainingLoss());
    validation.push_back(trainer->GetValidationLoss());
  }
  EXPECT_EQ(training[0], training[1]);
  EXPECT_GT(std::abs(validation[0] - validation[1]), 1e-3);

  auto model = TinyModel();
  auto trainer = TinyTrainer(model);
  trainer->SetNumberOfEpochs(1);
  trainer->Train();
  EXPECT_EQ(model->GetMetadataValue("training.validation_source"), "training images");
  EXPECT_THROW(trainer->AddValidationImageFile(std::string(SSIMAE_TEST_OUTPUT) + "/missing.png"), itk::ExceptionObject);
}

TEST(AutoencoderTrainer, AugmentationModesAndMixedPrecisionTrain)
{
  std::vector<std::vector<float>> results;
  for (const auto mode : { itk::AutoencoderTrainerEnums::Augmentation::None,
                           itk::AutoencoderTrainerEnums::Augmentation::Flip,
                           itk::AutoencoderTrainerEnums::Augmentation::FlipRotate90,
                           itk::AutoencoderTrainerEnums::Augmentation::SmallRotation })
  {
    auto model = TinyModel();
    auto trainer = TinyTrainer(model);
    trainer->SetNumberOfEpochs(1);
    trainer->SetAugmentation(mode);
    trainer->SetMaximumRotationAngle(20.0);
    trainer->Train();
    EXPECT_TRUE(std::isfinite(trainer->GetTrainingLoss()));
    results.push_back(Reconstruction(model));
  }
  // Different patches, different weights.
  for (std::size_t i = 1; i < results.size(); ++i)
  {
    EXPECT_GT(LargestDifference(results[0], results[i]), 1e-6f) << "mode " << i;
  }
  // bfloat16 autocast: the same first-epoch loss to about two decimals.
  auto fullModel = TinyModel();
  auto full = TinyTrainer(fullModel);
  full->SetNumberOfEpochs(1);
  full->Train();
  auto halfModel = TinyModel();
  auto half = TinyTrainer(halfModel);
  half->SetNumberOfEpochs(1);
  half->MixedPrecisionOn();
  half->Train();
  EXPECT_NEAR(half->GetTrainingLoss(), full->GetTrainingLoss(), 0.02);
  EXPECT_NE(half->GetTrainingLoss(), full->GetTrainingLoss());
}

TEST(AutoencoderTrainer, LogAndCheckpointInAMissingDirectoryThrowNamingThePath)
{
  const std::string directory = std::string(SSIMAE_TEST_OUTPUT) + "/no-such-directory";
  std::filesystem::remove_all(directory);
  {
    auto model = TinyModel();
    auto trainer = TinyTrainer(model);
    trainer->SetNumberOfEpochs(1);
    trainer->SetLogFile(directory + "/training.csv");
    ExpectThrowMentioning([&] { trainer->Train(); }, directory + "/training.csv");
  }
  {
    auto model = TinyModel();
    auto trainer = TinyTrainer(model, directory + "/training.checkpoint");
    trainer->SetNumberOfEpochs(1);
    ExpectThrowMentioning([&] { trainer->Train(); }, directory + "/training.checkpoint");
  }
  EXPECT_FALSE(std::filesystem::exists(directory));
}

TEST(AutoencoderTrainer, BasicObjectMethods)
{
  auto model = TinyModel();
  auto trainer = TinyTrainer(model);
  trainer->SetNumberOfEpochs(1);
  trainer->Train();
  EXPECT_STREQ(trainer->GetNameOfClass(), "AutoencoderTrainer");
  std::ostringstream printed;
  trainer->Print(printed);
  for (const char * member : { "Model: ",
                               "Images: 2",
                               "ValidationImages: 0",
                               "NumberOfPatchesPerEpoch: 96",
                               "NumberOfEpochs: 1",
                               "BatchSize: 32",
                               "LearningRate: 0.001",
                               "WeightDecay: 1e-05",
                               "ValidationFraction: 0.2",
                               "Patience: 20",
                               "Augmentation: flip+rot90",
                               "MaximumRotationAngle: 10",
                               "MixedPrecision: 0",
                               "Seed: 7",
                               "AutomaticIntensityRange: 1",
                               "CheckpointFile: ",
                               "LogFile: ",
                               "NumberOfThreads: ",
                               "AbortTraining: 0",
                               "Epoch: 1",
                               "TrainingLoss: ",
                               "ValidationLoss: ",
                               "BestValidationLoss: ",
                               "BestEpoch: 1",
                               "Progress: 1",
                               "StoppedEarly: 0",
                               "ElapsedSeconds: " })
  {
    EXPECT_NE(printed.str().find(member), std::string::npos) << member << " not in:\n" << printed.str();
  }
}

TEST(AutoencoderTrainerEnums, StableNamesRoundTrip)
{
  using Augmentation = itk::AutoencoderTrainerEnums::Augmentation;
  const std::vector<std::pair<Augmentation, std::string>> names = { { Augmentation::None, "none" },
                                                                    { Augmentation::Flip, "flip" },
                                                                    { Augmentation::FlipRotate90, "flip+rot90" },
                                                                    { Augmentation::SmallRotation, "rotate" } };
  for (std::size_t i = 0; i < names.size(); ++i)
  {
    EXPECT_EQ(std::string(itk::AutoencoderTrainerEnums::ToString(names[i].first)), names[i].second);
    Augmentation parsed = names[(i + 1) % names.size()].first;
    EXPECT_TRUE(itk::AutoencoderTrainerEnums::FromString(names[i].second, parsed)) << names[i].second;
    EXPECT_EQ(parsed, names[i].first) << names[i].second;
    std::ostringstream printed;
    printed << names[i].first;
    EXPECT_EQ(printed.str(), names[i].second);
  }
  for (const std::string unknown : { "SmallRotation", "", "unknown", "flip+rot" })
  {
    Augmentation unchanged = Augmentation::Flip;
    EXPECT_FALSE(itk::AutoencoderTrainerEnums::FromString(unknown, unchanged)) << "'" << unknown << "'";
    EXPECT_EQ(unchanged, Augmentation::Flip);
  }
  EXPECT_STREQ(itk::AutoencoderTrainerEnums::ToString(static_cast<Augmentation>(99)), "unknown");
}

namespace {
itk::AutoencoderModel::Pointer
TinyVariationalModel()
{
  auto model = TinyModel();
  model->SetArchitecture(itk::AutoencoderModelEnums::Architecture::Variational);
  model->SetLoss(itk::AutoencoderModelEnums::Loss::ELBO);
  return model;
}

// Exports a TorchScript feature extractor of `kind` (scripts/export_feature_extractor.py); empty without
// python3-torch.
std::string
ExportFeatureExtractor(const std::string & kind)
{
  const std::string file = std::string(SSIMAE_TEST_OUTPUT) + "/features-" + kind + ".pt";
  const std::string command = std::string(SSIMAE_PYTHON) + " " + SSIMAE_SOURCE_DIR +
                              "/scripts/export_feature_extractor.py " + file + " --kind " + kind;
  const int status = std::system(command.c_str());
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
  {
    return "";
  }
  EXPECT_EQ(status, 0) << command;
  return file;
}
} // namespace

TEST(AutoencoderTrainer, VariationalModelTrainsAndResumesExactly)
{
  const std::string straightCheckpoint = std::string(SSIMAE_TEST_OUTPUT) + "/vae-straight.checkpoint";
  const std::string checkpoint = std::string(SSIMAE_TEST_OUTPUT) + "/vae-interrupted.checkpoint";
  std::remove(straightCheckpoint.c_str());
  std::remove(checkpoint.c_str());
  auto                straight = TinyVariationalModel();
  auto                straightTrainer = TinyTrainer(straight, straightCheckpoint);
  std::vector<double> losses;
  straightTrainer->AddObserver(itk::IterationEvent(),
                               [&](const itk::EventObject &) { losses.push_back(straightTrainer->GetTrainingLoss()); });
  straightTrainer->Train();
  ASSERT_EQ(losses.size(), 3u);
  EXPECT_LT(losses.back(), losses.front()); // the negative ELBO goes down on checkerboards
  EXPECT_NE(straight->GetMetadataValue("training.settings").find("loss=elbo"), std::string::npos);
  {
    auto model = TinyVariationalModel();
    auto trainer = TinyTrainer(model, checkpoint);
    trainer->AddObserver(itk::IterationEvent(), [&](const itk::EventObject &) { trainer->AbortTrainingOn(); });
    trainer->Train();
    EXPECT_EQ(trainer->GetEpoch(), 1u);
  }
  auto resumed = TinyVariationalModel();
  TinyTrainer(resumed, checkpoint)->Resume();
  EXPECT_LT(LargestDifference(Reconstruction(straight), Reconstruction(resumed)), 1e-6f);
  // The residual depends on the pixel variance kept during training: equal too.
  std::vector<float> patch(32 * 32, 0.4f);
  std::vector<float> a(patch.size());
  std::vector<float> b(patch.size());
  straight->ComputeResidual(patch.data(), 1, a.data());
  resumed->ComputeResidual(patch.data(), 1, b.data());
  EXPECT_LT(LargestDifference(a, b), 1e-5f);
}

TEST(AutoencoderTrainer, ArchitectureLossAndFeatureCombinationsAreChecked)
{
  auto model = TinyModel();
  model->SetArchitecture(itk::AutoencoderModelEnums::Architecture::Variational); // with the default SSIM loss
  ExpectThrowMentioning([&] { TinyTrainer(model)->Train(); }, "trained with the ELBO loss ('elbo'), not 'ssim'");
  auto elbo = TinyModel();
  elbo->SetLoss(itk::AutoencoderModelEnums::Loss::ELBO);
  ExpectThrowMentioning([&] { TinyTrainer(elbo)->Train(); }, "the ELBO loss needs the variational network");
  auto fm = TinyModel();
  fm->SetLoss(itk::AutoencoderModelEnums::Loss::FeatureMatching);
  ExpectThrowMentioning([&] { TinyTrainer(fm)->Train(); }, "needs a TorchScript feature extractor");
  auto withFeatures = TinyTrainer(TinyModel());
  withFeatures->SetFeatureExtractorFile("features.pt");
  ExpectThrowMentioning([&] { withFeatures->Train(); }, "features are used by the feature-matching loss");
  auto trainer = TinyTrainer(fm);
  trainer->SetFeatureExtractorFile(std::string(SSIMAE_TEST_OUTPUT) + "/no-such-features.pt");
  ExpectThrowMentioning([&] { trainer->Train(); }, "no-such-features.pt");
  trainer->SetFeatureExtractorFile(std::string(SSIMAE_TEST_DATA) + "/ssim_x_2d.mha"); // a file, not a module
  ExpectThrowMentioning([&] { trainer->Train(); }, "is not a loadable TorchScript module");
  trainer->SetFeatureWeight(-1.0);
  ExpectThrowMentioning([&] { trainer->Train(); }, "FeatureWeight must be a finite number >= 0");
  trainer->SetFeatureWeight(1.0);
  for (const char * kind : { "flat", "batch-mismatch" })
  {
    const auto file = ExportFeatureExtractor(kind);
    if (file.empty())
    {
      GTEST_SKIP() << "python3-torch is not importable by " << SSIMAE_PYTHON << ": cannot export feature extractors";
    }
    trainer->SetFeatureExtractorFile(file);
    ExpectThrowMentioning([&] { trainer->Train(); }, "it must return finite floating-point features with one row");
  }
}

TEST(AutoencoderTrainer, FeatureMatchingWithWeightZeroIsTheL2Autoencoder)
{
  const auto features = ExportFeatureExtractor("gabor");
  if (features.empty())
  {
    GTEST_SKIP() << "python3-torch is not importable by " << SSIMAE_PYTHON << ": cannot export a feature extractor";
  }
  auto l2 = TinyModel();
  l2->SetLoss(itk::AutoencoderModelEnums::Loss::L2);
  TinyTrainer(l2)->Train();
  const auto train = [&](double weight) {
    auto model = TinyModel();
    model->SetLoss(itk::AutoencoderModelEnums::Loss::FeatureMatching);
    auto trainer = TinyTrainer(model);
    trainer->SetFeatureExtractorFile(features);
    trainer->SetFeatureWeight(weight);
    trainer->Train();
    EXPECT_EQ(model->GetMetadataValue("training.features"), features);
    return model;
  };
  EXPECT_EQ(LargestDifference(Reconstruction(l2), Reconstruction(train(0.0))), 0.0f);
  EXPECT_GT(LargestDifference(Reconstruction(l2), Reconstruction(train(100.0))), 1e-4f);
}
