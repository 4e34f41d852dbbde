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
// `ssimae train`, `ssimae reconstruct`, `ssimae calibrate` and `ssimae segment`.
#include "ssimaeCommandLine.h"
#include "ssimaeImageIO.h"
#include "ssimaeOptions.h"
#include "ssimaePipeline.h"
#include "ssimaePlot.h"
#include "ssimaeSegmentation.h"
#include "ssimaeStreamedSegment.h"
#include "ssimaeVTKExport.h"
#include "ssimaeTextFiles.h"

#include "itkAtomicFile.h"
#include "itkAutoencoderReconstructionFilter.h"
#include "itkAutoencoderTrainer.h"
#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkResidualSegmentationFilter.h"
#include "itkResidualThresholdCalibrator.h"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace ssimae {

namespace {
bool
HasImageExtension(const std::string & name)
{
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char * extension :
       { ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".mha", ".mhd", ".nrrd", ".nii", ".nii.gz", ".vtk" })
  {
    const std::string e = extension;
    if (lower.size() > e.size() && lower.compare(lower.size() - e.size(), e.size(), e) == 0)
    {
      return true;
    }
  }
  return false;
}

// Shell-style wildcard match of one file name: * any run, ? one character, [abc] / [a-z] / [!abc] a set.
bool
MatchesWildcard(const char * name, const char * pattern)
{
  for (; *pattern; ++pattern, ++name)
  {
    if (*pattern == '*')
    {
      for (const char * rest = name;; ++rest)
      {
        if (MatchesWildcard(rest, pattern + 1))
        {
          return true;
        }
        if (!*rest)
        {
          return false;
        }
      }
    }
    if (!*name)
    {
      return false;
    }
    if (*pattern == '[' && std::strchr(pattern + 1, ']'))
    {
      const bool   negated = pattern[1] == '!' || pattern[1] == '^';
      bool         found = false;
      const char * p = pattern + (negated ? 2 : 1);
      for (bool first = true; *p && (first || *p != ']'); ++p, first = false)
      {
        if (p[1] == '-' && p[2] && p[2] != ']')
        {
          found = found || (*name >= p[0] && *name <= p[2]);
          p += 2;
        }
        else
        {
          found = found || *name == *p;
        }
      }
      if (found == negated)
      {
        return false;
      }
      pattern = p;
    }
    else if (*pattern != '?' && *pattern != *name)
    {
      return false;
    }
  }
  return !*name;
}

// Image files of a directory, or those of the pattern's directory whose names match it; sorted.
std::vector<std::string>
ListImages(const std::filesystem::path & directory, const std::string & pattern)
{
  std::vector<std::string> found;
  std::error_code          error;
  for (const auto & entry : std::filesystem::directory_iterator(directory.empty() ? "." : directory, error))
  {
    const std::string name = entry.path().filename().string();
    std::error_code   ignored;
    // Hidden files only when asked for by name, as in the shell.
    const bool matches = (name[0] != '.' || (!pattern.empty() && pattern[0] == '.')) &&
                         (pattern.empty() ? HasImageExtension(name) : MatchesWildcard(name.c_str(), pattern.c_str()));
    if (matches && !entry.is_directory(ignored))
    {
      found.push_back((directory / name).string());
    }
  }
  if (error)
  {
    throw CommandError("cannot list directory '" + directory.string() + "': " + error.message());
  }
  std::sort(found.begin(), found.end());
  return found;
}

// Directories expand to their image files, patterns with * ? [ in the file name to their matches (sorted); files
// stay as given.
std::vector<std::string>
ExpandImages(const std::vector<std::string> & arguments)
{
  std::vector<std::string> files;
  for (const auto & argument : arguments)
  {
    const std::filesystem::path path(argument);
    if (IsDirectory(argument))
    {
      const auto found = ListImages(path, "");
      if (found.empty())
      {
        throw CommandError("directory '" + argument + "' holds no image files");
      }
      files.insert(files.end(), found.begin(), found.end());
    }
    else if (argument.find_first_of("*?[") != std::string::npos)
    {
      if (path.parent_path().string().find_first_of("*?[") != std::string::npos)
      {
        throw CommandError("'" + argument + "': wildcards are accepted in the file name only, not in directories");
      }
      const auto found = ListImages(path.parent_path(), path.filename().string());
      if (found.empty())
      {
        throw CommandError("no files match '" + argument + "'");
      }
      files.insert(files.end(), found.begin(), found.end());
    }
    else
    {
      RequireReadableFile(argument, "image");
      files.push_back(argument);
    }
  }
  return files;
}

// The file name without its directory and last extension, as the Python twin names its outputs.
std::string
BaseName(const std::string & path)
{
  return std::filesystem::path(path).stem().string();
}

