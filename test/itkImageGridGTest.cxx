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
// ImageGrid (resampling and Gaussian blur) against scikit-image / SciPy references (test/scripts/
// resample_reference.py; tolerance 1e-5 on values of order 1), and the scaled-model path through
// AutoencoderReconstructionFilter and ResidualSegmentationFilter on odd image sizes.

#include "itkAutoencoderReconstructionFilter.h"
#include "itkImageFileReader.h"
#include "itkImageGrid.h"
#include "itkResidualSegmentationFilter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace {
using FloatImage = itk::Image<float, 2>;
using FloatVolume = itk::Image<float, 3>;

template<typename TImage>
typename TImage::Pointer
ReadInput(const std::string & name)
{
  return itk::ReadImage<TImage>(std::string(SSIMAE_TEST_DATA) + "/" + name);
}

template<typename TImage>
itk::ImageGrid::SizesType
Sizes(const TImage * image)
{
  const auto                size = image->GetLargestPossibleRegion().GetSize();
  itk::ImageGrid::SizesType sizes;
  for (unsigned int d = 0; d < TImage::ImageDimension; ++d)
  {
    sizes.push_back(size[d]);
  }
  return sizes;
}

template<typename TImage>
double
MaximumDifference(const std::vector<float> & values, const TImage * expected)
{
  const auto count = expected->GetLargestPossibleRegion().GetNumberOfPixels();
  EXPECT_EQ(values.size(), count);
  double worst = 0.0;
  for (std::size_t i = 0; i < std::min<std::size_t>(count, values.size()); ++i)
  {
    worst = std::max(worst, std::abs(static_cast<double>(values[i]) - expected->GetBufferPointer()[i]));
  }
  return worst;
}

FloatImage::Pointer
RandomImage(unsigned int width, unsigned int height, unsigned int seed)
{
  auto image = FloatImage::New();
  image->SetRegions(FloatImage::SizeType{ { width, height } });
  image->Allocate();
  std::mt19937                          random(seed);
  std::uniform_real_distribution<float> value(0.0f, 255.0f);
  for (std::size_t i = 0; i < image->GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
  {
    image->GetBufferPointer()[i] = value(random);
  }
  return image;
}
} // namespace

TEST(ImageGrid, ScaledSizeRoundsAndStaysPositive)
{
  EXPECT_EQ(itk::ImageGrid::ScaledSize(53, 0.5), 27u);
  EXPECT_EQ(itk::ImageGrid::ScaledSize(41, 0.5), 21u);
  EXPECT_EQ(itk::ImageGrid::ScaledSize(3, 0.1), 1u);
  EXPECT_EQ(itk::ImageGrid::ScaledSize(10, 2.0), 20u);
  EXPECT_THROW(itk::ImageGrid::ScaledSize(10, 0.0), std::invalid_argument);
  EXPECT_THROW(itk::ImageGrid::ScaledSize(10, std::nan("")), std::invalid_argument);
}

TEST(ImageGrid, ShrinkEqualsScikitImageResizeWithAntiAliasing)
{
  const auto input = ReadInput<FloatImage>("ssim_x_2d.mha");
  const auto expected = ReadInput<FloatImage>("grid_half_2d.mha");
  const auto values = itk::ImageGrid::Resample(input->GetBufferPointer(), Sizes(input.GetPointer()), { 27, 20 });
  EXPECT_LT(MaximumDifference(values, expected.GetPointer()), 1e-5);
}

TEST(ImageGrid, EnlargeEqualsScikitImageLinearResize)
{
  const auto half = ReadInput<FloatImage>("grid_half_2d.mha");
  const auto expected = ReadInput<FloatImage>("grid_back_2d.mha");
  const auto values = itk::ImageGrid::Resample(half->GetBufferPointer(), Sizes(half.GetPointer()), { 53, 41 });
  EXPECT_LT(MaximumDifference(values, expected.GetPointer()), 1e-5);
}

TEST(ImageGrid, BlurEqualsScipyGaussianFilter)
{
  const auto input = ReadInput<FloatImage>("ssim_x_2d.mha");
  const auto expected = ReadInput<FloatImage>("grid_blur2_2d.mha");
  const auto values = itk::ImageGrid::GaussianBlur(input->GetBufferPointer(), Sizes(input.GetPointer()), { 2.0, 2.0 });
  EXPECT_LT(MaximumDifference(values, expected.GetPointer()), 1e-5);
}

