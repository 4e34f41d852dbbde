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
// TrainAutoencoder: trains and calibrates an SSIM autoencoder on the slices of a defect-free volume, as a 3D Slicer
// command-line module.
#include "ssimaeCommandLine.h"
#include "ssimaeImageIO.h"
#include "ssimaePipeline.h"
#include "ssimaeSegmentation.h"
#include "ssimaeSlicerModule.h"

#include "itkAutoencoderTrainer.h"
#include "itkResidualThresholdCalibrator.h"

#include <cmath>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {
using ssimae::CommandError;
using ssimae::FloatImage2;

// The volume, the model and how the slices are split.
void
DescribeData(ssimae::SlicerModule & module)
{
  module.AddGroup("Data", "The defect-free volume and the model file.");
  module.Add({ "image",
               "trainingVolume",
               "Defect-free volume",
               "Volume (or image) without defects to learn from",
               "input",
               0,
               "",
               "type=\"scalar\" fileExtensions=\".nrrd\"" });
  module.Add({ "file",
               "outputModel",
               "Model",
               "The trained and calibrated model (.pt), for Segment Defects",
               "output",
               1,
               "",
               "fileExtensions=\".pt\"" });
  module.Add({ "integer",
               "axis",
               "Slice axis",
               "Axis along which the volume is cut into 2D training slices (IJK: 0, "
               "1 or 2)",
               "",
               -1,
               "2",
               "",
               true,
               0,
               2,
               1 });
  module.Add({ "double",
               "validationFraction",
               "Validation fraction",
               "Share of the slices, taken from the end of the "
               "axis, held out for early stopping and for calibrating the threshold",
               "",
               -1,
               "0.2",
               "",
               true,
               0.01,
               0.9,
               0.05 });
}

// The network and the optimisation.
void
DescribeTraining(ssimae::SlicerModule & module)
{
  module.AddGroup("Training", "The paper's network and training set-up (Bergmann et al. 2019).");
  module.Add({ "string", "loss", "Loss", "ssim (SSIM autoencoder) or l2", "", -1, "ssim" });
  module.Add({ "integer",
               "patchSize",
               "Patch size",
               "Patch size in pixels: 32, 64, 128 or 256",
               "",
               -1,
               "128",
               "",
               true,
               32,
               256,
               32 });
  module.Add(
    { "integer", "latentSize", "Latent size", "Size of the latent code", "", -1, "100", "", true, 1, 4096, 1 });
  module.Add({ "integer",
               "patchesPerEpoch",
               "Patches per epoch",
               "Random patches drawn per epoch",
               "",
               -1,
               "10000",
               "",
               true,
               1,
               1e7,
               100 });
  module.Add({ "integer", "epochs", "Epochs", "Maximum number of epochs", "", -1, "200", "", true, 1, 10000, 1 });
  module.Add(
    { "integer", "batchSize", "Batch size", "Patches per optimisation step", "", -1, "128", "", true, 1, 4096, 1 });
  module.Add({ "integer",
               "patience",
               "Patience",
               "Stop after this many epochs without a better validation loss (0: "
               "never)",
               "",
               -1,
               "20",
               "",
               true,
               0,
               10000,
               1 });
  module.Add({ "integer",
               "seed",
               "Seed",
               "Seed of the initial weights and of the patch sampling",
               "",
               -1,
               "0",
               "",
               true,
               0,
               2147483647,
               1 });
  module.Add({ "integer", "threads", "Threads", "LibTorch threads (0: all cores)", "", -1, "0", "", true, 0, 1024, 1 });
}

void
Describe(ssimae::SlicerModule & module)
{
  DescribeData(module);
  DescribeTraining(module);
  module.AddGroup("Calibration", "The defect threshold, from the held-out slices.");
  module.Add({ "double",
               "percentile",
               "Percentile",
               "Threshold: this percentile of the residuals of the held-out "
               "slices",
               "",
               -1,
               "99.5",
               "",
               true,
               0,
               100,
               0.1 });
  module.Add({ "integer",
               "stride",
               "Stride",
               "Step between reconstructed patches, in pixels",
               "",
               -1,
               "30",
               "",
               true,
               1,
               4096,
               1 });

  module.AddGroup("Results", "Scalar results.");
  module.Add(
    { "integer", "epochsTrained", "Epochs trained", "Epochs run (fewer than Epochs when stopped early)", "output" });
  module.Add({ "double",
               "bestValidationLoss",
               "Best validation loss",
               "Loss on the held-out slices of the kept "
               "model",
               "output" });
  module.Add({ "double", "threshold", "Threshold", "Calibrated defect threshold stored in the model", "output" });
}

// The slices along the axis: the first for training, the last `fraction` (at least one each) held out.
std::pair<std::vector<FloatImage2::Pointer>, std::vector<FloatImage2::Pointer>>
SplitSlices(std::vector<FloatImage2::Pointer> slices, double fraction, const std::string & path, long axis)
{
  const auto held = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(slices.size())));
  if (slices.size() < 2 || held >= slices.size())
  {
    throw CommandError("'" + path + "' has " + std::to_string(slices.size()) + " slice(s) along axis " +
                       std::to_string(axis) + ": training needs at least one slice besides the " +
                       std::to_string(std::max<std::size_t>(held, 1)) + " held out for validation");
  }
  std::vector<FloatImage2::Pointer> validation(slices.end() - static_cast<std::ptrdiff_t>(held), slices.end());
  slices.resize(slices.size() - held);
  return { slices, validation };
}

