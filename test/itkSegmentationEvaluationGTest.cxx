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

#include "itkDefectRegions.h"
#include "itkExactAUC.h"
#include "itkSegmentationEvaluation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <random>
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
  auto                            residualImage = itk::Image<float, 2>::New();
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

namespace {
using Regions = itk::DefectRegions;

// Reference labelling, written independently of the library: breadth-first search from each unlabelled pixel in
// raster order, over the 3^3 - 1 (full) or 6 (face) neighbours.
std::vector<std::uint32_t>
ReferenceLabels(const std::vector<std::uint8_t> & mask, const Regions::SizeType & size, bool fullyConnected)
{
  std::vector<std::uint32_t> labels(mask.size(), 0);
  std::uint32_t              next = 0;
  const auto                 index = [&](long x, long y, long z) {
    return static_cast<std::size_t>((z * static_cast<long>(size[1]) + y) * static_cast<long>(size[0]) + x);
  };
  for (std::size_t seed = 0; seed < mask.size(); ++seed)
  {
    if (mask[seed] == 0 || labels[seed] != 0)
    {
      continue;
    }
    labels[seed] = ++next;
    std::vector<std::size_t> queue{ seed };
    for (std::size_t head = 0; head < queue.size(); ++head)
    {
      const long x = static_cast<long>(queue[head] % size[0]);
      const long y = static_cast<long>(queue[head] / size[0] % size[1]);
      const long z = static_cast<long>(queue[head] / (size[0] * size[1]));
      for (long dz = -1; dz <= 1; ++dz)
      {
        for (long dy = -1; dy <= 1; ++dy)
        {
          for (long dx = -1; dx <= 1; ++dx)
          {
            const long steps = std::abs(dx) + std::abs(dy) + std::abs(dz);
            const bool inside = x + dx >= 0 && y + dy >= 0 && z + dz >= 0 && x + dx < static_cast<long>(size[0]) &&
                                y + dy < static_cast<long>(size[1]) && z + dz < static_cast<long>(size[2]);
            if (steps == 0 || (!fullyConnected && steps > 1) || !inside)
            {
              continue;
            }
            const std::size_t neighbour = index(x + dx, y + dy, z + dz);
            if (mask[neighbour] != 0 && labels[neighbour] == 0)
            {
              labels[neighbour] = next;
              queue.push_back(neighbour);
            }
          }
        }
      }
    }
  }
  return labels;
}
} // namespace

TEST(DefectRegions, LabelsInRasterOrderWithBothConnectivities)
{
  // 7 x 4 (non-square), x fastest: a diagonal pair (0, 0)-(1, 1); a bar x = 5, y = 0..2 with (6, 3) touching its end
  // diagonally; a lone pixel (3, 3). Non-zero values other than 1 count as defect too.
  const std::vector<std::uint8_t> mask = { 1, 0, 0, 0, 0, 2, 0, //
                                           0, 1, 0, 0, 0, 1, 0, //
                                           0, 0, 0, 0, 0, 1, 0, //
                                           0, 0, 0, 1, 0, 0, 1 };
  const Regions::SizeType         size{ { 7, 4, 1 } };
  std::vector<Regions::LabelType> labels;
  auto                            sizes = Regions::Label(mask.data(), size, labels);
  EXPECT_EQ(sizes, (Regions::RegionSizesType{ 2, 4, 1 }));
  EXPECT_EQ(labels[0], 1u);
  EXPECT_EQ(labels[8], 1u);
  EXPECT_EQ(labels[5], 2u);
  EXPECT_EQ(labels[27], 2u);
  EXPECT_EQ(labels[24], 3u);
  EXPECT_EQ(labels[1], 0u);

  sizes = Regions::Label(mask.data(), size, labels, 0, false);
  EXPECT_EQ(sizes, (Regions::RegionSizesType{ 1, 3, 1, 1, 1 }));
  EXPECT_EQ(labels[0], 1u);
  EXPECT_EQ(labels[5], 2u);
  EXPECT_EQ(labels[8], 3u);
  EXPECT_EQ(labels[24], 4u);
  EXPECT_EQ(labels[27], 5u);

  // Minimum size 2 drops the lone pixel; the kept regions keep their order.
  sizes = Regions::Label(mask.data(), size, labels, 2);
  EXPECT_EQ(sizes, (Regions::RegionSizesType{ 2, 4 }));
  EXPECT_EQ(labels[24], 0u);
  EXPECT_EQ(labels[27], 2u);
  sizes = Regions::Label(mask.data(), size, labels, 3, false);
  EXPECT_EQ(sizes, (Regions::RegionSizesType{ 3 }));
  EXPECT_EQ(labels[5], 1u);
  EXPECT_EQ(labels[0], 0u);
}