TEST(ImageGrid, VolumeShrinksInPlaneOnly)
{
  const auto input = ReadInput<FloatVolume>("ssim_x_3d.mha");
  const auto expected = ReadInput<FloatVolume>("grid_third_3d.mha");
  const auto values = itk::ImageGrid::Resample(input->GetBufferPointer(), Sizes(input.GetPointer()), { 6, 4, 15 });
  EXPECT_LT(MaximumDifference(values, expected.GetPointer()), 1e-5);
}

TEST(ImageGrid, ResampledImageCoversTheSamePhysicalExtent)
{
  auto image = RandomImage(37, 23, 1);
  FloatImage::SpacingType spacing;
  spacing[0] = 0.5;
  spacing[1] = 2.0;
  FloatImage::PointType origin;
  origin[0] = 10.0;
  origin[1] = -4.0;
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  const auto scaled = itk::ImageGrid::ResampleImage<2>(image, FloatImage::SizeType{ { 19, 12 } });
  for (unsigned int d = 0; d < 2; ++d)
  {
    const double start = image->GetOrigin()[d] - 0.5 * image->GetSpacing()[d];
    const double end = start + image->GetSpacing()[d] * image->GetLargestPossibleRegion().GetSize(d);
    const double scaledStart = scaled->GetOrigin()[d] - 0.5 * scaled->GetSpacing()[d];
    const double scaledEnd = scaledStart + scaled->GetSpacing()[d] * scaled->GetLargestPossibleRegion().GetSize(d);
    EXPECT_NEAR(scaledStart, start, 1e-9);
    EXPECT_NEAR(scaledEnd, end, 1e-9);
  }
}

// A model at scale 0.5 on odd sizes: the reconstruction lies on the 19 x 12 grid of the same extent, and the
// residual and labels come back on the image's 37 x 23 grid.
TEST(ScaledModel, ReconstructionOnTheModelGridResidualOnTheImageGrid)
{
  auto model = itk::AutoencoderModel::New();
  model->SetPatchSize(32);
  model->SetLatentSize(8);
  model->SetImageScale(0.5);
  model->Initialize(3);
  auto image = RandomImage(37, 23, 2);
  image->SetSpacing(0.25);

  auto reconstruct = itk::AutoencoderReconstructionFilter<FloatImage>::New();
  reconstruct->SetInput(image);
  reconstruct->SetModel(model);
  reconstruct->SetStride(8);
  reconstruct->Update();
  const auto * reconstruction = reconstruct->GetOutput();
  EXPECT_EQ(reconstruction->GetLargestPossibleRegion().GetSize(), (FloatImage::SizeType{ { 19, 12 } }));
  EXPECT_NEAR(reconstruction->GetSpacing()[0], 0.25 * 37.0 / 19.0, 1e-12);
  EXPECT_NEAR(reconstruction->GetSpacing()[1], 0.25 * 23.0 / 12.0, 1e-12);

  // Equals the reconstruction of the image resampled by hand at scale 1 with the same weights.
  const auto resampled = itk::ImageGrid::ResampleImage<2>(image, FloatImage::SizeType{ { 19, 12 } });
  model->SetImageScale(1.0);
  auto direct = itk::AutoencoderReconstructionFilter<FloatImage>::New();
  direct->SetInput(resampled);
  direct->SetModel(model);
  direct->SetStride(8);
  direct->Update();
  for (std::size_t i = 0; i < 19 * 12; ++i)
  {
    ASSERT_NEAR(reconstruction->GetBufferPointer()[i], direct->GetOutput()->GetBufferPointer()[i], 1e-3);
  }

  // A "reconstruction" equal to the resampled image has zero residual everywhere on the image's grid.
  for (const auto kind : { itk::ResidualSegmentationFilterEnums::Residual::SSIM,
                           itk::ResidualSegmentationFilterEnums::Residual::L2 })
  {
    auto segment = itk::ResidualSegmentationFilter<FloatImage>::New();
    segment->SetInput1(image);
    segment->SetInput2(resampled);
    segment->SetResidual(kind);
    segment->SetDynamicRange(255.0);
    segment->SetThreshold(1e-4);
    segment->Update();
    const auto * residual = segment->GetResidualOutput();
    EXPECT_EQ(residual->GetLargestPossibleRegion().GetSize(), image->GetLargestPossibleRegion().GetSize());
    EXPECT_EQ(segment->GetOutput()->GetLargestPossibleRegion().GetSize(), image->GetLargestPossibleRegion().GetSize());
    for (std::size_t i = 0; i < 37 * 23; ++i)
    {
      ASSERT_NEAR(residual->GetBufferPointer()[i], 0.0f, 1e-5) << "pixel " << i;
      ASSERT_EQ(segment->GetOutput()->GetBufferPointer()[i], 0);
    }
  }

  // The coarse residual of a real reconstruction, interpolated back, equals ImageGrid::Resample of the residual
  // computed on the coarse grid by hand.
  auto segment = itk::ResidualSegmentationFilter<FloatImage>::New();
  segment->SetInput1(image);
  segment->SetInput2(reconstruction);
  segment->SetResidual(itk::ResidualSegmentationFilterEnums::Residual::L2);
  segment->SetDynamicRange(255.0);
  segment->Update();
  std::vector<float> coarse(19 * 12);
  for (std::size_t i = 0; i < coarse.size(); ++i)
  {
    const double difference = (resampled->GetBufferPointer()[i] - reconstruction->GetBufferPointer()[i]) / 255.0;
    coarse[i] = static_cast<float>(difference * difference);
  }
  const auto expected = itk::ImageGrid::Resample(coarse.data(), { 19, 12 }, { 37, 23 });
  for (std::size_t i = 0; i < expected.size(); ++i)
  {
    ASSERT_NEAR(segment->GetResidualOutput()->GetBufferPointer()[i], expected[i], 1e-6);
  }
}

