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
// `ssimae demo`: the paper's Figure 3 toy problem, generated in code. An l2-autoencoder and an SSIM-autoencoder
// are trained on defect-free checkerboards and segment grey strokes and dots on new checkerboards.
#include "ssimaeCommandLine.h"
#include "ssimaeImageIO.h"
#include "ssimaeOptions.h"
#include "ssimaePipeline.h"
#include "ssimaeTextFiles.h"

#include "itkAutoencoderTrainer.h"
#include "itkCheckerboardDefectGenerator.h"
#include "itkImageFileWriter.h"
#include "itkRGBPixel.h"
#include "itkResidualThresholdCalibrator.h"
#include "itkSSIMImageFilter.h"
#include "itkSegmentationEvaluation.h"

#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

namespace ssimae {

namespace {
using MaskImage = itk::Image<unsigned char, 2>;
using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

double
SecondsSince(Clock::time_point start)
{
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct DemoSettings
{
  std::string   Out;
  unsigned long TrainImages;
  unsigned long TestImages;
  unsigned long Patches;
  unsigned long Epochs;
  unsigned int  Seed;
  unsigned int  Size;
  unsigned int  Stride;
  unsigned int  Patch;
  unsigned int  Latent;
  unsigned int  Batch;
  double        LearningRate;
};

} // namespace

void
DeclareDemoOptions(ArgumentParser & arguments)
{
  arguments.AddOption("out", "DIR", "output directory", "demo-output");
  arguments.AddOption("train-images", "N", "defect-free training checkerboards", "12");
  arguments.AddOption("test-images", "N", "checkerboards with defects", "6");
  arguments.AddOption("size", "PIXELS", "side of the generated images (at most 4096)", "128");
  arguments.AddOption("patch", "P", "patch size of the networks (32, 64, 128)", "32");
  arguments.AddOption("latent", "D", "latent size", "64");
  arguments.AddOption("patches", "N", "training patches per epoch", "2000");
  arguments.AddOption("epochs", "N", "training epochs", "12");
  arguments.AddOption("batch", "N", "batch size", "32");
  arguments.AddOption("lr", "RATE", "Adam learning rate", "0.001");
  arguments.AddOption("stride", "S", "reconstruction stride", "8");
  arguments.AddOption("seed", "S", "seed of data and training", "1");
  arguments.AddOption("min-cell", "PIXELS", "smallest checkerboard cell", "6");
  arguments.AddOption("max-cell", "PIXELS", "largest checkerboard cell", "10");
  arguments.AddOption("max-angle", "DEGREES", "largest checkerboard rotation", "90");
  arguments.AddFlag("quick", "a small configuration (6 training and 3 test images, 600 patches, 4 epochs)");
  arguments.AddFlag("check",
                    "exit with status 3 unless the SSIM-AE reaches a pixel ROC AUC of at least 0.95 and beats the "
                    "l2-AE by at least 0.02");
}

namespace {
DemoSettings
ReadDemoSettings(const ArgumentParser & arguments)
{
  const bool   quick = arguments.GetFlag("quick");
  DemoSettings settings;
  settings.Out = arguments.GetString("out");
  settings.TrainImages = quick ? 6ul : arguments.GetPositiveInteger("train-images");
  settings.TestImages = quick ? 3ul : arguments.GetPositiveInteger("test-images");
  settings.Patches = quick ? 600ul : arguments.GetPositiveInteger("patches");
  settings.Epochs = quick ? 4ul : arguments.GetPositiveInteger("epochs");
  settings.Seed = static_cast<unsigned int>(arguments.GetNonNegativeInteger("seed"));
  settings.Size = static_cast<unsigned int>(arguments.GetPositiveInteger("size"));
  if (settings.Size > 4096)
  {
    // The demo holds all its generated images in memory (64 MiB each at 4096 px).
    throw UsageError("--size must be at most 4096 pixels, got " + arguments.GetString("size"));
  }
  settings.Stride = static_cast<unsigned int>(arguments.GetPositiveInteger("stride"));
  settings.Patch = static_cast<unsigned int>(arguments.GetPositiveInteger("patch"));
  settings.Latent = static_cast<unsigned int>(arguments.GetPositiveInteger("latent"));
  settings.Batch = static_cast<unsigned int>(arguments.GetPositiveInteger("batch"));
  settings.LearningRate = arguments.GetDouble("lr");
  return settings;
}

// Generated checkerboards: defect-free training textures, two defect-free validation textures (not trained on)
// that calibrate the threshold, and test images with their defect masks.
struct DemoData
{
  std::vector<FloatImage2::Pointer> Training;
  std::vector<FloatImage2::Pointer> Validation;
  std::vector<FloatImage2::Pointer> Tests;
  std::vector<MaskImage::Pointer>   Masks;
};

DemoData
MakeDemoData(const ArgumentParser & arguments, const DemoSettings & settings)
{
  auto generator = itk::CheckerboardDefectGenerator::New();
  generator->SetWidth(settings.Size);
  generator->SetHeight(settings.Size);
  generator->SetSeed(settings.Seed);
  generator->SetMinimumCellSize(arguments.GetDouble("min-cell"));
  generator->SetMaximumCellSize(arguments.GetDouble("max-cell"));
  generator->SetMaximumAngle(arguments.GetDouble("max-angle"));
  DemoData data;
  for (unsigned int i = 0; i < settings.TrainImages; ++i)
  {
    data.Training.push_back(generator->MakeTexture(i));
  }
  for (unsigned int i = 0; i < 2; ++i)
  {
    data.Validation.push_back(generator->MakeTexture(1000 + i));
  }
  for (unsigned int i = 0; i < settings.TestImages; ++i)
  {
    FloatImage2::Pointer image;
    MaskImage::Pointer   mask;
    generator->MakeDefectImage(i, image, mask);
    data.Tests.push_back(image);
    data.Masks.push_back(mask);
    const std::string prefix = settings.Out + "/test" + std::to_string(i);
    WriteFloatImage<2>(image, prefix + "_input.png", 0.0, 255.0);
    auto scaled = FloatImage2::New();
    scaled->SetRegions(mask->GetLargestPossibleRegion());
    scaled->Allocate();
    std::copy_n(
      mask->GetBufferPointer(), mask->GetLargestPossibleRegion().GetNumberOfPixels(), scaled->GetBufferPointer());
    WriteFloatImage<2>(scaled, prefix + "_mask.png", 0.0, 1.0);
  }
  return data;
}

// Trains one network on the training textures; returns its final training loss.
double
TrainDemoModel(itk::AutoencoderModel * model,
               const std::string &     loss,
               const DemoData &        data,
               const DemoSettings &    settings)
{
  model->SetPatchSize(settings.Patch);
  model->SetLatentSize(settings.Latent);
  model->SetLoss(
    ParseEnumOption<itk::AutoencoderModelEnums, itk::AutoencoderModelEnums::Loss>("loss", loss, "ssim or l2"));
  auto trainer = itk::AutoencoderTrainer::New();
  trainer->SetModel(model);
  for (const auto & image : data.Training)
  {
    trainer->AddImage(image);
  }
  trainer->SetNumberOfPatchesPerEpoch(static_cast<unsigned int>(settings.Patches));
  trainer->SetNumberOfEpochs(static_cast<unsigned int>(settings.Epochs));
  trainer->SetBatchSize(settings.Batch);
  trainer->SetLearningRate(settings.LearningRate);
  trainer->SetSeed(settings.Seed);
  trainer->SetPatience(0);
  ProgressBar bar(loss + "-AE training");
  trainer->AddObserver(itk::ProgressEvent(), [&](const itk::EventObject &) {
    bar.Update(trainer->GetProgress(),
               "epoch " + std::to_string(trainer->GetEpoch() + 1) + "/" + std::to_string(settings.Epochs));
  });
  try
  {
    trainer->Train();
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError(std::string("training the ") + loss + "-AE failed: " + error.GetDescription());
  }
  std::ostringstream finished;
  finished << "loss " << std::setprecision(4) << trainer->GetTrainingLoss() << ", validation "
           << trainer->GetValidationLoss();
  bar.Finish(finished.str());
  return trainer->GetTrainingLoss();
}

// The minimum-area rule (20 pixels) on the validation textures; stores the threshold in the model.
double
CalibrateDemoModel(itk::AutoencoderModel * model,
                   const std::string &     loss,
                   const DemoData &        data,
                   const DemoSettings &    settings)
{
  auto calibrator = itk::ResidualThresholdCalibrator::New();
  calibrator->SetRule(itk::ResidualThresholdCalibratorEnums::Rule::MinimumArea);
  calibrator->SetMinimumDefectArea(20);
  for (const auto & image : data.Validation)
  {
    const auto reconstruction = ReconstructImage(image, model, settings.Stride, 64);
    calibrator->AddResidualMap(ResidualMap(image, reconstruction, model, loss));
  }
  const double threshold = calibrator->Compute();
  model->SetThreshold(threshold);
  model->SetMetadataValue("calibration", calibrator->Describe());
  return threshold;
}

// The figure panels of one test image: reconstruction, both residuals, SSIM's factors, the segmentation overlay.
void
WriteDemoPanels(const FloatImage2 *           image,
                const MaskImage *             mask,
                const FloatImage2 *           reconstruction,
                const FloatImage2 *           residual,
                const itk::AutoencoderModel * model,
                double                        threshold,
                const std::string &           prefix)
{
  auto ssim = itk::SSIMImageFilter<FloatImage2>::New();
  ssim->SetInput1(image);
  ssim->SetInput2(reconstruction);
  ssim->SetDynamicRange(model->GetIntensityMaximum() - model->GetIntensityMinimum());
  ssim->Update();
  WriteFloatImage<2>(reconstruction, prefix + "reconstruction.png", 0.0, 255.0);
  WriteFloatImage<2>(ResidualMap(image, reconstruction, model, "l2"), prefix + "l2_residual.png", 0.0, 0.25);
  WriteFloatImage<2>(ResidualMap(image, reconstruction, model, "ssim"), prefix + "ssim_residual.png", 0.0, 1.0);
  WriteFloatImage<2>(ssim->GetLuminanceOutput(), prefix + "luminance.png", 0.0, 1.0);
  WriteFloatImage<2>(ssim->GetContrastOutput(), prefix + "contrast.png", 0.0, 1.0);
  WriteFloatImage<2>(ssim->GetStructureOutput(), prefix + "structure.png", -1.0, 1.0);
  std::vector<std::uint8_t> predicted(residual->GetLargestPossibleRegion().GetNumberOfPixels());
  for (std::size_t p = 0; p < predicted.size(); ++p)
  {
    predicted[p] = residual->GetBufferPointer()[p] > threshold ? 1 : 0;
  }
  WriteOverlayImage(image, mask, predicted, prefix + "segmentation.png");
}

struct DemoResult
{
  std::string Name;
  double      PixelAUROC;
  double      AUPRO;
  double      Threshold;
  double      Seconds;
  double      FinalLoss;
};

// Trains, calibrates and saves one model, segments the test images and scores them.
DemoResult
RunDemoModel(const std::string & loss, const DemoData & data, const DemoSettings & settings)
{
  const auto start = Clock::now();
  auto       model = itk::AutoencoderModel::New();
  const auto finalLoss = TrainDemoModel(model, loss, data, settings);
  const auto modelFile = settings.Out + "/" + loss + "-ae.pt";
  model->Save(modelFile);
  const double threshold = CalibrateDemoModel(model, loss, data, settings);
  model->Save(modelFile);
  auto evaluation = itk::SegmentationEvaluation::New();
  for (std::size_t i = 0; i < data.Tests.size(); ++i)
  {
    const auto reconstruction = ReconstructImage(data.Tests[i], model, settings.Stride, 64);
    const auto residual = ResidualMap(data.Tests[i], reconstruction, model, loss);
    evaluation->AddImage(residual, data.Masks[i]);
    WriteDemoPanels(data.Tests[i],
                    data.Masks[i],
                    reconstruction,
                    residual,
                    model,
                    threshold,
                    settings.Out + "/test" + std::to_string(i) + "_" + loss + "-ae_");
  }
  evaluation->Compute();
  return { loss, evaluation->GetPixelAUROC(), evaluation->GetAUPRO(), threshold, SecondsSince(start), finalLoss };
}

void
ReportDemoResults(const std::vector<DemoResult> & results, const DemoSettings & settings, double total)
{
  std::cout << "\n"
            << std::left << std::setw(10) << "model" << std::right << std::setw(14) << "pixel AUROC" << std::setw(12)
            << "AUPRO@0.3" << std::setw(12) << "threshold" << std::setw(10) << "time s"
            << "\n";
  Json json;
  for (const auto & result : results)
  {
    std::cout << std::left << std::setw(10) << (result.Name + "-AE") << std::right << std::fixed << std::setprecision(4)
              << std::setw(14) << result.PixelAUROC << std::setw(12) << result.AUPRO << std::setw(12)
              << result.Threshold << std::setw(10) << std::setprecision(1) << result.Seconds << "\n";
    json[result.Name] = { { "pixel_auroc", JsonNumber(result.PixelAUROC) },
                          { "aupro_0.3", JsonNumber(result.AUPRO) },
                          { "threshold", JsonNumber(result.Threshold) },
                          { "final_training_loss", JsonNumber(result.FinalLoss) },
                          { "seconds", JsonNumber(result.Seconds) } };
  }
  json["settings"] = { { "train_images", settings.TrainImages },
                       { "test_images", settings.TestImages },
                       { "image_size", settings.Size },
                       { "patch", settings.Patch },
                       { "latent", settings.Latent },
                       { "patches_per_epoch", settings.Patches },
                       { "epochs", settings.Epochs },
                       { "seed", settings.Seed } };
  json["seconds"] = JsonNumber(total);
  WriteTextAtomically(settings.Out + "/metrics.json", json.dump(2) + "\n");
  std::cout << "total " << std::setprecision(1) << total << " s; results in " << settings.Out << "/" << std::endl;
}

// --check: the paper's Figure 3 claim on this configuration.
int
CheckDemoResults(const std::vector<DemoResult> & results)
{
  const double l2 = results[0].PixelAUROC;
  const double ssim = results[1].PixelAUROC;
  if (!(ssim >= 0.95 && ssim >= l2 + 0.02))
  {
    std::cerr << "ssimae demo: check failed: SSIM-AE pixel ROC AUC " << std::setprecision(4) << ssim
              << " (needs >= 0.95), l2-AE " << l2 << " (SSIM-AE needs to be ahead by >= 0.02)" << std::endl;
    return 3;
  }
  std::cout << "check passed: SSIM-AE " << std::setprecision(4) << ssim << " >= 0.95 and ahead of the l2-AE (" << l2
            << ")" << std::endl;
  return 0;
}
} // namespace

int
RunDemo(int argc, char * argv[])
{
  ArgumentParser arguments(
    "demo",
    "[--out DIR] [options]",
    "The toy problem of Bergmann et al.'s Figure 3, generated in code: an l2-autoencoder and an SSIM-autoencoder\n"
    "are trained on defect-free checkerboards and segment grey strokes and dots on new checkerboards. Prints the\n"
    "pixel ROC AUC of both, and writes DIR/metrics.json, the trained models, and per test image the panels\n"
    "(input, mask, and per model: reconstruction, l2 residual, SSIM residual, luminance, contrast, structure,\n"
    "segmentation overlay) as PNG.");
  DeclareDemoOptions(arguments);
  if (!arguments.Parse(argc, argv))
  {
    return 0;
  }
  const DemoSettings settings = ReadDemoSettings(arguments);
  MakeDirectory(settings.Out);
  const auto              started = Clock::now();
  const DemoData          data = MakeDemoData(arguments, settings);
  std::vector<DemoResult> results;
  for (const std::string loss : { "l2", "ssim" })
  {
    results.push_back(RunDemoModel(loss, data, settings));
  }
  ReportDemoResults(results, settings, SecondsSince(started));
  return arguments.GetFlag("check") ? CheckDemoResults(results) : 0;
}

} // namespace ssimae