TEST(DefectRegions, VolumesAndMinimumSize)
{
  // 3 x 2 x 4: corners (0, 0, 0) and (1, 1, 1) touch only through the cube diagonal; (2, 0, 3) and (2, 1, 3) share a
  // face.
  const Regions::SizeType   size{ { 3, 2, 4 } };
  std::vector<std::uint8_t> mask(24, 0);
  mask[0] = 1;
  mask[1 + 3 * 1 + 6 * 1] = 1;
  mask[2 + 6 * 3] = 1;
  mask[2 + 3 + 6 * 3] = 1;
  std::vector<Regions::LabelType> labels;
  EXPECT_EQ(Regions::Label(mask.data(), size, labels), (Regions::RegionSizesType{ 2, 2 }));
  EXPECT_EQ(Regions::Label(mask.data(), size, labels, 0, false), (Regions::RegionSizesType{ 1, 1, 2 }));
  EXPECT_EQ(Regions::Label(mask.data(), size, labels, 2, false), (Regions::RegionSizesType{ 2 }));
  EXPECT_EQ(labels[2 + 6 * 3], 1u);
  EXPECT_EQ(labels[0], 0u);

  // The image version: same labels, the mask's geometry, its buffered region (with a non-zero start).
  using MaskImage = itk::Image<unsigned char, 3>;
  auto image = MaskImage::New();
  image->SetRegions(MaskImage::RegionType(MaskImage::IndexType{ { 4, -1, 2 } }, MaskImage::SizeType{ { 3, 2, 4 } }));
  image->Allocate();
  std::copy(mask.begin(), mask.end(), image->GetBufferPointer());
  const double spacing[] = { 0.5, 2.0, 3.0 };
  image->SetSpacing(spacing);
  Regions::RegionSizesType imageSizes;
  const auto               labelImage = Regions::Label(image, 0, true, &imageSizes);
  EXPECT_EQ(imageSizes, (Regions::RegionSizesType{ 2, 2 }));
  EXPECT_EQ(labelImage->GetBufferedRegion(), image->GetBufferedRegion());
  EXPECT_EQ(labelImage->GetSpacing(), image->GetSpacing());
  Regions::Label(mask.data(), size, labels);
  EXPECT_TRUE(std::equal(labels.begin(), labels.end(), labelImage->GetBufferPointer()));
}

TEST(DefectRegions, MatchesAReferenceLabellingOnRandomMasks)
{
  std::mt19937 random(11);
  for (int trial = 0; trial < 40; ++trial)
  {
    const Regions::SizeType   size{ { 1 + random() % 23, 1 + random() % 17, trial % 2 ? 1 + random() % 7 : 1 } };
    std::vector<std::uint8_t> mask(size[0] * size[1] * size[2]);
    for (auto & pixel : mask)
    {
      pixel = random() % 5 < 2 ? static_cast<std::uint8_t>(1 + random() % 255) : 0;
    }
    for (const bool fullyConnected : { true, false })
    {
      const auto                      expected = ReferenceLabels(mask, size, fullyConnected);
      std::vector<Regions::LabelType> labels;
      const auto                      sizes = Regions::Label(mask.data(), size, labels, 0, fullyConnected);
      EXPECT_EQ(labels, expected) << "trial " << trial << (fullyConnected ? " full" : " face");
      EXPECT_EQ(sizes.size(), expected.empty() ? 0 : *std::max_element(expected.begin(), expected.end()));
    }
  }
}