TEST(ScaledModel, MismatchedExtentIsAnError)
{
  auto image = RandomImage(37, 23, 2);
  auto other = RandomImage(19, 12, 3); // spacing 1: a different extent
  auto segment = itk::ResidualSegmentationFilter<FloatImage>::New();
  segment->SetInput1(image);
  segment->SetInput2(other);
  try
  {
    segment->Update();
    FAIL() << "a reconstruction of another extent was accepted";
  }
  catch (const itk::ExceptionObject & error)
  {
    EXPECT_NE(std::string(error.GetDescription()).find("physical extent"), std::string::npos)
      << error.GetDescription();
  }
}

// Per-image normalisation: an image and the same image with another brightness and contrast reconstruct to the
// same normalised values, mapped back to each image's own range.
TEST(PerImageNormalization, ReconstructionFollowsTheImageRange)
{
  auto model = itk::AutoencoderModel::New();
  model->SetPatchSize(32);
  model->SetLatentSize(8);
  model->SetIntensityNormalization(itk::AutoencoderModelEnums::Normalization::PerImage);
  model->Initialize(5);
  auto image = RandomImage(40, 33, 4);
  auto brighter = FloatImage::New();
  brighter->SetRegions(image->GetLargestPossibleRegion());
  brighter->Allocate();
  for (std::size_t i = 0; i < 40 * 33; ++i)
  {
    brighter->GetBufferPointer()[i] = 0.5f * image->GetBufferPointer()[i] + 100.0f;
  }
  std::vector<FloatImage::Pointer> outputs;
  std::vector<double>              ranges;
  for (const auto & input : { image, brighter })
  {
    auto reconstruct = itk::AutoencoderReconstructionFilter<FloatImage>::New();
    reconstruct->SetInput(input);
    reconstruct->SetModel(model);
    reconstruct->Update();
    outputs.push_back(reconstruct->GetOutput());
    ranges.push_back(reconstruct->GetIntensityMaximum() - reconstruct->GetIntensityMinimum());
  }
  EXPECT_NEAR(ranges[1], 0.5 * ranges[0], 1e-3);
  for (std::size_t i = 0; i < 40 * 33; ++i)
  {
    ASSERT_NEAR(outputs[1]->GetBufferPointer()[i], 0.5f * outputs[0]->GetBufferPointer()[i] + 100.0f, 1e-3);
  }
}
