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
#include "ssimaePlot.h"

#include "itkImageFileWriter.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkRGBPixel.h"
#include "itkSegmentationEvaluation.h"

#include <algorithm>
#include <cmath>
#include <dirent.h>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <limits>
#include <sstream>
#include <sys/stat.h>

namespace ssimae {

namespace {
using MaskImage = itk::Image<unsigned char, 2>;

std::vector<std::string>
ListDirectory(const std::string & directory, bool directories)
{
  std::vector<std::string> names;
  DIR *                    handle = opendir(directory.c_str());
  if (!handle)
  {
    throw CommandError("cannot list directory '" + directory + "'");
  }
  while (const dirent * entry = readdir(handle))
  {
    const std::string name = entry->d_name;
    if (name == "." || name == ".." || name[0] == '.')
    {
      continue;
    }
    if (IsDirectory(directory + "/" + name) == directories)
    {
      names.push_back(name);
    }
  }
  closedir(handle);
  std::sort(names.begin(), names.end());
  return names;
}

std::string
Stem(const std::string & name)
{
  const auto dot = name.find_last_of('.');
  return dot == std::string::npos ? name : name.substr(0, dot);
}

std::string
JsonNumber(double value)
{
  if (!std::isfinite(value))
  {
    return "null";
  }
  std::ostringstream text;
  text << std::setprecision(10) << value;
  return text.str();
}

std::string
JsonString(const std::string & value)
{
  std::string escaped = "\"";
  for (const char c : value)
  {
    if (c == '"' || c == '\\')
    {
      escaped += '\\';
    }
    escaped += c;
  }
  return escaped + "\"";
}

std::string
CsvField(const std::string & value)
{
  if (value.find_first_of(",\"\n") == std::string::npos)
  {
    return value;
  }
  std::string quoted = "\"";
  for (const char c : value)
  {
    quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  }
  return quoted + "\"";
}

MaskImage::Pointer
ReadMask(const std::string & path, double maskThreshold)
{
  const auto image = ReadFloatImage<2>(path);
  auto       mask = MaskImage::New();
  mask->CopyInformation(image);
  mask->SetRegions(image->GetLargestPossibleRegion());
  mask->Allocate();
  itk::ImageRegionConstIterator<FloatImage2> in(image, image->GetLargestPossibleRegion());
  itk::ImageRegionIterator<MaskImage>        out(mask, mask->GetLargestPossibleRegion());
  for (; !in.IsAtEnd(); ++in, ++out)
  {
    out.Set(in.Get() > maskThreshold ? 1 : 0);
  }
  return mask;
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
  std::string           line;
  std::size_t           number = 0;
  const std::string     directory = path.find('/') == std::string::npos ? "." : path.substr(0, path.find_last_of('/'));
  const auto            resolve = [&](const std::string & name) {
    return name.empty() || name[0] == '/' ? name : directory + "/" + name;
  };
  while (std::getline(file, line))
  {
    ++number;
    if (!line.empty() && line.back() == '\r')
    {
      line.pop_back();
    }
    if (line.empty() || line[0] == '#' || (number == 1 && line.rfind("image,", 0) == 0))
    {
      continue;
    }
    std::vector<std::string> fields;
    std::stringstream        stream(line);
    std::string              field;
    while (std::getline(stream, field, ','))
    {
      fields.push_back(field);
    }
    if (!line.empty() && line.back() == ',')
    {
      fields.push_back("");
    }
    if (fields.size() < 2 || fields.size() > 4 || fields[0].empty())
    {
      throw CommandError("manifest '" + path + "' line " + std::to_string(number) +
                         ": expected 'image,mask[,residual[,category]]' (empty mask = defect-free), got '" + line +
                         "'");
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
    "a category column groups the per-category results, 'good' marking defect-free images).\n"
    "Writes OUTDIR/metrics.json (pixel_auroc, aupro_0.3, image_auroc, per category, and thresholded metrics when\n"
    "a threshold is known), per_image.csv, roc.csv, pro.csv, roc.png and pro.png (VTK; under xvfb-run when there\n"
    "is no display), and overlays of the worst false positives and false negatives.");
  arguments.AddOption("mvtec", "DIR", "test set in MVTec AD layout");
  arguments.AddOption("manifest", "CSV", "test set as a CSV manifest");
  arguments.AddOption("model", "M", "model file (needed unless every manifest line names a residual map)");
  arguments.AddOption("output", "OUTDIR", "output directory (also -o)");
  arguments.AddOption("residual", "ssim|l2", "residual of the model's reconstruction", "ssim");
  arguments.AddOption("stride", "S", "reconstruction stride in pixels", "30");
  arguments.AddOption("threshold", "T", "defect threshold on the residual (default: the model's calibrated one)");
  arguments.AddOption("min-area", "A", "drop predicted regions smaller than A pixels at the threshold", "0");
  arguments.AddOption("mask-threshold", "V", "mask pixels > V are defect", "0");
  arguments.AddOption("pro-limit", "F", "false-positive-rate limit of AUPRO", "0.3");
  arguments.AddOption("worst", "N", "overlays written for the N worst false positives and false negatives", "3");
  arguments.AddOption("reference", "blur|blur:S|none",
                      "also score Gaussian-blur 'reconstructions' (sigma 1, 2, 4 and 8 px of the model's grid, or S)\n"
                      "with the same residual and metrics; a model beats its reference when it beats the best sigma",
                      "blur");
  arguments.AddOption("image-score-sigma", "S",
                      "image score = maximum of the residual smoothed with a Gaussian of S px (0: plain maximum)", "4");
  arguments.AddOption("window-size", "K", "SSIM window of the residual (Gaussian, sigma 1.5)", "11");
  if (!arguments.Parse(argc, argv))
  {
    return 0;
  }
  if (arguments.Has("mvtec") == arguments.Has("manifest"))
  {
    throw UsageError("give exactly one of --mvtec DIR and --manifest CSV");
  }
  if (!arguments.Has("output"))
  {
    throw UsageError("--output OUTDIR is required");
  }
  const std::string outputDirectory = arguments.GetString("output");
  MakeDirectory(outputDirectory);
  const auto   cases = arguments.Has("mvtec") ? ReadMVTecLayout(arguments.GetString("mvtec"))
                                              : ReadManifest(arguments.GetString("manifest"));
  const double maskThreshold = arguments.GetDouble("mask-threshold");

  ResidualSource residuals(arguments.Has("model") ? arguments.GetString("model") : "",
                           arguments.GetString("residual"),
                           static_cast<unsigned int>(arguments.GetPositiveInteger("stride")),
                           static_cast<unsigned int>(arguments.GetPositiveInteger("window-size")));
  const double imageScoreSigma = arguments.GetDouble("image-score-sigma");
  if (!(imageScoreSigma >= 0.0))
  {
    throw UsageError("--image-score-sigma must be >= 0");
  }
  const auto newEvaluation = [&]() {
    auto created = itk::SegmentationEvaluation::New();
    created->SetPROLimit(arguments.GetDouble("pro-limit"));
    created->SetImageScoreSigma(imageScoreSigma);
    return created;
  };
  auto evaluation = newEvaluation();
  std::vector<double> referenceSigmas;
  if (arguments.GetString("reference") != "none")
  {
    referenceSigmas = ParseReference(arguments.GetString("reference"));
  }
  std::vector<std::vector<FloatImage2::Pointer>> referenceMaps(referenceSigmas.size());
  std::vector<FloatImage2::Pointer> images;
  std::vector<MaskImage::Pointer>   masks;
  ProgressBar                       progress("evaluate");
  for (std::size_t i = 0; i < cases.size(); ++i)
  {
    const auto &       testCase = cases[i];
    const auto         image = ReadFloatImage<2>(testCase.Image);
    MaskImage::Pointer mask;
    if (testCase.Mask.empty())
    {
      mask = MaskImage::New();
      mask->SetRegions(image->GetLargestPossibleRegion());
      mask->Allocate(true);
    }
    else
    {
      mask = ReadMask(testCase.Mask, maskThreshold);
      if (mask->GetLargestPossibleRegion().GetSize() != image->GetLargestPossibleRegion().GetSize())
      {
        std::ostringstream message;
        message << "mask '" << testCase.Mask << "' is " << mask->GetLargestPossibleRegion().GetSize() << " but image '"
                << testCase.Image << "' is " << image->GetLargestPossibleRegion().GetSize();
        throw CommandError(message.str());
      }
    }
    const auto residual = residuals.Compute(image, testCase);
    if (residual->GetLargestPossibleRegion().GetSize() != image->GetLargestPossibleRegion().GetSize())
    {
      throw CommandError("residual map for '" + testCase.Image + "' differs in size from the image");
    }
    const auto size = image->GetLargestPossibleRegion().GetSize();
    try
    {
      evaluation->AddImage(
        residual->GetBufferPointer(), mask->GetBufferPointer(), { { size[0], size[1], 1 } }, testCase.Image);
    }
    catch (const itk::ExceptionObject & error)
    {
      throw CommandError(error.GetDescription());
    }
    for (std::size_t r = 0; r < referenceSigmas.size(); ++r)
    {
      referenceMaps[r].push_back(residuals.Reference(image, referenceSigmas[r]));
    }
    images.push_back(image);
    masks.push_back(mask);
    progress.Update(static_cast<double>(i + 1) / static_cast<double>(cases.size()), testCase.Image);
  }
  progress.Finish();
  try
  {
    evaluation->Compute();
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError(std::string("cannot evaluate: ") + error.GetDescription());
  }

  double threshold = std::numeric_limits<double>::quiet_NaN();
  if (arguments.Has("threshold"))
  {
    threshold = arguments.GetDouble("threshold");
  }
  else
  {
    threshold = residuals.ModelThreshold();
  }
  const auto minimumArea = static_cast<std::size_t>(std::max(0L, arguments.GetInteger("min-area")));
  const bool haveThreshold = std::isfinite(threshold);
  const auto thresholdJson = [&](const itk::SegmentationEvaluation::ThresholdMetrics & metrics) {
    std::ostringstream out;
    out << "{\"threshold\": " << JsonNumber(threshold) << ", \"min_area\": " << minimumArea
        << ", \"per_region_overlap\": " << JsonNumber(metrics.PerRegionOverlap)
        << ", \"pixel_precision\": " << JsonNumber(metrics.PixelPrecision)
        << ", \"pixel_recall\": " << JsonNumber(metrics.PixelRecall)
        << ", \"pixel_fpr\": " << JsonNumber(metrics.PixelFalsePositiveRate)
        << ", \"good_image_accuracy\": " << JsonNumber(metrics.GoodImageAccuracy)
        << ", \"defective_image_accuracy\": " << JsonNumber(metrics.DefectiveImageAccuracy) << "}";
    return out.str();
  };

  // Per-category areas: each defect category against the good images.
  std::vector<std::string> categories;
  for (const auto & testCase : cases)
  {
    if (testCase.Category != "good" &&
        std::find(categories.begin(), categories.end(), testCase.Category) == categories.end())
    {
      categories.push_back(testCase.Category);
    }
  }
  // Areas of a set of residual maps: overall (already computed in `overall`) and per defect category against the
  // good images, with the mean over the categories.
  struct Areas
  {
    std::string Json;
    double      CategoryMeanPixelAUROC{ std::numeric_limits<double>::quiet_NaN() };
  };
  const auto categoryAreas = [&](const std::function<FloatImage2::Pointer(std::size_t)> & residualOf,
                                 bool                                                   withThreshold) {
    Areas              areas;
    std::ostringstream perCategory;
    double             sum = 0.0;
    for (std::size_t c = 0; c < categories.size(); ++c)
    {
      auto subset = newEvaluation();
      for (std::size_t i = 0; i < cases.size(); ++i)
      {
        if (cases[i].Category == categories[c] || cases[i].Category == "good")
        {
          subset->AddImage(residualOf(i), masks[i]);
        }
      }
      subset->Compute();
      sum += subset->GetPixelAUROC();
      perCategory << (c ? ",\n" : "") << "    " << JsonString(categories[c])
                  << ": {\"pixel_auroc\": " << JsonNumber(subset->GetPixelAUROC())
                  << ", \"aupro_0.3\": " << JsonNumber(subset->GetAUPRO())
                  << ", \"image_auroc\": " << JsonNumber(subset->GetImageAUROC());
      if (withThreshold)
      {
        perCategory << ", \"at_threshold\": " << thresholdJson(subset->EvaluateThreshold(threshold, minimumArea));
      }
      perCategory << "}";
    }
    areas.Json = perCategory.str();
    areas.CategoryMeanPixelAUROC = sum / static_cast<double>(categories.size());
    return areas;
  };
  Areas modelAreas;
  if (categories.size() > 1)
  {
    modelAreas = categoryAreas([&](std::size_t i) { return residuals.Cached(i); }, haveThreshold);
  }

  // The blur reference: the same images, masks, residual and metrics for each sigma.
  std::ostringstream referenceJson;
  std::ostringstream referenceTable;
  double             bestReference = std::numeric_limits<double>::quiet_NaN();
  double             bestSigma = 0.0;
  double             bestReferenceCategoryMean = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t r = 0; r < referenceSigmas.size(); ++r)
  {
    auto reference = newEvaluation();
    for (std::size_t i = 0; i < cases.size(); ++i)
    {
      reference->AddImage(referenceMaps[r][i], masks[i]);
    }
    reference->Compute();
    Areas referenceAreas;
    if (categories.size() > 1)
    {
      referenceAreas = categoryAreas([&](std::size_t i) { return referenceMaps[r][i]; }, false);
      if (!(referenceAreas.CategoryMeanPixelAUROC <= bestReferenceCategoryMean))
      {
        bestReferenceCategoryMean = referenceAreas.CategoryMeanPixelAUROC;
      }
    }
    if (!(reference->GetPixelAUROC() <= bestReference))
    {
      bestReference = reference->GetPixelAUROC();
      bestSigma = referenceSigmas[r];
    }
    referenceJson << (r ? ",\n" : "") << "      " << JsonString(JsonNumber(referenceSigmas[r]))
                  << ": {\"pixel_auroc\": " << JsonNumber(reference->GetPixelAUROC())
                  << ", \"aupro_0.3\": " << JsonNumber(reference->GetAUPRO())
                  << ", \"image_auroc\": " << JsonNumber(reference->GetImageAUROC());
    if (categories.size() > 1)
    {
      referenceJson << ", \"category_mean_pixel_auroc\": " << JsonNumber(referenceAreas.CategoryMeanPixelAUROC)
                    << ", \"categories\": {\n" << referenceAreas.Json << "\n      }";
    }
    referenceJson << "}";
    referenceTable << std::left << std::setw(18) << ("blur sigma " + JsonNumber(referenceSigmas[r])) << std::right
                   << std::fixed << std::setprecision(4) << std::setw(12) << reference->GetPixelAUROC()
                   << std::setw(12) << reference->GetAUPRO() << std::setw(12) << reference->GetImageAUROC();
    if (categories.size() > 1)
    {
      referenceTable << std::setw(14) << referenceAreas.CategoryMeanPixelAUROC;
    }
    referenceTable << "\n";
  }

  std::ostringstream json;
  json << "{\n  \"pixel_auroc\": " << JsonNumber(evaluation->GetPixelAUROC())
       << ",\n  \"aupro_0.3\": " << JsonNumber(evaluation->GetAUPRO())
       << ",\n  \"pro_limit\": " << JsonNumber(evaluation->GetPROLimit())
       << ",\n  \"image_auroc\": " << JsonNumber(evaluation->GetImageAUROC()) << ",\n  \"images\": " << cases.size();
  json << ",\n  \"image_score\": " << JsonString(imageScoreSigma > 0.0 ? "maximum of the residual smoothed with a Gaussian of sigma " + JsonNumber(imageScoreSigma) + " px" : "maximum of the residual");
  json << ",\n  \"residual\": " << JsonString(arguments.GetString("residual"))
       << ",\n  \"window_size\": " << arguments.GetString("window-size");
  if (categories.size() > 1)
  {
    json << ",\n  \"category_mean_pixel_auroc\": " << JsonNumber(modelAreas.CategoryMeanPixelAUROC);
    json << ",\n  \"categories\": {\n" << modelAreas.Json << "\n  }";
  }
  const bool haveModel = residuals.GetModel() != nullptr;
  if (!referenceSigmas.empty())
  {
    json << ",\n  \"reference\": {\n    \"kind\": \"gaussian blur as reconstruction\",\n    \"pixel_auroc\": "
         << JsonNumber(bestReference) << ",\n    \"best_sigma\": " << JsonNumber(bestSigma);
    if (categories.size() > 1)
    {
      json << ",\n    \"category_mean_pixel_auroc\": " << JsonNumber(bestReferenceCategoryMean);
    }
    json << ",\n    \"sigmas\": {\n" << referenceJson.str() << "\n    }\n  }";
    json << ",\n  \"beats_reference\": " << (evaluation->GetPixelAUROC() > bestReference ? "true" : "false");
  }
  itk::SegmentationEvaluation::ThresholdMetrics metrics;
  if (haveThreshold)
  {
    metrics = evaluation->EvaluateThreshold(threshold, minimumArea);
    json << ",\n  \"at_threshold\": " << thresholdJson(metrics);
  }
  json << "\n}\n";
  WriteTextAtomically(outputDirectory + "/metrics.json", json.str());

  // Per image: maximum residual, and at the threshold the false positives and missed defect pixels.
  struct Outcome
  {
    std::size_t Index;
    double      FalsePositives;
    double      Missed;
  };
  std::vector<Outcome> outcomes;
  std::ostringstream   perImage;
  perImage << "image,category,defective,max_residual,image_score,defect_pixels,regions";
  if (haveThreshold)
  {
    perImage << ",predicted_pixels,false_positive_pixels,recall";
  }
  perImage << "\n";
  const auto & records = evaluation->GetImages();
  for (std::size_t i = 0; i < cases.size(); ++i)
  {
    perImage << CsvField(cases[i].Image) << "," << cases[i].Category << "," << (records[i].Defective ? 1 : 0) << ","
             << JsonNumber(records[i].MaximumScore) << "," << JsonNumber(records[i].ImageScore) << ","
             << records[i].DefectPixels << "," << records[i].Regions;
    if (haveThreshold)
    {
      const auto   predicted = evaluation->PredictedMask(i, threshold, minimumArea);
      std::size_t  predictedCount = 0, falsePositives = 0, hits = 0;
      const auto * truth = masks[i]->GetBufferPointer();
      for (std::size_t p = 0; p < predicted.size(); ++p)
      {
        predictedCount += predicted[p];
        falsePositives += predicted[p] && !truth[p];
        hits += predicted[p] && truth[p];
      }
      const double recall = records[i].DefectPixels ? static_cast<double>(hits) / records[i].DefectPixels
                                                    : std::numeric_limits<double>::quiet_NaN();
      perImage << "," << predictedCount << "," << falsePositives << "," << JsonNumber(recall);
      outcomes.push_back({ i, static_cast<double>(falsePositives), records[i].Defective ? 1.0 - recall : 0.0 });
    }
    perImage << "\n";
  }
  WriteTextAtomically(outputDirectory + "/per_image.csv", perImage.str());

  const auto writeCurve = [&](const std::string &                                          name,
                              const std::vector<itk::SegmentationEvaluation::CurvePoint> & curve,
                              const std::string &                                          label) {
    std::ostringstream text;
    text << "series,false_positive_rate,value,threshold\n";
    for (const auto & point : curve)
    {
      text << label << "," << std::setprecision(9) << point.FalsePositiveRate << "," << point.Value << ","
           << JsonNumber(point.Threshold) << "\n";
    }
    WriteTextAtomically(outputDirectory + "/" + name, text.str());
  };
  writeCurve("roc.csv", evaluation->GetROCCurve(), "ROC");
  writeCurve("pro.csv", evaluation->GetPROCurve(), "PRO");

  std::ostringstream rocTitle, proTitle;
  rocTitle << "Pixel ROC, AUC " << std::fixed << std::setprecision(3) << evaluation->GetPixelAUROC();
  proTitle << "Per-region overlap, AUPRO@" << std::setprecision(2) << evaluation->GetPROLimit() << " "
           << std::setprecision(3) << evaluation->GetAUPRO();
  std::string plotProblem = RunPlotSubprocess(
    { outputDirectory + "/roc.csv", "--output", outputDirectory + "/roc.png", "--title", rocTitle.str() });
  if (plotProblem.empty())
  {
    plotProblem = RunPlotSubprocess({ outputDirectory + "/pro.csv",
                                      "--output",
                                      outputDirectory + "/pro.png",
                                      "--title",
                                      proTitle.str(),
                                      "--ylabel",
                                      "per-region overlap",
                                      "--xmax",
                                      JsonNumber(evaluation->GetPROLimit()) });
  }
  if (!plotProblem.empty())
  {
    std::cerr << "ssimae evaluate: " << plotProblem << std::endl;
  }

  if (haveThreshold)
  {
    const auto worst = static_cast<std::size_t>(std::max(0L, arguments.GetInteger("worst")));
    auto       byFalsePositives = outcomes;
    std::sort(byFalsePositives.begin(), byFalsePositives.end(), [](const Outcome & a, const Outcome & b) {
      return a.FalsePositives > b.FalsePositives;
    });
    auto byMissed = outcomes;
    std::sort(
      byMissed.begin(), byMissed.end(), [](const Outcome & a, const Outcome & b) { return a.Missed > b.Missed; });
    for (std::size_t k = 0; k < std::min(worst, outcomes.size()); ++k)
    {
      if (byFalsePositives[k].FalsePositives > 0)
      {
        const auto i = byFalsePositives[k].Index;
        WriteOverlayImage(images[i],
                          masks[i],
                          evaluation->PredictedMask(i, threshold, minimumArea),
                          outputDirectory + "/worst_false_positive_" + std::to_string(k + 1) + ".png");
      }
      if (byMissed[k].Missed > 0)
      {
        const auto i = byMissed[k].Index;
        WriteOverlayImage(images[i],
                          masks[i],
                          evaluation->PredictedMask(i, threshold, minimumArea),
                          outputDirectory + "/worst_false_negative_" + std::to_string(k + 1) + ".png");
      }
    }
  }

  std::cout << std::left << std::setw(18) << "" << std::right << std::setw(12) << "pixel AUROC" << std::setw(12)
            << "AUPRO@" + JsonNumber(evaluation->GetPROLimit()) << std::setw(12) << "image AUROC";
  if (categories.size() > 1)
  {
    std::cout << std::setw(14) << "class mean px";
  }
  std::cout << "\n"
            << std::left << std::setw(18) << (haveModel ? "model" : "residual maps") << std::right << std::fixed
            << std::setprecision(4) << std::setw(12) << evaluation->GetPixelAUROC() << std::setw(12)
            << evaluation->GetAUPRO() << std::setw(12) << evaluation->GetImageAUROC();
  if (categories.size() > 1)
  {
    std::cout << std::setw(14) << modelAreas.CategoryMeanPixelAUROC;
  }
  std::cout << "\n" << referenceTable.str();
  if (!referenceSigmas.empty())
  {
    const double margin = evaluation->GetPixelAUROC() - bestReference;
    std::cout << (margin > 0.0 ? "beats its blur reference" : "does NOT beat its blur reference") << " (best sigma "
              << JsonNumber(bestSigma) << "): pixel AUROC " << std::showpos << std::setprecision(4) << margin
              << std::noshowpos << "\n";
  }
  if (haveThreshold)
  {
    std::cout << "at threshold " << threshold << ": PRO " << metrics.PerRegionOverlap << ", precision "
              << metrics.PixelPrecision << ", recall " << metrics.PixelRecall << ", good images "
              << metrics.GoodImageAccuracy << ", defective images " << metrics.DefectiveImageAccuracy << "\n";
  }
  else
  {
    std::cout << "no threshold (neither --threshold nor a calibrated model): thresholded metrics skipped\n";
  }
  std::cout << "written to " << outputDirectory << std::endl;
  return 0;
}

} // namespace ssimae
