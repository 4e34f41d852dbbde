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
#include "ssimaePipeline.h"

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
#include <sys/stat.h>

namespace ssimae {

namespace {
using MaskImage = itk::Image<unsigned char, 2>;

std::string
Number(double value)
{
  std::ostringstream text;
  text << std::setprecision(6) << value;
  return std::isfinite(value) ? text.str() : "null";
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
  arguments.AddOption("out", "DIR", "output directory", "demo-output");
  arguments.AddOption("train-images", "N", "defect-free training checkerboards", "12");
  arguments.AddOption("test-images", "N", "checkerboards with defects", "6");
  arguments.AddOption("size", "PIXELS", "side of the generated images", "128");
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
  arguments.AddFlag("quick", "a small configuration (8 training and 3 test images, 1500 patches, 6 epochs)");
  arguments.AddFlag("check",
                    "exit with status 3 unless the SSIM-AE reaches a pixel ROC AUC of at least 0.95 and beats the "
                    "l2-AE by at least 0.02");
  if (!arguments.Parse(argc, argv))
  {
    return 0;
  }
  const bool        quick = arguments.GetFlag("quick");
  const auto        trainImages = quick ? 6ul : arguments.GetPositiveInteger("train-images");
  const auto        testImages = quick ? 3ul : arguments.GetPositiveInteger("test-images");
  const auto        patches = quick ? 600ul : arguments.GetPositiveInteger("patches");
  const auto        epochs = quick ? 4ul : arguments.GetPositiveInteger("epochs");
  const auto        seed = static_cast<unsigned int>(arguments.GetInteger("seed"));
  const auto        size = static_cast<unsigned int>(arguments.GetPositiveInteger("size"));
  const auto        stride = static_cast<unsigned int>(arguments.GetPositiveInteger("stride"));
  const std::string out = arguments.GetString("out");
  MakeDirectory(out);
  const auto started = std::chrono::steady_clock::now();

  auto generator = itk::CheckerboardDefectGenerator::New();
  generator->SetWidth(size);
  generator->SetHeight(size);
  generator->SetSeed(seed);
  generator->SetMinimumCellSize(arguments.GetDouble("min-cell"));
  generator->SetMaximumCellSize(arguments.GetDouble("max-cell"));
  generator->SetMaximumAngle(arguments.GetDouble("max-angle"));
  std::vector<FloatImage2::Pointer> training;
  for (unsigned int i = 0; i < trainImages; ++i)
  {
    training.push_back(generator->MakeTexture(i));
  }
  // Defect-free validation textures (not trained on) calibrate the segmentation threshold.
  std::vector<FloatImage2::Pointer> validation;
  for (unsigned int i = 0; i < 2; ++i)
  {
    validation.push_back(generator->MakeTexture(1000 + i));
  }
  std::vector<FloatImage2::Pointer> tests;
  std::vector<MaskImage::Pointer>   masks;
  for (unsigned int i = 0; i < testImages; ++i)
  {
    FloatImage2::Pointer image;
    MaskImage::Pointer   mask;
    generator->MakeDefectImage(i, image, mask);
    tests.push_back(image);
    masks.push_back(mask);
    const std::string prefix = out + "/test" + std::to_string(i);
    WriteFloatImage<2>(image, prefix + "_input.png", 0.0, 255.0);
    auto scaled = FloatImage2::New();
    scaled->SetRegions(mask->GetLargestPossibleRegion());
    scaled->Allocate();
    for (std::size_t p = 0; p < mask->GetLargestPossibleRegion().GetNumberOfPixels(); ++p)
    {
      scaled->GetBufferPointer()[p] = mask->GetBufferPointer()[p];
    }
    WriteFloatImage<2>(scaled, prefix + "_mask.png", 0.0, 1.0);
  }

  struct Result
  {
    std::string Name;
    double      PixelAUROC;
    double      AUPRO;
    double      Threshold;
    double      Seconds;
    double      FinalLoss;
  };
  std::vector<Result> results;
  for (const std::string loss : { "l2", "ssim" })
  {
    const auto modelStart = std::chrono::steady_clock::now();
    auto       model = itk::AutoencoderModel::New();
    model->SetPatchSize(static_cast<unsigned int>(arguments.GetPositiveInteger("patch")));
    model->SetLatentSize(static_cast<unsigned int>(arguments.GetPositiveInteger("latent")));
    model->SetLoss(loss == "ssim" ? itk::AutoencoderModelEnums::Loss::SSIM : itk::AutoencoderModelEnums::Loss::L2);
    auto trainer = itk::AutoencoderTrainer::New();
    trainer->SetModel(model);
    for (const auto & image : training)
    {
      trainer->AddImage(image);
    }
    trainer->SetNumberOfPatchesPerEpoch(static_cast<unsigned int>(patches));
    trainer->SetNumberOfEpochs(static_cast<unsigned int>(epochs));
    trainer->SetBatchSize(static_cast<unsigned int>(arguments.GetPositiveInteger("batch")));
    trainer->SetLearningRate(arguments.GetDouble("lr"));
    trainer->SetSeed(seed);
    trainer->SetPatience(0);
    ProgressBar bar(loss + "-AE training");
    trainer->AddObserver(itk::ProgressEvent(), [&](const itk::EventObject &) {
      std::ostringstream message;
      message << "epoch " << trainer->GetEpoch() + 1 << "/" << epochs;
      bar.Update(trainer->GetProgress(), message.str());
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
    model->Save(out + "/" + loss + "-ae.pt");

    auto calibrator = itk::ResidualThresholdCalibrator::New();
    calibrator->SetRule(itk::ResidualThresholdCalibratorEnums::Rule::MinimumArea);
    calibrator->SetMinimumDefectArea(20);
    for (const auto & image : validation)
    {
      const auto reconstruction = ReconstructImage(image, model, stride, 64);
      calibrator->AddResidualMap(ResidualMap(image, reconstruction, model, loss));
    }
    const double threshold = calibrator->Compute();
    model->SetThreshold(threshold);
    model->SetMetadataValue("calibration", calibrator->Describe());
    model->Save(out + "/" + loss + "-ae.pt");

    auto evaluation = itk::SegmentationEvaluation::New();
    for (std::size_t i = 0; i < tests.size(); ++i)
    {
      const auto        reconstruction = ReconstructImage(tests[i], model, stride, 64);
      const auto        residual = ResidualMap(tests[i], reconstruction, model, loss);
      const std::string prefix = out + "/test" + std::to_string(i) + "_" + loss + "-ae_";
      evaluation->AddImage(residual, masks[i]);

      auto ssim = itk::SSIMImageFilter<FloatImage2>::New();
      ssim->SetInput1(tests[i]);
      ssim->SetInput2(reconstruction);
      ssim->SetDynamicRange(model->GetIntensityMaximum() - model->GetIntensityMinimum());
      ssim->Update();
      const auto l2 = ResidualMap(tests[i], reconstruction, model, "l2");
      const auto ssimResidual = ResidualMap(tests[i], reconstruction, model, "ssim");
      WriteFloatImage<2>(reconstruction, prefix + "reconstruction.png", 0.0, 255.0);
      WriteFloatImage<2>(l2, prefix + "l2_residual.png", 0.0, 0.25);
      WriteFloatImage<2>(ssimResidual, prefix + "ssim_residual.png", 0.0, 1.0);
      WriteFloatImage<2>(ssim->GetLuminanceOutput(), prefix + "luminance.png", 0.0, 1.0);
      WriteFloatImage<2>(ssim->GetContrastOutput(), prefix + "contrast.png", 0.0, 1.0);
      WriteFloatImage<2>(ssim->GetStructureOutput(), prefix + "structure.png", -1.0, 1.0);
      std::vector<std::uint8_t> predicted(residual->GetLargestPossibleRegion().GetNumberOfPixels());
      for (std::size_t p = 0; p < predicted.size(); ++p)
      {
        predicted[p] = residual->GetBufferPointer()[p] > threshold ? 1 : 0;
      }
      WriteOverlayImage(tests[i], masks[i], predicted, prefix + "segmentation.png");
    }
    evaluation->Compute();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - modelStart).count();
    results.push_back(
      { loss, evaluation->GetPixelAUROC(), evaluation->GetAUPRO(), threshold, seconds, trainer->GetTrainingLoss() });
  }

  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "\n"
            << std::left << std::setw(10) << "model" << std::right << std::setw(14) << "pixel AUROC" << std::setw(12)
            << "AUPRO@0.3" << std::setw(12) << "threshold" << std::setw(10) << "time s"
            << "\n";
  std::ostringstream json;
  json << "{\n";
  for (std::size_t r = 0; r < results.size(); ++r)
  {
    const auto & result = results[r];
    std::cout << std::left << std::setw(10) << (result.Name + "-AE") << std::right << std::fixed << std::setprecision(4)
              << std::setw(14) << result.PixelAUROC << std::setw(12) << result.AUPRO << std::setw(12)
              << result.Threshold << std::setw(10) << std::setprecision(1) << result.Seconds << "\n";
    json << "  \"" << result.Name << "\": {\"pixel_auroc\": " << Number(result.PixelAUROC)
         << ", \"aupro_0.3\": " << Number(result.AUPRO) << ", \"threshold\": " << Number(result.Threshold)
         << ", \"final_training_loss\": " << Number(result.FinalLoss) << ", \"seconds\": " << Number(result.Seconds)
         << "},\n";
  }
  json << "  \"settings\": {\"train_images\": " << trainImages << ", \"test_images\": " << testImages
       << ", \"image_size\": " << size << ", \"patch\": " << arguments.GetString("patch")
       << ", \"latent\": " << arguments.GetString("latent") << ", \"patches_per_epoch\": " << patches
       << ", \"epochs\": " << epochs << ", \"seed\": " << seed << "},\n  \"seconds\": " << Number(total) << "\n}\n";
  WriteTextAtomically(out + "/metrics.json", json.str());
  std::cout << "total " << std::setprecision(1) << total << " s; results in " << out << "/" << std::endl;
  if (arguments.GetFlag("check"))
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
  }
  return 0;
}

} // namespace ssimae