// Draws the training log's loss curves (epoch against training and validation loss) into a PNG, with the points
// beside it as CSV. Returns whether the PNG was drawn; says why not otherwise.
bool
PlotTrainingLog(const std::string & logFile, const std::string & png)
{
  std::ifstream            in(logFile);
  CsvReader                reader(in, logFile);
  std::vector<std::string> fields;
  std::ostringstream       curves;
  unsigned long            epochs = 0;
  reader.Next(fields); // header
  while (reader.Next(fields))
  {
    if (fields.size() >= 4 && !fields[0].empty())
    {
      curves << "training loss," << fields[0] << ',' << fields[2] << '\n';
      curves << "validation loss," << fields[0] << ',' << fields[3] << '\n';
      epochs = std::max(epochs, std::stoul(fields[0]));
    }
  }
  if (epochs == 0)
  {
    return false;
  }
  const std::string points = png.substr(0, png.size() - 4) + ".csv";
  WriteTextAtomically(points, curves.str());
  const auto problem = RunPlotSubprocess({ points,
                                           "--output",
                                           png,
                                           "--title",
                                           "Training",
                                           "--xlabel",
                                           "epoch",
                                           "--ylabel",
                                           "loss",
                                           "--xmax",
                                           std::to_string(epochs) });
  if (!problem.empty())
  {
    std::cout << "loss curve not drawn: " << problem << std::endl;
    return false;
  }
  return true;
}

volatile std::sig_atomic_t g_StopRequested = 0;

extern "C" void
RequestStop(int)
{
  g_StopRequested = 1;
}

// none, flip, flip+rot90, rotate or rotate:DEG (the library's names, and an optional largest angle).
void
SetAugmentation(itk::AutoencoderTrainer & trainer, const std::string & text)
{
  using Enums = itk::AutoencoderTrainerEnums;
  const auto colon = text.find(':');
  const auto augmentation = ParseEnumOption<Enums, Enums::Augmentation>(
    "augment", text.substr(0, colon), "none, flip, flip+rot90 or rotate[:DEG]");
  trainer.SetAugmentation(augmentation);
  if (colon == std::string::npos)
  {
    return;
  }
  char *       end = nullptr;
  const double angle = std::strtod(text.c_str() + colon + 1, &end);
  if (augmentation != Enums::Augmentation::SmallRotation || end == text.c_str() + colon + 1 || *end != '\0' ||
      !(angle > 0.0 && angle <= 180.0))
  {
    throw UsageError("--augment rotate:DEG needs an angle in (0, 180] degrees, got '" + text + "'");
  }
  trainer.SetMaximumRotationAngle(angle);
}
} // namespace

void
DeclareTrainOptions(ArgumentParser & arguments)
{
  arguments.AddListOption("images", "DIR_OR_GLOB", "defect-free training images");
  arguments.AddOption("output", "model.pt", "model file to write (also -o)");
  arguments.AddOption("model", "paper|vae", "network: the paper's autoencoder, or its variational form (VAE)", "paper");
  arguments.AddOption("loss",
                      "ssim|l2|l1|ssim+l1|fm|elbo",
                      "training loss (default: ssim; elbo, the only loss of --model vae, for a VAE)\n"
                      "fm: feature matching, l2 + W * mean((F(x) - F(x^))^2) with F from --features");
  arguments.AddOption(
    "samples", "L", "VAE: latent samples of the reconstruction probability (stored in the model)", "10");
  arguments.AddOption("features",
                      "F.pt",
                      "fm loss: TorchScript feature extractor F mapping N x 1 x P x P patches in [0, 1] to one tensor\n"
                      "with N rows (e.g. the first layers of a pretrained CNN, exported with torch.jit.save)");
  arguments.AddOption("fm-weight", "W", "fm loss: weight of the feature term", "1");
  arguments.AddOption("latent", "D", "latent size", "100");
  arguments.AddOption("patch", "P", "patch size: 32, 64, 128 or 256", "128");
  arguments.AddOption("patches", "N", "patches per epoch", "10000");
  arguments.AddOption("epochs", "N", "maximum epochs", "200");
  arguments.AddOption("batch", "N", "batch size", "128");
  arguments.AddOption("lr", "RATE", "Adam learning rate", "0.0002");
  arguments.AddOption("patience", "N", "early-stopping patience in epochs (0: off)", "20");
  arguments.AddListOption(
    "validation-images",
    "DIR_OR_GLOB",
    "defect-free images held out for the validation loss (default: patches of the training images)");
  arguments.AddOption("scale", "S", "image scale the network works at (0.5: half size)", "1");
  arguments.AddOption("normalize", "global|per-image", "intensity normalisation", "global");
  arguments.AddOption("axis", "0|1|2", "volumes among the images: train on their slices along this axis", "2");
  arguments.AddOption("augment",
                      "none|flip|flip+rot90|rotate[:DEG]",
                      "patch augmentation (rotate: mirroring and small rotations up to DEG degrees, default 10)",
                      "flip+rot90");
  arguments.AddFlag("no-augment", "same as --augment none");
  arguments.AddFlag("bf16", "mixed precision: forward and backward passes in bfloat16 (CPU autocast)");
  arguments.AddOption("log", "FILE", "training log, CSV (default: OUTPUT.log.csv)");
  arguments.AddOption("seed", "S", "seed of initial weights and patch sampling", "0");
  arguments.AddOption("threads", "N", "LibTorch threads (default: all cores)");
  arguments.AddOption("checkpoint", "FILE", "checkpoint written after every epoch (default: OUTPUT.checkpoint)");
  arguments.AddFlag("resume", "continue from the checkpoint when it exists");
}

