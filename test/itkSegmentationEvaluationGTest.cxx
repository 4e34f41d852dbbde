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
// Tolerances: ROC AUC against scikit-learn to 1e-9 (the bound; the computation is exact integer counting);
// hand-computed PRO values to 1e-12.

#include "itkSegmentationEvaluation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

namespace {
using Evaluation = itk::SegmentationEvaluation;

// Image A (4 x 3, x fastest): two defect regions, of 4 and 2 pixels. Image B (2 x 2): defect-free.
const std::vector<std::uint8_t> MaskA = { 1, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1 };
const std::vector<float>        ScoresA = { 0.9f, 0.8f, 0.1f, 0.2f, 0.7f, 0.3f, 0.1f, 0.6f, 0.1f, 0.1f, 0.1f, 0.4f };
const std::vector<std::uint8_t> MaskB = { 0, 0, 0, 0 };
const std::vector<float>        ScoresB = { 0.5f, 0.1f, 0.1f, 0.1f };

Evaluation::Pointer
HandMadeEvaluation()
{
  auto evaluation = Evaluation::New();
  evaluation->AddImage(ScoresA.data(), MaskA.data(), { { 4, 3, 1 } }, "A");
  evaluation->AddImage(ScoresB.data(), MaskB.data(), { { 2, 2, 1 } }, "B");
  evaluation->Compute();
  return evaluation;
}
} // namespace

TEST(SegmentationEvaluation, ROCAUCMatchesScikitLearn)
{
  std::ifstream file(std::string(SSIMAE_TEST_DATA) + "/roc_reference.csv");
  ASSERT_TRUE(file.good()) << "missing test/Input/roc_reference.csv";
  std::string line;
  int         cases = 0;
  while (std::getline(file, line))
  {
    std::istringstream        fields(line);
    std::string               name;
    double                    expected = 0.0;
    std::vector<double>       scores;
    std::vector<std::uint8_t> labels;
    fields >> name >> expected;
    std::string pair;
    while (fields >> pair)
    {
      const auto colon = pair.find(':');
      labels.push_back(static_cast<std::uint8_t>(std::stoi(pair.substr(0, colon))));
      scores.push_back(std::stod(pair.substr(colon + 1)));
    }
    EXPECT_NEAR(Evaluation::ROCAUC(scores, labels), expected, 1e-9) << name;

    // The same scores as one-row residual maps: the pixel AUROC of the evaluation is the same number.
    // Only cases whose scores are exact in float (the residual maps are float).
    std::vector<float> residual(scores.begin(), scores.end());
    if (name == "few_levels" || name == "all_tied" || name == "separated")
    {
      auto evaluation = Evaluation::New();
      evaluation->AddImage(residual.data(), labels.data(), { { residual.size(), 1, 1 } }, name);
      evaluation->Compute();
      EXPECT_NEAR(evaluation->GetPixelAUROC(), expected, 1e-9) << name;
    }
    ++cases;
  }
  EXPECT_EQ(cases, 5);
}

TEST(SegmentationEvaluation, ROCAUCHandCases)
{
  EXPECT_DOUBLE_EQ(Evaluation::ROCAUC({ 0.1, 0.9 }, { 0, 1 }), 1.0);
  EXPECT_DOUBLE_EQ(Evaluation::ROCAUC({ 0.9, 0.1 }, { 0, 1 }), 0.0);
  EXPECT_DOUBLE_EQ(Evaluation::ROCAUC({ 0.5, 0.5 }, { 0, 1 }), 0.5);
  // One positive at 0.6 against negatives 0.2, 0.6, 0.8: beats one, ties one -> 1.5 / 3.
  EXPECT_DOUBLE_EQ(Evaluation::ROCAUC({ 0.2, 0.6, 0.8, 0.6 }, { 0, 0, 0, 1 }), 0.5);
  EXPECT_THROW(Evaluation::ROCAUC({ 0.1, 0.2 }, { 1, 1 }), itk::ExceptionObject);
  EXPECT_THROW(Evaluation::ROCAUC({ 0.1, 0.2 }, { 1 }), itk::ExceptionObject);
  EXPECT_THROW(Evaluation::ROCAUC({ std::nan(""), 0.2 }, { 0, 1 }), itk::ExceptionObject);
}