itk::AutoencoderModel::Pointer
MakeModel(const ssimae::SlicerModule & module)
{
  auto model = itk::AutoencoderModel::New();
  model->SetPatchSize(static_cast<unsigned int>(module.GetInteger("patchSize")));
  model->SetLatentSize(static_cast<unsigned int>(module.GetInteger("latentSize")));
  const std::string loss = module.GetString("loss");
  if (loss != "ssim" && loss != "l2")
  {
    throw ssimae::UsageError("--loss must be ssim or l2, got '" + loss + "'");
  }
  model->SetLoss(loss == "ssim" ? itk::AutoencoderModelEnums::Loss::SSIM : itk::AutoencoderModelEnums::Loss::L2);
  return model;
}

// Trains with the paper's optimiser settings (those of ssimae train), reporting each training step as progress.
void
Train(ssimae::SlicerModule &                    module,
      itk::AutoencoderModel *                   model,
      const std::vector<FloatImage2::Pointer> & training,
      const std::vector<FloatImage2::Pointer> & validation)
{
  auto trainer = itk::AutoencoderTrainer::New();
  trainer->SetModel(model);
  for (const auto & slice : training)
  {
    trainer->AddImage(slice);
  }
  for (const auto & slice : validation)
  {
    trainer->AddValidationImage(slice);
  }
  trainer->SetNumberOfPatchesPerEpoch(static_cast<unsigned int>(module.GetInteger("patchesPerEpoch")));
  trainer->SetNumberOfEpochs(static_cast<unsigned int>(module.GetInteger("epochs")));
  trainer->SetBatchSize(static_cast<unsigned int>(module.GetInteger("batchSize")));
  // Learning rate and augmentation: the trainer's defaults, the paper's (and ssimae train's).
  trainer->SetPatience(static_cast<unsigned int>(module.GetInteger("patience")));
  trainer->SetSeed(static_cast<unsigned int>(module.GetInteger("seed")));
  if (module.GetInteger("threads") > 0)
  {
    trainer->SetNumberOfThreads(static_cast<unsigned int>(module.GetInteger("threads")));
  }
  trainer->AddObserver(itk::ProgressEvent(), [&module, &trainer](const itk::EventObject &) {
    module.ReportProgress(trainer->GetProgress());
  });
  module.StartFilter("TrainAutoencoder", "training on " + std::to_string(training.size()) + " slices");
  trainer->Train();
  module.ReportProgress(1.0); // also when early stopping ended training before the planned epochs
  module.EndFilter();
  module.SetResult("epochsTrained", std::to_string(trainer->GetEpoch()));
  module.SetResult("bestValidationLoss", trainer->GetBestValidationLoss());
}

// The percentile threshold of the held-out slices' residuals, stored in the model as `ssimae calibrate` does.
void
Calibrate(ssimae::SlicerModule &                    module,
          itk::AutoencoderModel *                   model,
          const std::vector<FloatImage2::Pointer> & slices)
{
  const std::string residual = ssimae::DefaultResidual(*model);
  auto              calibrator = itk::ResidualThresholdCalibrator::New();
  calibrator->SetRule(itk::ResidualThresholdCalibratorEnums::Rule::Percentile);
  calibrator->SetPercentile(module.GetDouble("percentile"));
  for (const auto & slice : slices)
  {
    calibrator->AddResidualMap(ssimae::ScoreImage(
      slice, model, residual, static_cast<unsigned int>(module.GetInteger("stride")), "a held-out slice"));
  }
  const double threshold = calibrator->Compute();
  ssimae::StoreCalibration(*model, threshold, calibrator->Describe(), residual);
  module.SetResult("threshold", threshold);
}

void
Run(ssimae::SlicerModule & module)
{
  const std::string input = module.GetString("trainingVolume");
  const std::string output = module.GetString("outputModel");
  const auto        axis = module.GetInteger("axis");
  ssimae::RequireSeparateOutputs({ output }, { input });
#if defined(__GLIBC__)
  // As ssimae train: keep freed memory in the process (LibTorch allocates every activation and gradient anew).
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
#endif
  ssimae::ImageFileInfo info;
  auto                  slices = ssimae::ReadImageOrSlices(input, static_cast<unsigned int>(axis), &info);
  const auto [training, validation] =
    SplitSlices(std::move(slices), module.GetDouble("validationFraction"), input, axis);
  const auto model = MakeModel(module);
  if (ssimae::PixelTypeName(info) != "float")
  {
    model->SetMetadataValue(ssimae::TrainingPixelTypeKey, ssimae::PixelTypeName(info));
  }
  try
  {
    Train(module, model, training, validation);
    Calibrate(module, model, validation);
    model->Save(output);
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError(error.GetDescription());
  }
}
} // namespace

int
main(int argc, char * argv[])
{
  ssimae::SlicerModule module(
    "Train Autoencoder",
    "Segmentation.SSIM Autoencoder",
    "Trains the SSIM autoencoder of Bergmann et al. (2019) on the slices of a defect-free volume and calibrates its "
    "defect threshold on held-out slices; the model file is then used by Segment Defects.");
  Describe(module);
  return module.Main(argc, argv, Run);
}