namespace {
// The untrained model with the architecture, loss, scale and normalisation asked for.
itk::AutoencoderModel::Pointer
MakeTrainModel(const ArgumentParser & arguments)
{
  auto model = itk::AutoencoderModel::New();
  model->SetPatchSize(static_cast<unsigned int>(arguments.GetPositiveInteger("patch")));
  model->SetLatentSize(static_cast<unsigned int>(arguments.GetPositiveInteger("latent")));
  const double scale = arguments.GetDouble("scale");
  if (!(scale > 0.0 && scale <= 4.0))
  {
    throw UsageError("--scale must be in (0, 4], got " + arguments.GetString("scale"));
  }
  model->SetImageScale(scale);
  using Enums = itk::AutoencoderModelEnums;
  model->SetIntensityNormalization(
    ParseEnumOption<Enums, Enums::Normalization>("normalize", arguments.GetString("normalize"), "global or per-image"));
  const auto architecture =
    ParseEnumOption<Enums, Enums::Architecture>("model", arguments.GetString("model"), "paper or vae");
  if (architecture == Enums::Architecture::TorchScript)
  {
    throw UsageError("--model must be paper or vae, got torchscript (TorchScript modules are trained in PyTorch)");
  }
  const bool        variational = architecture == Enums::Architecture::Variational;
  const std::string loss = arguments.Has("loss") ? arguments.GetString("loss") : (variational ? "elbo" : "ssim");
  model->SetArchitecture(architecture);
  model->SetLoss(ParseEnumOption<Enums, Enums::Loss>("loss", loss, "ssim, l2, l1, ssim+l1, fm or elbo"));
  if (variational != (model->GetLoss() == Enums::Loss::ELBO))
  {
    throw UsageError(variational
                       ? "--model vae is trained with the ELBO (--loss elbo); --loss " + loss + " is for --model paper"
                       : std::string("--loss elbo needs --model vae"));
  }
  if ((model->GetLoss() == Enums::Loss::FeatureMatching) != arguments.Has("features"))
  {
    throw UsageError(arguments.Has("features") ? "--features is used by --loss fm only, not --loss " + loss
                                               : std::string("--loss fm needs --features F.pt (a TorchScript feature "
                                                             "extractor)"));
  }
  const auto samples = arguments.GetPositiveInteger("samples");
  if (samples > itk::AutoencoderModel::MaximumNumberOfSamples)
  {
    throw UsageError("--samples must be at most " + std::to_string(itk::AutoencoderModel::MaximumNumberOfSamples) +
                     ", got " + arguments.GetString("samples"));
  }
  if (arguments.Has("samples") && !variational)
  {
    throw UsageError("--samples is for --model vae only");
  }
  model->SetNumberOfSamples(static_cast<unsigned int>(samples));
  return model;
}

// Reads the images into the trainer; returns the kinds of data they hold (PixelTypeName).
std::set<std::string>
AddTrainingImages(itk::AutoencoderTrainer &        trainer,
                  const std::vector<std::string> & files,
                  bool                             validation,
                  unsigned int                     axis)
{
  std::set<std::string> types;
  for (const auto & file : files)
  {
    // Read here so that training images pass the same checks as every other image (complete pixel data, grey or
    // RGB, finite values); a volume gives its slices along `axis`.
    ImageFileInfo info;
    for (const auto & image : ReadImageOrSlices(file, axis, &info))
    {
      try
      {
        validation ? trainer.AddValidationImage(image) : trainer.AddImage(image);
      }
      catch (const itk::ExceptionObject & error)
      {
        throw CommandError(error.GetDescription());
      }
    }
    types.insert(PixelTypeName(info));
  }
  return types;
}

// Where train reads and writes: the expanded image lists and the three files it keeps up to date.
struct TrainFiles
{
  std::vector<std::string> Images;
  std::vector<std::string> ValidationImages;
  std::string              Output;
  std::string              Log;
  std::string              Checkpoint;
};

// The files of the command line; refuses outputs that would replace an input or each other.
TrainFiles
ReadTrainFiles(const ArgumentParser & arguments)
{
  TrainFiles files;
  files.Images = ExpandImages(arguments.GetList("images"));
  if (arguments.Has("validation-images"))
  {
    files.ValidationImages = ExpandImages(arguments.GetList("validation-images"));
  }
  files.Output = arguments.GetString("output");
  files.Log = arguments.Has("log") ? arguments.GetString("log") : files.Output + ".log.csv";
  files.Checkpoint = arguments.Has("checkpoint") ? arguments.GetString("checkpoint") : files.Output + ".checkpoint";
  std::vector<std::string> inputs = files.Images;
  inputs.insert(inputs.end(), files.ValidationImages.begin(), files.ValidationImages.end());
  if (arguments.Has("features"))
  {
    inputs.push_back(arguments.GetString("features"));
  }
  RequireSeparateOutputs(
    { files.Output, files.Log, files.Checkpoint, files.Output + ".loss.png", files.Output + ".loss.csv" }, inputs);
  return files;
}

// A trainer with the images and every setting of the command line.
itk::AutoencoderTrainer::Pointer
MakeTrainer(const ArgumentParser & arguments, itk::AutoencoderModel * model, const TrainFiles & files)
{
  auto trainer = itk::AutoencoderTrainer::New();
  trainer->SetModel(model);
  const auto axis = arguments.GetAxis();
  const auto types = AddTrainingImages(*trainer, files.Images, false, axis);
  AddTrainingImages(*trainer, files.ValidationImages, true, axis);
  if (types.size() == 1 && *types.begin() != "float")
  {
    // Integer data of one kind: the commands applying the model refuse other kinds (RequireModelPixelType).
    model->SetMetadataValue(TrainingPixelTypeKey, *types.begin());
  }
  trainer->SetNumberOfPatchesPerEpoch(static_cast<unsigned int>(arguments.GetPositiveInteger("patches")));
  trainer->SetNumberOfEpochs(static_cast<unsigned int>(arguments.GetPositiveInteger("epochs")));
  trainer->SetBatchSize(static_cast<unsigned int>(arguments.GetPositiveInteger("batch")));
  trainer->SetLearningRate(arguments.GetDouble("lr"));
  trainer->SetPatience(static_cast<unsigned int>(arguments.GetNonNegativeInteger("patience")));
  SetAugmentation(*trainer, arguments.GetFlag("no-augment") ? "none" : arguments.GetString("augment"));
  trainer->SetMixedPrecision(arguments.GetFlag("bf16"));
  trainer->SetLogFile(files.Log);
  trainer->SetSeed(static_cast<unsigned int>(arguments.GetNonNegativeInteger("seed")));
  if (arguments.Has("threads"))
  {
    const auto threads = arguments.GetPositiveInteger("threads");
    if (threads > 1024)
    {
      throw UsageError("--threads must be at most 1024, got " + std::to_string(threads));
    }
    trainer->SetNumberOfThreads(static_cast<unsigned int>(threads));
  }
  trainer->SetCheckpointFile(files.Checkpoint);
  if (arguments.Has("features"))
  {
    RequireReadableFile(arguments.GetString("features"), "feature extractor");
    trainer->SetFeatureExtractorFile(arguments.GetString("features"));
  }
  trainer->SetFeatureWeight(arguments.GetNonNegativeDouble("fm-weight"));
  return trainer;
}

// Trains (or resumes) with a progress bar; SIGINT / SIGTERM stop after the current batch and keep the model of the
// best completed epoch, while the checkpoint keeps the last completed epoch for --resume. Saves the model.
void
TrainAndSave(itk::AutoencoderTrainer * trainer, itk::AutoencoderModel * model, bool resume, const std::string & output)
{
  g_StopRequested = 0;
  std::signal(SIGINT, RequestStop);
  std::signal(SIGTERM, RequestStop);
  const auto  epochs = trainer->GetNumberOfEpochs();
  ProgressBar bar("train");
  trainer->AddObserver(itk::ProgressEvent(), [&](const itk::EventObject &) {
    if (g_StopRequested)
    {
      trainer->AbortTrainingOn();
    }
    std::ostringstream message;
    message << "epoch " << trainer->GetEpoch() + 1 << "/" << epochs;
    if (trainer->GetEpoch() > 0)
    {
      message << std::setprecision(4) << "  loss " << trainer->GetTrainingLoss() << "  validation "
              << trainer->GetValidationLoss() << "  best " << trainer->GetBestValidationLoss();
    }
    bar.Update(trainer->GetProgress(), message.str());
  });
  try
  {
    resume ? trainer->Resume() : trainer->Train();
    if (trainer->GetEpoch() == 0)
    {
      throw CommandError("training stopped before its first epoch ended: no model written");
    }
    model->Save(output);
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError(error.GetDescription());
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  std::ostringstream summary;
  summary << (trainer->GetAbortTraining() ? "stopped on request after epoch " : "epochs ") << trainer->GetEpoch()
          << ", best validation loss " << std::setprecision(4) << trainer->GetBestValidationLoss() << " (epoch "
          << trainer->GetBestEpoch() << ")" << (trainer->GetStoppedEarly() ? ", stopped early" : "");
  bar.Finish(summary.str());
}
} // namespace

int
RunTrain(int argc, char * argv[])
{
  ArgumentParser arguments(
    "train",
    "--images DIR_OR_GLOB... -o model.pt [options]",
    "Trains the paper's autoencoder on defect-free images (directories expand to their image files; quote glob\n"
    "patterns). Defaults follow Bergmann et al.: 10,000 random 128 x 128 patches per epoch with random 90-degree\n"
    "rotations and flips, Adam (lr 2e-4, weight decay 1e-5), batch 128, up to 200 epochs, early stopping after\n"
    "20 epochs without improvement of the loss on 20 % held-out patches (from --validation-images when given).\n"
    "--scale, --normalize and the intensity range are stored in the model, so calibrate, segment, evaluate and the\n"
    "filters apply them. The state is saved to a checkpoint after every epoch, and --resume continues an\n"
    "interrupted run where it stopped; the training log (CSV) is rewritten after every epoch.");
  DeclareTrainOptions(arguments);
  if (!arguments.Parse(argc, argv))
  {
    return 0;
  }
  if (!arguments.Has("images") || !arguments.Has("output"))
  {
    throw UsageError("--images and --output are required");
  }
  // Keep freed memory in the process: LibTorch allocates every activation and gradient anew, and handing those
  // megabytes back to the system only to fault them in again made training steps about 4x slower on the
  // benchmark machine (Documentation/benchmarks.md).
#if defined(__GLIBC__)
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
#endif
  const TrainFiles files = ReadTrainFiles(arguments);
  const auto       model = MakeTrainModel(arguments);
  const auto       trainer = MakeTrainer(arguments, model, files);
  std::cout << "training on " << files.Images.size() << " images";
  if (trainer->GetNumberOfValidationImages() > 0)
  {
    std::cout << ", validating on " << trainer->GetNumberOfValidationImages();
  }
  std::cout << std::endl;
  TrainAndSave(trainer, model, arguments.GetFlag("resume"), files.Output);
  std::cout << "model written to " << files.Output << "; training log " << files.Log << std::endl;
  const std::string curve = files.Output + ".loss.png";
  if (PlotTrainingLog(files.Log, curve))
  {
    std::cout << "loss curve " << curve << std::endl;
  }
  return 0;
}

int
RunReconstruct(int argc, char * argv[])
{
  ArgumentParser arguments("reconstruct",
                           "IMAGE --model M -o OUT [--stride 30] [--batch 64]",
                           "Reconstructs an image with a trained model, patch by patch (overlaps averaged). MetaImage\n"
                           "(.mha/.mhd) and NRRD files are streamed in pieces when --pieces > 1, so images far larger\n"
                           "than memory can be processed.");
  arguments.SetPositionals("IMAGE", "the image to reconstruct", 1, 1);
  arguments.AddOption("model", "M", "model file");
  arguments.AddOption("output", "OUT", "reconstruction to write (also -o)");
  arguments.AddOption("stride", "S", "patch stride in pixels", "30");
  arguments.AddOption("batch", "N", "patches per network call", "64");
  arguments.AddOption("pieces", "N", "stream the output in N pieces (MetaImage/NRRD output)", "1");
  if (!arguments.Parse(argc, argv))
  {
    return 0;
  }
  if (!arguments.Has("model") || !arguments.Has("output"))
  {
    throw UsageError("--model and --output are required");
  }
  const std::string input = arguments.GetPositionals()[0];
  const std::string output = arguments.GetString("output");
  const auto        info = RequireReadableAs(input, 2);
  RequireSeparateOutputs({ output }, { input, arguments.GetString("model") });
  const auto model = LoadModel(arguments.GetString("model"));
  RequireModelPixelType(input, info, model, arguments.GetString("model"));
  using ReaderType = itk::ImageFileReader<FloatImage2>;
  auto reader = ReaderType::New();
  reader->SetFileName(input);
  auto filter = itk::AutoencoderReconstructionFilter<FloatImage2>::New();
  filter->SetInput(reader->GetOutput());
  filter->SetModel(model);
  filter->SetStride(static_cast<unsigned int>(arguments.GetPositiveInteger("stride")));
  filter->SetBatchSize(static_cast<unsigned int>(arguments.GetPositiveInteger("batch")));
  ProgressBar bar("reconstruct");
  filter->AddObserver(itk::ProgressEvent(), [&](const itk::EventObject &) { bar.Update(filter->GetProgress()); });
  auto writer = itk::ImageFileWriter<FloatImage2>::New();
  writer->SetInput(filter->GetOutput());
  writer->SetNumberOfStreamDivisions(static_cast<unsigned int>(arguments.GetPositiveInteger("pieces")));
  try
  {
    // Streamed into a temporary file beside the output, renamed when complete (itk::AtomicFile).
    itk::AtomicFile::Write(output, [&writer](const std::string & target) {
      writer->SetFileName(target);
      writer->Update();
      VerifyWrittenImage(target);
    });
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError("reconstructing '" + input + "' failed: " + error.GetDescription());
  }
  bar.Finish();
  return 0;
}

namespace {
// The residual maps of the calibration images (the slices of volumes along `axis`).
void
AddCalibrationImages(itk::ResidualThresholdCalibrator & calibrator,
                     const std::vector<std::string> &   files,
                     itk::AutoencoderModel *            model,
                     const std::string &                modelPath,
                     const std::string &                residualKind,
                     unsigned int                       stride,
                     unsigned int                       axis)
{
  ProgressBar bar("calibrate");
  for (std::size_t i = 0; i < files.size(); ++i)
  {
    ImageFileInfo info;
    const auto    images = ReadImageOrSlices(files[i], axis, &info);
    RequireModelPixelType(files[i], info, model, modelPath);
    for (const auto & image : images)
    {
      calibrator.AddResidualMap(ScoreImage(image, model, residualKind, stride, files[i]));
    }
    bar.Update(static_cast<double>(i + 1) / files.size(), files[i]);
  }
  bar.Finish();
}
} // namespace

int
RunCalibrate(int argc, char * argv[])
{
  ArgumentParser arguments(
    "calibrate",
    "IMAGE... --model M [--residual ssim|l2] [--rule percentile|max|min-area] [options]",
    "Chooses the defect threshold from defect-free validation images only and stores it (with the rule) in the\n"
    "model file. Rules: a percentile of all validation residuals, their maximum, or the MVTec minimum-area rule\n"
    "(the smallest threshold at which no validation image has a defect region of --min-area pixels).");
  arguments.SetPositionals("IMAGE...", "defect-free validation images (files, directories, quoted globs)", 1, 0);
  arguments.AddOption("model", "M", "model file (updated in place)");
  arguments.AddOption("residual", "ssim|l2|model", "residual map (default: the model's own, see train)");
  arguments.AddOption("rule", "percentile|max|min-area", "calibration rule", "percentile");
  arguments.AddOption("percentile", "P", "percentile for the percentile rule", "99.5");
  arguments.AddOption("min-area", "A", "minimum defect area in pixels for the min-area rule", "50");
  arguments.AddOption("stride", "S", "reconstruction stride", "30");
  arguments.AddOption("axis", "0|1|2", "volumes: calibrate on their slices along this axis", "2");
  if (!arguments.Parse(argc, argv))
  {
    return 0;
  }
  if (!arguments.Has("model"))
  {
    throw UsageError("--model is required");
  }
  const std::string modelPath = arguments.GetString("model");
  const auto        model = LoadModel(modelPath);
  auto              calibrator = itk::ResidualThresholdCalibrator::New();
  const std::string rule = arguments.GetString("rule");
  calibrator->SetRule(
    ParseEnumOption<itk::ResidualThresholdCalibratorEnums, itk::ResidualThresholdCalibratorEnums::Rule>(
      "rule", rule, "percentile, max or min-area"));
  const double percentile = arguments.GetDouble("percentile");
  if (!(percentile >= 0.0 && percentile <= 100.0))
  {
    throw UsageError("--percentile must be in [0, 100], got " + arguments.GetString("percentile"));
  }
  calibrator->SetPercentile(percentile);
  calibrator->SetMinimumDefectArea(static_cast<std::size_t>(arguments.GetPositiveInteger("min-area")));
  const auto        files = ExpandImages(arguments.GetPositionals());
  const auto        stride = static_cast<unsigned int>(arguments.GetPositiveInteger("stride"));
  const std::string residualKind =
    arguments.Has("residual") ? arguments.GetString("residual") : DefaultResidual(*model);
  RequireResidualFits(residualKind, *model, modelPath);
  AddCalibrationImages(*calibrator, files, model, modelPath, residualKind, stride, arguments.GetAxis());
  double threshold = 0.0;
  try
  {
    threshold = calibrator->Compute();
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError(error.GetDescription());
  }
  StoreCalibration(*model, threshold, calibrator->Describe(), residualKind);
  if (rule == "min-area")
  {
    model->SetMetadataValue("calibration.min_area", arguments.GetString("min-area"));
  }
  try
  {
    model->Save(modelPath);
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError(error.GetDescription());
  }
  std::cout << "threshold " << std::setprecision(6) << threshold << " (" << calibrator->Describe() << ", "
            << residualKind << " residual) stored in " << modelPath << std::endl;
  return 0;
}

namespace {
// segment writes OUTDIR/<name>_* per image: refuses two images with one name, and outputs that would replace an input.
void
RequireSegmentOutputsFree(const std::vector<std::string> & files,
                          const std::string &              outputDirectory,
                          const std::string &              modelFile)
{
  std::vector<std::string>           outputs;
  std::map<std::string, std::string> fileOfName;
  for (const auto & file : files)
  {
    const auto named = fileOfName.emplace(BaseName(file), file);
    if (!named.second)
    {
      throw CommandError("'" + named.first->second + "' and '" + file + "' would both be written as " +
                         outputDirectory + "/" + BaseName(file) + "_*: segment them into different output directories");
    }
    const std::string prefix = outputDirectory + "/" + BaseName(file);
    for (const char * suffix : { "_reconstruction.nrrd",
                                 "_residual.nrrd",
                                 "_residual.png",
                                 "_labels.png",
                                 "_labels.nrrd",
                                 "_residual.mha",
                                 "_labels.mha",
                                 "_defects.vtp",
                                 "_residual.vti" })
    {
      outputs.push_back(prefix + suffix);
    }
  }
  std::vector<std::string> inputs = files;
  inputs.push_back(modelFile);
  RequireSeparateOutputs(outputs, inputs);
}
// The threshold, residual, minimum defect area and stride of segment: as given, else from the model's calibration.
SegmentSettings
ReadSegmentSettings(const ArgumentParser & arguments, const itk::AutoencoderModel & model)
{
  return ChooseSegmentSettings(
    model,
    arguments.GetString("model"),
    arguments.Has("threshold") ? arguments.GetDouble("threshold") : std::numeric_limits<double>::quiet_NaN(),
    arguments.Has("residual") ? arguments.GetString("residual") : "",
    arguments.Has("min-area") ? static_cast<long>(arguments.GetNonNegativeInteger("min-area")) : -1L,
    static_cast<unsigned int>(arguments.GetPositiveInteger("stride")));
}

// Segments one 2D image or volume and writes its results to `prefix`_*.
void
SegmentFile(const std::string &     file,
            itk::AutoencoderModel * model,
            const std::string &     modelPath,
            const SegmentSettings & settings,
            unsigned int            axis,
            bool                    vtk,
            const std::string &     prefix)
{
  const ImageFileInfo info = ReadImageFileInfo(file);
  if (info.Dimension == 3)
  {
    const auto volume = ReadFloatImage<3>(file, info);
    RequireModelPixelType(file, info, model, modelPath);
    const auto result = SegmentVolume(volume, model, settings, axis, file);
    WriteFloatImage<3>(result.Reconstruction, prefix + "_reconstruction.nrrd");
    WriteFloatImage<3>(result.Residual, prefix + "_residual.nrrd");
    WriteLabelImage<3>(result.Labels, prefix + "_labels.nrrd");
    if (vtk)
    {
      WriteDefectRegions<3>(result.Labels, prefix + "_defects.vtp");
      WriteVTKImage<3>(result.Residual, prefix + "_residual.vti", "residual");
    }
    return;
  }
  const auto image = ReadFloatImage<2>(file, info);
  RequireModelPixelType(file, info, model, modelPath);
  const auto result = SegmentImage(image, model, settings, file);
  WriteFloatImage<2>(result.Reconstruction, prefix + "_reconstruction.nrrd");
  WriteFloatImage<2>(result.Residual, prefix + "_residual.nrrd");
  WriteFloatImage<2>(result.Residual, prefix + "_residual.png", 0.0, 1.0);
  auto labels = FloatImage2::New();
  labels->SetRegions(image->GetLargestPossibleRegion());
  labels->Allocate();
  for (std::size_t p = 0; p < image->GetLargestPossibleRegion().GetNumberOfPixels(); ++p)
  {
    labels->GetBufferPointer()[p] = result.Labels->GetBufferPointer()[p];
  }
  WriteFloatImage<2>(labels, prefix + "_labels.png", 0.0, 1.0);
  if (vtk)
  {
    WriteDefectRegions<2>(result.Labels, prefix + "_defects.vtp");
    WriteVTKImage<2>(result.Residual, prefix + "_residual.vti", "residual");
  }
}
} // namespace

int
RunSegment(int argc, char * argv[])
{
  ArgumentParser arguments(
    "segment",
    "IMAGE... --model M -o OUTDIR [options]",
    "Segments defects: reconstructs each image, computes its residual map and thresholds it with the model's\n"
    "calibrated threshold (or --threshold). Writes OUTDIR/<name>_reconstruction.nrrd, <name>_residual.nrrd and\n"
    "<name>_labels.png (0 good, 255 defect) per image. A 3D image (NRRD, MetaImage, ...) is segmented slice by\n"
    "slice along --axis and gives <name>_reconstruction.nrrd, <name>_residual.nrrd and <name>_labels.nrrd (0 good,\n"
    "1 defect) with the volume's spacing, origin and direction. With --pieces N > 1 a 2D image is segmented in N\n"
    "strips of rows, memory bounded by a strip (gigapixel images): <name>_residual.mha and <name>_labels.mha\n"
    "(0 good, 1 defect) are written strip by strip; MetaImage and TIFF (of strips) inputs are read strip by strip.");
  arguments.SetPositionals("IMAGE...", "images or volumes to segment (files, directories, quoted globs)", 1, 0);
  arguments.AddOption("model", "M", "model file");
  arguments.AddOption("output", "OUTDIR", "output directory (also -o)");
  arguments.AddOption("residual", "ssim|l2|model", "residual map (default: the one the model was calibrated with)");
  arguments.AddOption("threshold", "T", "defect threshold (default: the model's calibrated threshold)");
  arguments.AddOption("min-area", "A", "drop defect regions smaller than A pixels (default: from calibration, or 0)");
  arguments.AddOption("stride", "S", "reconstruction stride", "30");
  arguments.AddOption("axis", "0|1|2", "volumes: the axis along which they are cut into slices", "2");
  arguments.AddOption("pieces", "N", "2D images: segment in N strips of rows (streamed, MetaImage outputs)", "1");
  arguments.AddFlag("vtk",
                    "also write <name>_defects.vtp (outline or surface of each defect region, with its area or\n"
                    "volume) and <name>_residual.vti (for ParaView or Slicer)");
  if (!arguments.Parse(argc, argv))
  {
    return 0;
  }
  if (!arguments.Has("model") || !arguments.Has("output"))
  {
    throw UsageError("--model and --output are required");
  }
  const auto            axis = arguments.GetAxis();
  const auto            model = LoadModel(arguments.GetString("model"));
  const SegmentSettings settings = ReadSegmentSettings(arguments, *model);
  const std::string     outputDirectory = arguments.GetString("output");
  MakeDirectory(outputDirectory);
  const auto files = ExpandImages(arguments.GetPositionals());
  RequireSegmentOutputsFree(files, outputDirectory, arguments.GetString("model"));
  const auto pieces = static_cast<unsigned int>(arguments.GetPositiveInteger("pieces"));
  const bool vtk = arguments.GetFlag("vtk");
  if (vtk && !CanWriteVTK())
  {
    throw UsageError("--vtk: ssimae was built without VTK");
  }
  if (pieces > 1)
  {
    if (vtk)
    {
      throw UsageError("--vtk is not available with --pieces (the regions of a streamed image are not kept in memory)");
    }
    for (const auto & file : files)
    {
      SegmentStreamed(
        file, model, arguments.GetString("model"), settings, pieces, outputDirectory + "/" + BaseName(file));
    }
    std::cout << "segmented " << files.size() << " images into " << outputDirectory << " in " << pieces << " pieces"
              << std::endl;
    return 0;
  }
  ProgressBar bar("segment");
  for (std::size_t i = 0; i < files.size(); ++i)
  {
    SegmentFile(files[i],
                model,
                arguments.GetString("model"),
                settings,
                static_cast<unsigned int>(axis),
                vtk,
                outputDirectory + "/" + BaseName(files[i]));
    bar.Update(static_cast<double>(i + 1) / files.size(), files[i]);
  }
  bar.Finish();
  std::cout << "segmented " << files.size() << " images into " << outputDirectory << std::endl;
  return 0;
}

} // namespace ssimae
