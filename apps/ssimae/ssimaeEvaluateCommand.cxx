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
// `ssimae evaluate`: metrics, curves, plots and worst-case overlays of a model (or of precomputed residual maps)
// on a labelled test set.
#include "ssimaeCommandLine.h"
#include "ssimaeEvaluate.h"
#include "ssimaeImageIO.h"
#include "ssimaeOptions.h"
#include "ssimaePipeline.h"
#include "ssimaePlot.h"
#include "ssimaeSegmentation.h"
#include "ssimaeTextFiles.h"

#include "itkImageFileWriter.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkRGBPixel.h"
#include "itkSegmentationEvaluation.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

namespace ssimae {

namespace {
using MaskImage = itk::Image<unsigned char, 2>;

std::vector<std::string>
ListDirectory(const std::string & directory, bool directories)
{
  std::vector<std::string> names;
  std::error_code          error;
  for (const auto & entry : std::filesystem::directory_iterator(directory, error))
  {
    const std::string name = entry.path().filename().string();
    std::error_code   ignored;
    if (name[0] != '.' && entry.is_directory(ignored) == directories)
    {
      names.push_back(name);
    }
  }
  if (error)
  {
    throw CommandError("cannot list directory '" + directory + "': " + error.message());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string
Stem(const std::string & name)
{
  const auto dot = name.find_last_of('.');
  return dot == std::string::npos ? name : name.substr(0, dot);
}

// The defect masks of a mask file: the image, or the slices of a volume along `axis`; pixels > maskThreshold are 1.
std::vector<MaskImage::Pointer>
ReadMasks(const std::string & path, double maskThreshold, unsigned int axis)
{
  std::vector<FloatImage2::Pointer> images;
  try
  {
    images = ReadImageOrSlices(path, axis);
  }
  catch (const CommandError & error)
  {
    throw CommandError(std::string("defect mask: ") + error.what());
  }
  std::vector<MaskImage::Pointer> masks;
  for (const auto & image : images)
  {
    auto mask = MaskImage::New();
    mask->CopyInformation(image);
    mask->SetRegions(image->GetLargestPossibleRegion());
    mask->Allocate();
    itk::ImageRegionConstIterator<FloatImage2> in(image, image->GetLargestPossibleRegion());
    itk::ImageRegionIterator<MaskImage>        out(mask, mask->GetLargestPossibleRegion());
    for (; !in.IsAtEnd(); ++in, ++out)
    {
      out.Set(in.Get() > maskThreshold ? 1 : 0);
    }
    masks.push_back(mask);
  }
  return masks;
}

} // namespace

// "blur" (sigmas 1, 2, 4, 8) or "blur:S".
std::vector<double>
ParseReference(const std::string & text)
{
  if (text == "blur")
  {
    return { 1.0, 2.0, 4.0, 8.0 };
  }
  if (text.rfind("blur:", 0) == 0)
  {
    char *       end = nullptr;
    const double sigma = std::strtod(text.c_str() + 5, &end);
    if (end != text.c_str() + 5 && *end == '\0' && sigma > 0.0 && std::isfinite(sigma))
    {
      return { sigma };
    }
  }
  throw UsageError("--reference must be 'blur', 'blur:SIGMA' with SIGMA > 0, or 'none', got '" + text + "'");
}

std::vector<TestCase>
ReadMVTecLayout(const std::string & root)
{
  const std::string testDirectory = root + "/test";
  if (!IsDirectory(testDirectory))
  {
    throw CommandError("'" + root + "' is not in MVTec AD layout: no directory '" + testDirectory + "'");
  }
  std::vector<TestCase> cases;
  for (const auto & category : ListDirectory(testDirectory, true))
  {
    for (const auto & file : ListDirectory(testDirectory + "/" + category, false))
    {
      TestCase testCase;
      testCase.Image = testDirectory + "/" + category + "/" + file;
      testCase.Category = category;
      if (category != "good")
      {
        testCase.Mask = root + "/ground_truth/" + category + "/" + Stem(file) + "_mask.png";
        RequireReadableFile(testCase.Mask, "mask of '" + testCase.Image + "'");
      }
      cases.push_back(testCase);
    }
  }
  if (cases.empty())
  {
    throw CommandError("no test images under '" + testDirectory + "'");
  }
  return cases;
}

std::vector<TestCase>
ReadManifest(const std::string & path)
{
  RequireReadableFile(path, "manifest");
  std::ifstream         file(path);
  std::vector<TestCase> cases;
  const std::string     directory = path.find('/') == std::string::npos ? "." : path.substr(0, path.find_last_of('/'));
  const auto            resolve = [&](const std::string & name) {
    return name.empty() || name[0] == '/' ? name : directory + "/" + name;
  };
  CsvReader                reader(file, path);
  std::vector<std::string> fields;
  while (reader.Next(fields))
  {
    const std::size_t number = reader.GetLineNumber();
    if ((fields.size() == 1 && fields[0].empty()) || fields[0].rfind('#', 0) == 0 ||
        (number == 1 && fields[0] == "image"))
    {
      continue;
    }
    if (fields.size() < 2 || fields.size() > 4 || fields[0].empty())
    {
      throw CommandError("manifest '" + path + "' line " + std::to_string(number) +
                         ": expected 'image,mask[,residual[,category]]' (empty mask = defect-free), got " +
                         std::to_string(fields.size()) + " field(s) starting with '" + fields[0] + "'");
    }
    TestCase testCase;
    testCase.Image = resolve(fields[0]);
    testCase.Mask = resolve(fields[1]);
    testCase.Residual = fields.size() >= 3 ? resolve(fields[2]) : "";
    testCase.Category =
      fields.size() == 4 && !fields[3].empty() ? fields[3] : (testCase.Mask.empty() ? "good" : "defect");
    cases.push_back(testCase);
  }
  if (cases.empty())
  {
    throw CommandError("manifest '" + path + "' lists no images");
  }
  return cases;
}

namespace {
using Json = nlohmann::ordered_json;

struct EvaluateSettings
{
  std::string         OutputDirectory;
  double              MaskThreshold{ 0.0 };
  double              PROLimit{ 0.3 };
  double              ImageScoreSigma{ 4.0 };
  double              Threshold{ std::numeric_limits<double>::quiet_NaN() };
  std::size_t         MinimumArea{ 0 };
  std::size_t         Worst{ 3 };
  std::vector<double> ReferenceSigmas;
  std::string         Residual;
  unsigned int        WindowSize{ 11 };
  unsigned int        Axis{ 2 };

  bool
  HaveThreshold() const
  {
    return std::isfinite(Threshold);
  }
  itk::SegmentationEvaluation::Pointer
  NewEvaluation() const
  {
    auto created = itk::SegmentationEvaluation::New();
    created->SetPROLimit(PROLimit);
    created->SetImageScoreSigma(ImageScoreSigma);
    return created;
  }
};

} // namespace

void
DeclareEvaluateOptions(ArgumentParser & arguments)
{
  arguments.AddOption("mvtec", "DIR", "test set in MVTec AD layout");
  arguments.AddOption("manifest", "CSV", "test set as a CSV manifest");
  arguments.AddOption("model", "M", "model file (needed unless every manifest line names a residual map)");
  arguments.AddOption("output", "OUTDIR", "output directory (also -o)");
  arguments.AddOption("residual",
                      "ssim|l2|model",
                      "residual: of the model's reconstruction (ssim, l2) or the model's own (model, variational\n"
                      "models); default: the one the model was calibrated with, else the model's own kind (ssim for\n"
                      "SSIM losses, model for a VAE, l2 otherwise); ssim without a model");
  arguments.AddOption("stride", "S", "reconstruction stride in pixels", "30");
  arguments.AddOption("threshold", "T", "defect threshold on the residual (default: the model's calibrated one)");
  arguments.AddOption("min-area", "A", "drop predicted regions smaller than A pixels at the threshold", "0");
  arguments.AddOption("mask-threshold", "V", "mask pixels > V are defect", "0");
  arguments.AddOption("pro-limit", "F", "false-positive-rate limit of AUPRO", "0.3");
  arguments.AddOption("worst", "N", "overlays written for the N worst false positives and false negatives", "3");
  arguments.AddOption("reference",
                      "blur|blur:S|none",
                      "also score Gaussian-blur 'reconstructions' (sigma 1, 2, 4 and 8 px of the model's grid, or S)\n"
                      "with the same residual and metrics; a model beats its reference when it beats the best sigma",
                      "blur");
  arguments.AddOption("image-score-sigma",
                      "S",
                      "image score = maximum of the residual smoothed with a Gaussian of S px (0: plain maximum)",
                      "4");
  arguments.AddOption("window-size", "K", "SSIM window of the residual (Gaussian, sigma 1.5)", "11");
  arguments.AddOption(
    "axis", "0|1|2", "volumes (with volume masks): each slice along this axis is a test image of its own", "2");
}

namespace {
// Everything but the residual source, which needs the model.
EvaluateSettings
ReadEvaluateSettings(const ArgumentParser & arguments)
{
  if (arguments.Has("mvtec") == arguments.Has("manifest"))
  {
    throw UsageError("give exactly one of --mvtec DIR and --manifest CSV");
  }
  if (!arguments.Has("output"))
  {
    throw UsageError("--output OUTDIR is required");
  }
  EvaluateSettings settings;
  settings.OutputDirectory = arguments.GetString("output");
  settings.MaskThreshold = arguments.GetDouble("mask-threshold");
  settings.PROLimit = arguments.GetDouble("pro-limit");
  if (!(settings.PROLimit > 0.0 && settings.PROLimit <= 1.0))
  {
    throw UsageError("--pro-limit must be a false-positive rate in (0, 1], got " + arguments.GetString("pro-limit"));
  }
  settings.ImageScoreSigma = arguments.GetDouble("image-score-sigma");
  if (!(settings.ImageScoreSigma >= 0.0))
  {
    throw UsageError("--image-score-sigma must be >= 0");
  }
  if (arguments.Has("threshold"))
  {
    settings.Threshold = arguments.GetDouble("threshold");
  }
  settings.MinimumArea = static_cast<std::size_t>(arguments.GetNonNegativeInteger("min-area"));
  settings.Worst = static_cast<std::size_t>(arguments.GetNonNegativeInteger("worst"));
  if (arguments.GetString("reference") != "none")
  {
    settings.ReferenceSigmas = ParseReference(arguments.GetString("reference"));
  }
  settings.Residual = arguments.Has("residual") ? arguments.GetString("residual") : "";
  settings.WindowSize = static_cast<unsigned int>(arguments.GetPositiveInteger("window-size"));
  settings.Axis = arguments.GetAxis();
  return settings;
}

// The test set in memory: images, binary masks, the model's residual maps (in the ResidualSource) and, per
// reference sigma, the blur reference's maps.
struct TestSet
{
  std::vector<TestCase>                          Cases;
  std::vector<FloatImage2::Pointer>              Images;
  std::vector<MaskImage::Pointer>                Masks;
  std::vector<std::vector<FloatImage2::Pointer>> ReferenceMaps;
  std::vector<std::string>                       Categories; // defect categories, in order of appearance
};

// A category whose masks are all empty has no pixel ROC of its own: it is named and left out of the per-category
// areas (its images stay in the overall metrics) instead of stopping the evaluation.
void
KeepCategoriesWithDefects(TestSet & set)
{
  std::vector<std::string> kept;
  for (const auto & category : set.Categories)
  {
    bool defects = false;
    for (std::size_t i = 0; i < set.Cases.size() && !defects; ++i)
    {
      if (set.Cases[i].Category == category)
      {
        const auto * pixels = set.Masks[i]->GetBufferPointer();
        const auto   count = set.Masks[i]->GetLargestPossibleRegion().GetNumberOfPixels();
        defects = std::any_of(pixels, pixels + count, [](unsigned char value) { return value != 0; });
      }
    }
    if (defects)
    {
      kept.push_back(category);
    }
    else
    {
      std::cerr << "warning: category '" << category
                << "' has no defect pixels in its masks: left out of the per-category areas" << std::endl;
    }
  }
  set.Categories = kept;
}

// The masks of a case's images (`images`: the image, or the slices of a volume): read from its mask file, which must
// cut into as many images of the same sizes, or empty for a defect-free case.
std::vector<MaskImage::Pointer>
ReadCaseMasks(const TestCase & testCase, const std::vector<FloatImage2::Pointer> & images, double maskThreshold)
{
  std::vector<MaskImage::Pointer> masks;
  if (testCase.Mask.empty())
  {
    for (const auto & image : images)
    {
      auto mask = MaskImage::New();
      mask->SetRegions(image->GetLargestPossibleRegion());
      mask->Allocate(true);
      masks.push_back(mask);
    }
    return masks;
  }
  masks = ReadMasks(testCase.Mask, maskThreshold, testCase.Axis);
  if (masks.size() != images.size())
  {
    throw CommandError("mask '" + testCase.Mask + "' has " + std::to_string(masks.size()) + " slice(s) along axis " +
                       std::to_string(testCase.Axis) + " but image '" + testCase.Image + "' has " +
                       std::to_string(images.size()));
  }
  for (std::size_t k = 0; k < masks.size(); ++k)
  {
    if (masks[k]->GetLargestPossibleRegion().GetSize() != images[k]->GetLargestPossibleRegion().GetSize())
    {
      std::ostringstream message;
      message << "mask '" << testCase.Mask << "' is " << masks[k]->GetLargestPossibleRegion().GetSize()
              << " but image '" << testCase.Image << "' is " << images[k]->GetLargestPossibleRegion().GetSize()
              << (images.size() > 1 ? " in each slice" : "");
      throw CommandError(message.str());
    }
  }
  return masks;
}

// Computes the residual map of one test image (a 2D file or one slice of a volume) and adds the image to `set` and
// `evaluation`.
void
AddTestImage(const TestCase &              testCase,
             FloatImage2::Pointer          image,
             MaskImage::Pointer            mask,
             const EvaluateSettings &      settings,
             ResidualSource &              residuals,
             itk::SegmentationEvaluation * evaluation,
             TestSet &                     set)
{
  const auto residual = residuals.Compute(image, testCase);
  if (residual->GetLargestPossibleRegion().GetSize() != image->GetLargestPossibleRegion().GetSize())
  {
    std::ostringstream message;
    message << "residual map " << (testCase.Residual.empty() ? "" : "'" + testCase.Residual + "' ") << "is "
            << residual->GetLargestPossibleRegion().GetSize() << " but image '" << CaseName(testCase) << "' is "
            << image->GetLargestPossibleRegion().GetSize();
    throw CommandError(message.str());
  }
  const auto size = image->GetLargestPossibleRegion().GetSize();
  try
  {
    evaluation->AddImage(
      residual->GetBufferPointer(), mask->GetBufferPointer(), { { size[0], size[1], 1 } }, CaseName(testCase));
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError(error.GetDescription());
  }
  for (std::size_t r = 0; r < settings.ReferenceSigmas.size(); ++r)
  {
    set.ReferenceMaps[r].push_back(residuals.Reference(image, settings.ReferenceSigmas[r]));
  }
  set.Cases.push_back(testCase);
  set.Images.push_back(image);
  set.Masks.push_back(mask);
  if (testCase.Category != "good" &&
      std::find(set.Categories.begin(), set.Categories.end(), testCase.Category) == set.Categories.end())
  {
    set.Categories.push_back(testCase.Category);
  }
}

// Reads every case, computes its residual maps and adds them to `evaluation`; a volume's slices along the axis
// become cases of their own.
TestSet
LoadTestSet(const std::vector<TestCase> & cases,
            const EvaluateSettings &      settings,
            ResidualSource &              residuals,
            itk::SegmentationEvaluation * evaluation)
{
  TestSet set;
  set.ReferenceMaps.resize(settings.ReferenceSigmas.size());
  ProgressBar progress("evaluate");
  for (std::size_t i = 0; i < cases.size(); ++i)
  {
    TestCase      testCase = cases[i];
    ImageFileInfo info;
    testCase.Axis = settings.Axis;
    const auto images = ReadImageOrSlices(testCase.Image, settings.Axis, &info);
    RequireModelPixelType(testCase.Image, info, residuals.GetModel(), residuals.GetModelPath());
    const auto masks = ReadCaseMasks(testCase, images, settings.MaskThreshold);
    for (std::size_t k = 0; k < images.size(); ++k)
    {
      if (info.Dimension >= 3)
      {
        testCase.Slice = static_cast<long long>(k);
      }
      AddTestImage(testCase, images[k], masks[k], settings, residuals, evaluation, set);
    }
    progress.Update(static_cast<double>(i + 1) / static_cast<double>(cases.size()), testCase.Image);
  }
  progress.Finish();
  KeepCategoriesWithDefects(set);
  return set;
}

Json
ThresholdJson(const itk::SegmentationEvaluation::ThresholdMetrics & metrics, const EvaluateSettings & settings)
{
  Json json;
  json["threshold"] = JsonNumber(settings.Threshold);
  json["min_area"] = settings.MinimumArea;
  json["per_region_overlap"] = JsonNumber(metrics.PerRegionOverlap);
  json["pixel_precision"] = JsonNumber(metrics.PixelPrecision);
  json["pixel_recall"] = JsonNumber(metrics.PixelRecall);
  json["pixel_fpr"] = JsonNumber(metrics.PixelFalsePositiveRate);
  json["good_image_accuracy"] = JsonNumber(metrics.GoodImageAccuracy);
  json["defective_image_accuracy"] = JsonNumber(metrics.DefectiveImageAccuracy);
  return json;
}

Json
AreasJson(const itk::SegmentationEvaluation * evaluation)
{
  Json json;
  json["pixel_auroc"] = JsonNumber(evaluation->GetPixelAUROC());
  json["aupro_0.3"] = JsonNumber(evaluation->GetAUPRO());
  json["image_auroc"] = JsonNumber(evaluation->GetImageAUROC());
  return json;
}

// Areas per defect category (each category against the good images) and their mean pixel AUROC.
struct CategoryAreas
{
  Json   PerCategory = Json::object();
  double MeanPixelAUROC{ std::numeric_limits<double>::quiet_NaN() };
};

CategoryAreas
ComputeCategoryAreas(const TestSet &                                          set,
                     const std::function<FloatImage2::Pointer(std::size_t)> & residualOf,
                     const EvaluateSettings &                                 settings,
                     bool                                                     withThreshold)
{
  CategoryAreas areas;
  double        sum = 0.0;
  for (const auto & category : set.Categories)
  {
    auto subset = settings.NewEvaluation();
    for (std::size_t i = 0; i < set.Cases.size(); ++i)
    {
      if (set.Cases[i].Category == category || set.Cases[i].Category == "good")
      {
        subset->AddImage(residualOf(i), set.Masks[i]);
      }
    }
    subset->Compute();
    sum += subset->GetPixelAUROC();
    Json json = AreasJson(subset);
    if (withThreshold)
    {
      json["at_threshold"] =
        ThresholdJson(subset->EvaluateThreshold(settings.Threshold, settings.MinimumArea), settings);
    }
    areas.PerCategory[category] = json;
  }
  areas.MeanPixelAUROC = sum / static_cast<double>(set.Categories.size());
  return areas;
}

// The blur reference: the same images, masks, residual and metrics for each sigma.
struct ReferenceResults
{
  Json        Sigmas = Json::object();
  std::string Table;
  double      BestPixelAUROC{ std::numeric_limits<double>::quiet_NaN() };
  double      BestSigma{ 0.0 };
  double      BestCategoryMean{ std::numeric_limits<double>::quiet_NaN() };
};

ReferenceResults
ScoreReferences(const TestSet & set, const EvaluateSettings & settings)
{
  ReferenceResults   results;
  std::ostringstream table;
  const bool         perCategory = set.Categories.size() > 1;
  for (std::size_t r = 0; r < settings.ReferenceSigmas.size(); ++r)
  {
    auto reference = settings.NewEvaluation();
    for (std::size_t i = 0; i < set.Cases.size(); ++i)
    {
      reference->AddImage(set.ReferenceMaps[r][i], set.Masks[i]);
    }
    reference->Compute();
    Json json = AreasJson(reference);
    if (!(reference->GetPixelAUROC() <= results.BestPixelAUROC))
    {
      results.BestPixelAUROC = reference->GetPixelAUROC();
      results.BestSigma = settings.ReferenceSigmas[r];
    }
    CategoryAreas areas;
    if (perCategory)
    {
      areas = ComputeCategoryAreas(
        set, [&](std::size_t i) { return set.ReferenceMaps[r][i]; }, settings, false);
      if (!(areas.MeanPixelAUROC <= results.BestCategoryMean)) // NaN-safe maximum
      {
        results.BestCategoryMean = areas.MeanPixelAUROC;
      }
      json["category_mean_pixel_auroc"] = JsonNumber(areas.MeanPixelAUROC);
      json["categories"] = areas.PerCategory;
    }
    results.Sigmas[FormatNumber(settings.ReferenceSigmas[r])] = json;
    table << std::left << std::setw(18) << ("blur sigma " + FormatNumber(settings.ReferenceSigmas[r])) << std::right
          << std::fixed << std::setprecision(4) << std::setw(12) << reference->GetPixelAUROC() << std::setw(12)
          << reference->GetAUPRO() << std::setw(12) << reference->GetImageAUROC();
    if (perCategory)
    {
      table << std::setw(14) << areas.MeanPixelAUROC;
    }
    table << "\n";
  }
  results.Table = table.str();
  return results;
}

Json
MetricsJson(const itk::SegmentationEvaluation * evaluation,
            const TestSet &                     set,
            const EvaluateSettings &            settings,
            const CategoryAreas &               modelAreas,
            const ReferenceResults &            reference)
{
  Json json;
  json["pixel_auroc"] = JsonNumber(evaluation->GetPixelAUROC());
  json["aupro_0.3"] = JsonNumber(evaluation->GetAUPRO());
  json["pro_limit"] = JsonNumber(evaluation->GetPROLimit());
  json["image_auroc"] = JsonNumber(evaluation->GetImageAUROC());
  json["images"] = set.Cases.size();
  json["image_score"] = settings.ImageScoreSigma > 0.0 ? "maximum of the residual smoothed with a Gaussian of sigma " +
                                                           FormatNumber(settings.ImageScoreSigma) + " px"
                                                       : "maximum of the residual";
  json["residual"] = settings.Residual;
  json["reference_residual"] = ReferenceResidual(settings.Residual);
  json["window_size"] = settings.WindowSize;
  if (set.Categories.size() > 1)
  {
    json["category_mean_pixel_auroc"] = JsonNumber(modelAreas.MeanPixelAUROC);
    json["categories"] = modelAreas.PerCategory;
  }
  if (!settings.ReferenceSigmas.empty())
  {
    Json blur;
    blur["kind"] = "gaussian blur as reconstruction";
    blur["pixel_auroc"] = JsonNumber(reference.BestPixelAUROC);
    blur["best_sigma"] = reference.BestSigma;
    if (set.Categories.size() > 1)
    {
      blur["category_mean_pixel_auroc"] = JsonNumber(reference.BestCategoryMean);
    }
    blur["sigmas"] = reference.Sigmas;
    json["reference"] = blur;
    json["beats_reference"] = evaluation->GetPixelAUROC() > reference.BestPixelAUROC;
  }
  if (settings.HaveThreshold())
  {
    json["at_threshold"] =
      ThresholdJson(evaluation->EvaluateThreshold(settings.Threshold, settings.MinimumArea), settings);
  }
  return json;
}

// Per image at the threshold: false-positive pixels, and the fraction of defect pixels missed.
struct Outcome
{
  std::size_t Index;
  double      FalsePositives;
  double      Missed;
};

// Writes per_image.csv; returns the per-image outcomes at the threshold (none without one).
std::vector<Outcome>
WritePerImage(const itk::SegmentationEvaluation * evaluation, const TestSet & set, const EvaluateSettings & settings)
{
  std::vector<Outcome> outcomes;
  std::ostringstream   text;
  text << "image,category,defective,max_residual,image_score,defect_pixels,regions";
  text << (settings.HaveThreshold() ? ",predicted_pixels,false_positive_pixels,recall\n" : "\n");
  const auto & records = evaluation->GetImages();
  for (std::size_t i = 0; i < set.Cases.size(); ++i)
  {
    text << CsvField(CaseName(set.Cases[i])) << "," << CsvField(set.Cases[i].Category) << ","
         << (records[i].Defective ? 1 : 0) << "," << FormatNumber(records[i].MaximumScore) << ","
         << FormatNumber(records[i].ImageScore) << "," << records[i].DefectPixels << "," << records[i].Regions;
    if (settings.HaveThreshold())
    {
      const auto   predicted = evaluation->PredictedMask(i, settings.Threshold, settings.MinimumArea);
      std::size_t  predictedCount = 0, falsePositives = 0, hits = 0;
      const auto * truth = set.Masks[i]->GetBufferPointer();
      for (std::size_t p = 0; p < predicted.size(); ++p)
      {
        predictedCount += predicted[p];
        falsePositives += predicted[p] && !truth[p];
        hits += predicted[p] && truth[p];
      }
      const double recall = records[i].DefectPixels ? static_cast<double>(hits) / records[i].DefectPixels
                                                    : std::numeric_limits<double>::quiet_NaN();
      text << "," << predictedCount << "," << falsePositives << "," << FormatNumber(recall);
      outcomes.push_back({ i, static_cast<double>(falsePositives), records[i].Defective ? 1.0 - recall : 0.0 });
    }
    text << "\n";
  }
  WriteTextAtomically(settings.OutputDirectory + "/per_image.csv", text.str());
  return outcomes;
}

void
WriteCurve(const std::string &                                          path,
           const std::vector<itk::SegmentationEvaluation::CurvePoint> & curve,
           const std::string &                                          label)
{
  std::ostringstream text;
  text << "series,false_positive_rate,value,threshold\n";
  for (const auto & point : curve)
  {
    text << label << "," << std::setprecision(9) << point.FalsePositiveRate << "," << point.Value << ","
         << FormatNumber(point.Threshold) << "\n";
  }
  WriteTextAtomically(path, text.str());
}

// roc.csv / pro.csv, and their plots when VTK can draw them (a note on standard error otherwise).
void
WriteCurvesAndPlots(const itk::SegmentationEvaluation * evaluation, const std::string & directory)
{
  WriteCurve(directory + "/roc.csv", evaluation->GetROCCurve(), "ROC");
  WriteCurve(directory + "/pro.csv", evaluation->GetPROCurve(), "PRO");
  std::ostringstream rocTitle, proTitle;
  rocTitle << "Pixel ROC, AUC " << std::fixed << std::setprecision(3) << evaluation->GetPixelAUROC();
  proTitle << "Per-region overlap, AUPRO@" << std::setprecision(2) << evaluation->GetPROLimit() << " "
           << std::setprecision(3) << evaluation->GetAUPRO();
  std::string problem =
    RunPlotSubprocess({ directory + "/roc.csv", "--output", directory + "/roc.png", "--title", rocTitle.str() });
  if (problem.empty())
  {
    problem = RunPlotSubprocess({ directory + "/pro.csv",
                                  "--output",
                                  directory + "/pro.png",
                                  "--title",
                                  proTitle.str(),
                                  "--ylabel",
                                  "per-region overlap",
                                  "--xmax",
                                  FormatNumber(evaluation->GetPROLimit()) });
  }
  if (!problem.empty())
  {
    std::cerr << "ssimae evaluate: " << problem << std::endl;
  }
}

// Overlays of the N images with the most false-positive pixels and the N with the largest missed fraction.
void
WriteWorstOverlays(const itk::SegmentationEvaluation * evaluation,
                   const TestSet &                     set,
                   const EvaluateSettings &            settings,
                   std::vector<Outcome>                outcomes)
{
  const auto write = [&](const Outcome & outcome, const std::string & kind, std::size_t rank) {
    const auto i = outcome.Index;
    WriteOverlayImage(set.Images[i],
                      set.Masks[i],
                      evaluation->PredictedMask(i, settings.Threshold, settings.MinimumArea),
                      settings.OutputDirectory + "/worst_" + kind + "_" + std::to_string(rank) + ".png");
  };
  const std::size_t count = std::min(settings.Worst, outcomes.size());
  std::sort(outcomes.begin(), outcomes.end(), [](const Outcome & a, const Outcome & b) {
    return a.FalsePositives > b.FalsePositives;
  });
  for (std::size_t k = 0; k < count && outcomes[k].FalsePositives > 0; ++k)
  {
    write(outcomes[k], "false_positive", k + 1);
  }
  std::sort(outcomes.begin(), outcomes.end(), [](const Outcome & a, const Outcome & b) { return a.Missed > b.Missed; });
  for (std::size_t k = 0; k < count && outcomes[k].Missed > 0; ++k)
  {
    write(outcomes[k], "false_negative", k + 1);
  }
}

void
PrintSummary(const itk::SegmentationEvaluation * evaluation,
             const TestSet &                     set,
             const EvaluateSettings &            settings,
             const CategoryAreas &               modelAreas,
             const ReferenceResults &            reference,
             bool                                haveModel)
{
  const bool perCategory = set.Categories.size() > 1;
  std::cout << std::left << std::setw(18) << "" << std::right << std::setw(12) << "pixel AUROC" << std::setw(12)
            << "AUPRO@" + FormatNumber(evaluation->GetPROLimit()) << std::setw(12) << "image AUROC"
            << (perCategory ? "  class mean px" : "") << "\n"
            << std::left << std::setw(18) << (haveModel ? "model" : "residual maps") << std::right << std::fixed
            << std::setprecision(4) << std::setw(12) << evaluation->GetPixelAUROC() << std::setw(12)
            << evaluation->GetAUPRO() << std::setw(12) << evaluation->GetImageAUROC();
  if (perCategory)
  {
    std::cout << std::setw(14) << modelAreas.MeanPixelAUROC;
  }
  std::cout << "\n" << reference.Table;
  if (!settings.ReferenceSigmas.empty())
  {
    const double margin = evaluation->GetPixelAUROC() - reference.BestPixelAUROC;
    std::cout << (margin > 0.0 ? "beats its blur reference" : "does NOT beat its blur reference") << " (best sigma "
              << FormatNumber(reference.BestSigma) << "): pixel AUROC " << std::showpos << std::setprecision(4)
              << margin << std::noshowpos << "\n";
  }
  if (settings.HaveThreshold())
  {
    const auto metrics = evaluation->EvaluateThreshold(settings.Threshold, settings.MinimumArea);
    std::cout << "at threshold " << settings.Threshold << ": PRO " << metrics.PerRegionOverlap << ", precision "
              << metrics.PixelPrecision << ", recall " << metrics.PixelRecall << ", good images "
              << metrics.GoodImageAccuracy << ", defective images " << metrics.DefectiveImageAccuracy << "\n";
  }
  else
  {
    std::cout << "no threshold (neither --threshold nor a calibrated model): thresholded metrics skipped\n";
  }
  std::cout << "written to " << settings.OutputDirectory << std::endl;
}
} // namespace

int
RunEvaluate(int argc, char * argv[])
{
  ArgumentParser arguments(
    "evaluate",
    "(--mvtec DIR | --manifest CSV) [--model M] -o OUTDIR [options]",
    "Measures how well residual maps find the defects of a labelled test set. The test set is either in MVTec AD\n"
    "layout (DIR/test/<category>/*.png, DIR/ground_truth/<category>/<name>_mask.png, DIR/test/good without masks)\n"
    "or a CSV manifest 'image,mask[,residual[,category]]' per line (empty mask = defect-free; relative paths are\n"
    "relative to the manifest; a residual column names a precomputed residual map, and then no model is needed;\n"
    "a category column groups the per-category results, 'good' marking defect-free images; fields with commas\n"
    "are quoted as RFC 4180 says).\n"
    "Writes OUTDIR/metrics.json (pixel_auroc, aupro_0.3, image_auroc, per category, and thresholded metrics when\n"
    "a threshold is known), per_image.csv, roc.csv, pro.csv, roc.png and pro.png (VTK; under xvfb-run when there\n"
    "is no display), and overlays of the worst false positives and false negatives.");
  DeclareEvaluateOptions(arguments);
  if (!arguments.Parse(argc, argv))
  {
    return 0;
  }
  auto settings = ReadEvaluateSettings(arguments);
  MakeDirectory(settings.OutputDirectory);
  auto           cases = arguments.Has("mvtec") ? ReadMVTecLayout(arguments.GetString("mvtec"))
                                                : ReadManifest(arguments.GetString("manifest"));
  ResidualSource residuals(arguments.Has("model") ? arguments.GetString("model") : "",
                           settings.Residual,
                           static_cast<unsigned int>(arguments.GetPositiveInteger("stride")),
                           settings.WindowSize);
  settings.Residual = residuals.GetResidual();
  if (!settings.HaveThreshold())
  {
    settings.Threshold = residuals.ModelThreshold();
  }
  auto          evaluation = settings.NewEvaluation();
  const TestSet set = LoadTestSet(cases, settings, residuals, evaluation);
  try
  {
    evaluation->Compute();
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError(std::string("cannot evaluate: ") + error.GetDescription());
  }
  CategoryAreas modelAreas;
  if (set.Categories.size() > 1)
  {
    modelAreas = ComputeCategoryAreas(
      set, [&](std::size_t i) { return residuals.Cached(i); }, settings, settings.HaveThreshold());
  }
  const ReferenceResults reference = ScoreReferences(set, settings);
  WriteTextAtomically(settings.OutputDirectory + "/metrics.json",
                      MetricsJson(evaluation, set, settings, modelAreas, reference).dump(2) + "\n");
  const auto outcomes = WritePerImage(evaluation, set, settings);
  WriteCurvesAndPlots(evaluation, settings.OutputDirectory);
  if (settings.HaveThreshold())
  {
    WriteWorstOverlays(evaluation, set, settings, outcomes);
  }
  PrintSummary(evaluation, set, settings, modelAreas, reference, residuals.GetModel() != nullptr);
  return 0;
}

} // namespace ssimae