TEST(DefectRegions, ThresholdMaskAndRegionSizes)
{
  // 5 x 3: values above 0.5 (strictly; 0.5 itself is not) form a 3-pixel and a 1-pixel region.
  const std::vector<float> values = { 0.9f, 0.6f, 0.1f, 0.1f, 0.5f, //
                                      0.1f, 0.7f, 0.1f, 0.1f, 0.1f, //
                                      0.1f, 0.1f, 0.1f, 0.8f, 0.1f };
  const Regions::SizeType  size{ { 5, 3, 1 } };
  EXPECT_EQ(Regions::ThresholdMask(values.data(), size, 0.5),
            (std::vector<std::uint8_t>{ 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0 }));
  EXPECT_EQ(Regions::ThresholdMask(values.data(), size, 0.5, 2),
            (std::vector<std::uint8_t>{ 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 }));
  EXPECT_EQ(Regions::ThresholdMask(values.data(), size, 0.5, 4), std::vector<std::uint8_t>(15, 0));
  EXPECT_EQ(Regions::RegionSizesAbove(values.data(), size, 0.5), (Regions::RegionSizesType{ 3, 1 }));
  // Above 0.65: 0.9 and 0.7 touch diagonally only.
  EXPECT_EQ(Regions::RegionSizesAbove(values.data(), size, 0.65), (Regions::RegionSizesType{ 2, 1 }));
  EXPECT_EQ(Regions::RegionSizesAbove(values.data(), size, 0.65, false), (Regions::RegionSizesType{ 1, 1, 1 }));
  EXPECT_TRUE(Regions::RegionSizesAbove(values.data(), size, 1.0).empty());

  using FloatImage = itk::Image<float, 2>;
  auto image = FloatImage::New();
  image->SetRegions(FloatImage::SizeType{ { 5, 3 } });
  image->Allocate();
  std::copy(values.begin(), values.end(), image->GetBufferPointer());
  const double origin[] = { 1.0, -2.0 };
  image->SetOrigin(origin);
  const auto mask = Regions::ThresholdMask(image, 0.5, 2);
  EXPECT_EQ(mask->GetOrigin(), image->GetOrigin());
  const auto expected = Regions::ThresholdMask(values.data(), size, 0.5, 2);
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), mask->GetBufferPointer()));

  std::vector<Regions::LabelType> labels{ 7 };
  EXPECT_TRUE(Regions::Label(nullptr, { { 0, 4, 1 } }, labels).empty());
  EXPECT_TRUE(labels.empty());
  EXPECT_THROW(Regions::Label(nullptr, { { 2, 2, 1 } }, labels), itk::ExceptionObject);
  EXPECT_THROW(Regions::ThresholdMask(static_cast<const FloatImage *>(nullptr), 0.5), itk::ExceptionObject);
  EXPECT_THROW(Regions::Label(static_cast<const itk::Image<unsigned char, 2> *>(nullptr)), itk::ExceptionObject);
}

TEST(ExactAUC, PortableArithmeticAgreesWithTheCompilers)
{
  using UInt128 = itk::ExactAUC::UInt128;
  constexpr std::uint64_t maximum = std::numeric_limits<std::uint64_t>::max();
  // (2^64 - 1)^2 = 2^128 - 2^65 + 1: High 2^64 - 2, Low 1.
  const UInt128 square = itk::ExactAUC::MultiplyAddPortable(UInt128{}, maximum, maximum);
  EXPECT_EQ(square.High, maximum - 1);
  EXPECT_EQ(square.Low, 1u);
  // A carry out of the low half: (2^64 - 1) + 1 = 2^64.
  const UInt128 carried = itk::ExactAUC::MultiplyAddPortable(UInt128{ 0, maximum }, 1, 1);
  EXPECT_EQ(carried.High, 1u);
  EXPECT_EQ(carried.Low, 0u);
  // 2^64 + 1 lies between two long doubles of a 64-bit mantissa; both conversions round it the same way.
  EXPECT_EQ(itk::ExactAUC::ToLongDoublePortable(UInt128{ 1, 1 }), itk::ExactAUC::ToLongDouble(UInt128{ 1, 1 }));

  std::mt19937_64 random(5);
  UInt128         portable;
  UInt128         compiler;
  for (int i = 0; i < 10000; ++i)
  {
    // Operands of every magnitude, so that partial products and carries of all sizes occur.
    const std::uint64_t a = random() >> (random() % 64);
    const std::uint64_t b = random() >> (random() % 64);
    portable = itk::ExactAUC::MultiplyAddPortable(portable, a, b);
    compiler = itk::ExactAUC::MultiplyAdd(compiler, a, b);
    ASSERT_EQ(portable.High, compiler.High) << i;
    ASSERT_EQ(portable.Low, compiler.Low) << i;
#if defined(__SIZEOF_INT128__)
    __extension__ using Wide = unsigned __int128;
    const Wide wide = (static_cast<Wide>(compiler.High) << 64) | compiler.Low;
    ASSERT_EQ(static_cast<long double>(wide), itk::ExactAUC::ToLongDouble(compiler));
#endif
    if (std::numeric_limits<long double>::digits >= 64)
    {
      ASSERT_EQ(itk::ExactAUC::ToLongDoublePortable(compiler), itk::ExactAUC::ToLongDouble(compiler)) << i;
    }
  }
}