TEST(SegmentationEvaluation, PerRegionOverlapByHand)
{
  const auto evaluation = HandMadeEvaluation();
  // Positives 0.9 0.8 0.7 0.6 0.4 0.3 against negatives 0.5 0.2 and eight times 0.1: (4 * 10 + 2 * 9) / 60.
  EXPECT_NEAR(evaluation->GetPixelAUROC(), 58.0 / 60.0, 1e-12);
  // PRO(FPR): 0.625 up to FPR 0.1, then 1 -> area (0.0625 + 0.1 + 0.1) / 0.3.
  EXPECT_NEAR(evaluation->GetAUPRO(), 0.2625 / 0.3, 1e-12);
  EXPECT_NEAR(evaluation->GetImageAUROC(), 1.0, 1e-12);

  const auto & pro = evaluation->GetPROCurve();
  ASSERT_GE(pro.size(), 2u);
  EXPECT_DOUBLE_EQ(pro.front().FalsePositiveRate, 0.0);
  EXPECT_DOUBLE_EQ(pro.front().Value, 0.0);
  EXPECT_NEAR(pro.back().FalsePositiveRate, 1.0, 1e-12);
  EXPECT_NEAR(pro.back().Value, 1.0, 1e-12);
  bool sawStep = false;
  for (const auto & point : pro)
  {
    if (std::abs(point.Threshold - 0.6) < 1e-6)
    {
      EXPECT_NEAR(point.Value, 0.625, 1e-12);
      EXPECT_NEAR(point.FalsePositiveRate, 0.0, 1e-12);
      sawStep = true;
    }
  }
  EXPECT_TRUE(sawStep);

  const auto & images = evaluation->GetImages();
  ASSERT_EQ(images.size(), 2u);
  EXPECT_EQ(images[0].Regions, 2u);
  EXPECT_EQ(images[0].DefectPixels, 6u);
  EXPECT_TRUE(images[0].Defective);
  EXPECT_FALSE(images[1].Defective);
  EXPECT_FLOAT_EQ(images[1].MaximumScore, 0.5f);
}

TEST(SegmentationEvaluation, AUPROLimitIsSettable)
{
  auto evaluation = Evaluation::New();
  evaluation->SetPROLimit(0.1);
  evaluation->AddImage(ScoresA.data(), MaskA.data(), { { 4, 3, 1 } }, "A");
  evaluation->AddImage(ScoresB.data(), MaskB.data(), { { 2, 2, 1 } }, "B");
  evaluation->Compute();
  EXPECT_NEAR(evaluation->GetAUPRO(), 0.625, 1e-12);
}

TEST(SegmentationEvaluation, ThresholdMetricsByHand)
{
  const auto evaluation = HandMadeEvaluation();
  const auto metrics = evaluation->EvaluateThreshold(0.35);
  EXPECT_NEAR(metrics.PixelPrecision, 5.0 / 6.0, 1e-12);
  EXPECT_NEAR(metrics.PixelRecall, 5.0 / 6.0, 1e-12);
  EXPECT_NEAR(metrics.PixelFalsePositiveRate, 0.1, 1e-12);
  EXPECT_NEAR(metrics.PerRegionOverlap, (0.75 + 1.0) / 2.0, 1e-12);
  EXPECT_EQ(metrics.GoodImages, 1u);
  EXPECT_EQ(metrics.DefectiveImages, 1u);
  EXPECT_DOUBLE_EQ(metrics.GoodImageAccuracy, 0.0);
  EXPECT_DOUBLE_EQ(metrics.DefectiveImageAccuracy, 1.0);

  // A minimum area of 2 pixels drops the lone false positive in B and keeps A's regions of 3 and 2 pixels.
  const auto filtered = evaluation->EvaluateThreshold(0.35, 2);
  EXPECT_DOUBLE_EQ(filtered.PixelPrecision, 1.0);
  EXPECT_NEAR(filtered.PixelRecall, 5.0 / 6.0, 1e-12);
  EXPECT_DOUBLE_EQ(filtered.GoodImageAccuracy, 1.0);
  // A minimum area of 3 also drops A's 2-pixel detection.
  const auto stricter = evaluation->EvaluateThreshold(0.35, 3);
  EXPECT_NEAR(stricter.PixelRecall, 3.0 / 6.0, 1e-12);
  EXPECT_NEAR(stricter.PerRegionOverlap, 0.75 / 2.0, 1e-12);
}

TEST(SegmentationEvaluation, ComponentsAreEightConnected)
{
  // Two diagonal pixels touch (8-connectivity); a pixel two columns away does not.
  const std::vector<std::uint8_t> mask = { 1, 0, 0, 0, //
                                           0, 1, 0, 1, //
                                           0, 0, 0, 1 };
  std::vector<std::uint32_t>      labels;
  EXPECT_EQ(Evaluation::LabelComponents(mask.data(), { { 4, 3, 1 } }, labels), 2u);
  EXPECT_EQ(labels[0], labels[5]);
  EXPECT_NE(labels[0], labels[7]);
  EXPECT_EQ(labels[7], labels[11]);
  EXPECT_EQ(labels[1], 0u);

  // 3D: corners of a 2 x 2 x 2 cube touch through the diagonal (26-connectivity).
  const std::vector<std::uint8_t> cube = { 1, 0, 0, 0, 0, 0, 0, 1 };
  EXPECT_EQ(Evaluation::LabelComponents(cube.data(), { { 2, 2, 2 } }, labels), 1u);
}