TEST(ExactAUC, LargeCountsBeyondSixtyFourBits)
{
  // 2^40 positives and 2^40 negatives: 2U reaches 2 P N = 2^81. Positives above all negatives: area 1; all tied: 1/2.
  const std::uint64_t n = std::uint64_t{ 1 } << 40;
  itk::ExactAUC       separated;
  separated.AddTiedGroup(n, 0);
  separated.AddTiedGroup(0, n);
  EXPECT_EQ(separated.GetDoubledStatistic().High, std::uint64_t{ 1 } << 17);
  EXPECT_EQ(separated.GetDoubledStatistic().Low, 0u);
  EXPECT_EQ(separated.GetArea(), 1.0);

  itk::ExactAUC tied;
  tied.AddTiedGroup(n, n);
  EXPECT_EQ(tied.GetArea(), 0.5);

  // Groups (p, n): (3k, k), (k, 2k), (0, 5k) with k = 2^37 + 3: 2U = k (3k) + 2k (2 3k + k) + 5k (2 4k)
  // = 3k^2 + 14k^2 + 40k^2 = 57 k^2 over 2 P N = 2 (4k)(8k) = 64 k^2: area 57/64, exact in binary.
  const std::uint64_t k = (std::uint64_t{ 1 } << 37) + 3;
  itk::ExactAUC       mixed;
  mixed.AddTiedGroup(3 * k, k);
  mixed.AddTiedGroup(k, 2 * k);
  mixed.AddTiedGroup(0, 5 * k);
  EXPECT_EQ(mixed.GetPositives(), 4 * k);
  EXPECT_EQ(mixed.GetNegatives(), 8 * k);
  EXPECT_EQ(mixed.GetArea(), 57.0 / 64.0);
  // The same counts with the portable arithmetic alone.
  itk::ExactAUC::UInt128 portable;
  portable = itk::ExactAUC::MultiplyAddPortable(portable, k, 3 * k);
  portable = itk::ExactAUC::MultiplyAddPortable(portable, 2 * k, 2 * 3 * k + k);
  portable = itk::ExactAUC::MultiplyAddPortable(portable, 5 * k, 2 * 4 * k);
  EXPECT_EQ(portable.High, mixed.GetDoubledStatistic().High);
  EXPECT_EQ(portable.Low, mixed.GetDoubledStatistic().Low);
  const long double area = itk::ExactAUC::ToLongDoublePortable(portable) /
                           (2.0L * static_cast<long double>(4 * k) * static_cast<long double>(8 * k));
  EXPECT_EQ(static_cast<double>(area), 57.0 / 64.0);

  EXPECT_TRUE(std::isnan(itk::ExactAUC().GetArea()));
}

TEST(SegmentationEvaluation, PrintsEveryMember)
{
  const auto evaluation = HandMadeEvaluation();
  evaluation->SetImageScoreSigma(1.5);
  EXPECT_STREQ(evaluation->GetNameOfClass(), "SegmentationEvaluation");
  std::ostringstream printed;
  evaluation->Print(printed);
  for (const char * name : { "Images: 2",
                             "StoredPixels: 16",
                             "Regions: 2",
                             "ImageScoreSigma: 1.5",
                             "PROLimit: 0.3",
                             "PixelAUROC: ",
                             "AUPRO: ",
                             "ImageAUROC: ",
                             "ROCCurve points: ",
                             "PROCurve points: " })
  {
    EXPECT_NE(printed.str().find(name), std::string::npos) << name << " not in\n" << printed.str();
  }
}