TEST(SegmentationEvaluation, InvalidInputThrows)
{
  auto                            evaluation = Evaluation::New();
  const std::vector<float>        withNaN = { 0.1f, std::nanf(""), 0.3f, 0.4f };
  const std::vector<std::uint8_t> mask = { 0, 1, 0, 0 };
  EXPECT_THROW(evaluation->AddImage(withNaN.data(), mask.data(), { { 2, 2, 1 } }, "nan"), itk::ExceptionObject);
  EXPECT_THROW(evaluation->AddImage(withNaN.data(), mask.data(), { { 0, 2, 1 } }, "empty"), itk::ExceptionObject);

  // Only good images: no defect pixel to score.
  evaluation->AddImage(ScoresB.data(), MaskB.data(), { { 2, 2, 1 } }, "B");
  EXPECT_THROW(evaluation->Compute(), itk::ExceptionObject);
  EXPECT_THROW(evaluation->PredictedMask(5, 0.5), itk::ExceptionObject);

  std::ostringstream printed;
  evaluation->Print(printed);
  EXPECT_NE(printed.str().find("PROLimit: 0.3"), std::string::npos);
  EXPECT_STREQ(evaluation->GetNameOfClass(), "SegmentationEvaluation");
}

TEST(SegmentationEvaluation, ImageInputEqualsBufferInput)
{
  // A 3 x 2 residual image and mask (x fastest) against the same values as buffers; then a 3D image of 2 x 2 x 2.
  const std::vector<float>        scores = { 0.9f, 0.2f, 0.8f, 0.1f, 0.3f, 0.7f };
  const std::vector<std::uint8_t> mask = { 1, 0, 1, 0, 0, 0 };
  auto residualImage = itk::Image<float, 2>::New();
  residualImage->SetRegions(itk::Image<float, 2>::SizeType{ { 3, 2 } });
  residualImage->Allocate();
  std::copy(scores.begin(), scores.end(), residualImage->GetBufferPointer());
  auto maskImage = itk::Image<unsigned char, 2>::New();
  maskImage->SetRegions(residualImage->GetLargestPossibleRegion());
  maskImage->Allocate();
  std::copy(mask.begin(), mask.end(), maskImage->GetBufferPointer());

  auto fromImages = Evaluation::New();
  fromImages->AddImage(residualImage, maskImage, "image");
  auto fromBuffers = Evaluation::New();
  fromBuffers->AddImage(scores.data(), mask.data(), { { 3, 2, 1 } }, "image");
  fromImages->Compute();
  fromBuffers->Compute();
  EXPECT_EQ(fromImages->GetPixelAUROC(), fromBuffers->GetPixelAUROC());
  EXPECT_EQ(fromImages->GetAUPRO(), fromBuffers->GetAUPRO());
  EXPECT_EQ(fromImages->GetImages()[0].Regions, 2u); // the two defect pixels are not 8-connected

  auto volume = itk::Image<float, 3>::New();
  volume->SetRegions(itk::Image<float, 3>::SizeType{ { 2, 2, 2 } });
  volume->Allocate();
  volume->FillBuffer(0.5f);
  auto volumeMask = itk::Image<unsigned char, 3>::New();
  volumeMask->SetRegions(volume->GetLargestPossibleRegion());
  volumeMask->Allocate(true);
  fromImages->AddImage(volume, volumeMask, "volume");
  EXPECT_EQ(fromImages->GetImages()[1].Pixels, 8u);

  auto wrongMask = itk::Image<unsigned char, 2>::New();
  wrongMask->SetRegions(itk::Image<unsigned char, 2>::SizeType{ { 2, 3 } });
  wrongMask->Allocate(true);
  try
  {
    fromImages->AddImage(residualImage, wrongMask, "tile7");
    FAIL() << "a mask of another size was accepted";
  }
  catch (const itk::ExceptionObject & error)
  {
    EXPECT_NE(std::string(error.GetDescription()).find("tile7"), std::string::npos) << error.GetDescription();
  }
  EXPECT_THROW(fromImages->AddImage(residualImage.GetPointer(), nullptr, "null"), itk::ExceptionObject);
}
