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
// AutoencoderReconstructionFilter, ResidualSegmentationFilter, ResidualThresholdCalibrator and the checkerboard
// generator. Reconstructions are compared with a direct patch loop over the same (randomly initialised) model;
// tolerance 1e-5 (float32 networks; batch composition may change the last bits).

#include "itkAutoencoderReconstructionFilter.h"
#include "itkCheckerboardDefectGenerator.h"
#include "itkResidualSegmentationFilter.h"
#include "itkResidualThresholdCalibrator.h"
#include "itkStreamingImageFilter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>
#include <utility>

namespace {
using FloatImage = itk::Image<float, 2>;
using ReconstructionFilter = itk::AutoencoderReconstructionFilter<FloatImage>;

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

itk::AutoencoderModel::Pointer
SmallModel()
{
  auto model = itk::AutoencoderModel::New();
  model->SetPatchSize(32);
  model->SetLatentSize(8);
  model->Initialize(3);
  return model;
}

// The definition, written out: patch positions 0, stride, ..., last aligned; mirror short axes; average.
FloatImage::Pointer
DirectReconstruction(const FloatImage *            image,
                     const itk::AutoencoderModel * model,
                     unsigned int                  stride,
                     bool                          modelResidual = false)
{
  const auto          size = image->GetLargestPossibleRegion().GetSize();
  const long          patch = model->GetPatchSize();
  const double        low = model->GetIntensityMinimum();
  const double        range = model->GetIntensityMaximum() - low;
  const auto          xs = ReconstructionFilter::PatchPositions(size[0], patch, stride);
  const auto          ys = ReconstructionFilter::PatchPositions(size[1], patch, stride);
  std::vector<double> sum(size[0] * size[1], 0.0);
  std::vector<int>    count(size[0] * size[1], 0);
  std::vector<float>  in(patch * patch), out(patch * patch);
  const auto          mirror = [](long i, long n) {
    const long p = 2 * n;
    i = ((i % p) + p) % p;
    return i < n ? i : p - 1 - i;
  };
  for (const auto py : ys)
  {
    for (const auto px : xs)
    {
      for (long v = 0; v < patch; ++v)
      {
        for (long u = 0; u < patch; ++u)
        {
          const long x = mirror(px + u, static_cast<long>(size[0]));
          const long y = mirror(py + v, static_cast<long>(size[1]));
          in[v * patch + u] = static_cast<float>((image->GetPixel({ { x, y } }) - low) / range);
        }
      }
      modelResidual ? model->ComputeResidual(in.data(), 1, out.data()) : model->Reconstruct(in.data(), 1, out.data());
      for (long v = 0; v < patch; ++v)
      {
        for (long u = 0; u < patch; ++u)
        {
          const long x = px + u;
          const long y = py + v;
          if (x < static_cast<long>(size[0]) && y < static_cast<long>(size[1]))
          {
            sum[y * size[0] + x] += modelResidual ? out[v * patch + u] : out[v * patch + u] * range + low;
            ++count[y * size[0] + x];
          }
        }
      }
    }
  }
  auto result = FloatImage::New();
  result->SetRegions(size);
  result->Allocate();
  for (std::size_t i = 0; i < sum.size(); ++i)
  {
    EXPECT_GT(count[i], 0) << "pixel " << i << " not covered";
    result->GetBufferPointer()[i] = static_cast<float>(sum[i] / count[i]);
  }
  return result;
}

template<typename TImage>
double
MaxDifference(const TImage * a, const TImage * b)
{
  double largest = 0.0;
  for (std::size_t i = 0; i < a->GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
  {
    largest = std::max(largest, std::abs(static_cast<double>(a->GetBufferPointer()[i]) - b->GetBufferPointer()[i]));
  }
  return largest;
}
} // namespace

TEST(AutoencoderReconstructionFilter, PatchPositionsCoverTheImage)
{
  EXPECT_EQ(ReconstructionFilter::PatchPositions(100, 32, 30), (std::vector<itk::IndexValueType>{ 0, 30, 60, 68 }));
  EXPECT_EQ(ReconstructionFilter::PatchPositions(92, 32, 30), (std::vector<itk::IndexValueType>{ 0, 30, 60 }));
  EXPECT_EQ(ReconstructionFilter::PatchPositions(32, 32, 30), (std::vector<itk::IndexValueType>{ 0 }));
  EXPECT_EQ(ReconstructionFilter::PatchPositions(20, 32, 30), (std::vector<itk::IndexValueType>{ 0 }));
  EXPECT_EQ(ReconstructionFilter::PatchPositions(40, 32, 32), (std::vector<itk::IndexValueType>{ 0, 8 }));
}

TEST(AutoencoderReconstructionFilter, AveragesOverlappingPatchesLikeTheDefinition)
{
  const auto model = SmallModel();
  for (const auto & size : { std::pair<unsigned, unsigned>{ 75, 49 }, { 20, 50 }, { 31, 12 } })
  {
    const auto image = RandomImage(size.first, size.second, size.first);
    auto       filter = ReconstructionFilter::New();
    filter->SetInput(image);
    filter->SetModel(model);
    filter->SetStride(10);
    filter->SetBatchSize(3);
    filter->Update();
    const auto expected = DirectReconstruction(image, model, 10);
    EXPECT_LT(MaxDifference(filter->GetOutput(), expected.GetPointer()), 1e-3) // grey units: 1e-5 of the range
      << size.first << " x " << size.second;
    // The output is not a copy of the input (the check above can fail).
    EXPECT_GT(MaxDifference(filter->GetOutput(), image.GetPointer()), 1.0);
  }
}

// A variational model's own residual (reconstruction probability) is stitched like reconstructions, in the model's
// units, and ResidualSegmentationFilter's Model residual thresholds it as it is; other models are refused.
TEST(AutoencoderReconstructionFilter, ModelResidualOfAVariationalModel)
{
  auto model = itk::AutoencoderModel::New();
  model->SetArchitecture(itk::AutoencoderModelEnums::Architecture::Variational);
  model->SetLoss(itk::AutoencoderModelEnums::Loss::ELBO);
  model->SetPatchSize(32);
  model->SetLatentSize(8);
  model->SetNumberOfSamples(3);
  model->Initialize(5);
  // Several overlapping patches in batches of 3 against one direct call per patch, and streamed in pieces: a patch's
  // latent noise depends on the patch alone.
  const auto image = RandomImage(57, 45, 9);
  auto       filter = ReconstructionFilter::New();
  filter->SetInput(image);
  filter->SetModel(model);
  filter->SetStride(10);
  filter->SetBatchSize(3);
  filter->ModelResidualOn();
  filter->Update();
  const auto expected = DirectReconstruction(image, model, 10, true);
  EXPECT_LT(MaxDifference(filter->GetOutput(), expected.GetPointer()), 1e-4); // residuals of up to ~100 nats
  EXPECT_GT(MaxDifference(filter->GetOutput(), image.GetPointer()), 1.0);
  auto pieces = ReconstructionFilter::New();
  pieces->SetInput(image);
  pieces->SetModel(model);
  pieces->SetStride(10);
  pieces->ModelResidualOn();
  auto streamer = itk::StreamingImageFilter<FloatImage, FloatImage>::New();
  streamer->SetInput(pieces->GetOutput());
  streamer->SetNumberOfStreamDivisions(4);
  streamer->Update();
  EXPECT_LT(MaxDifference(filter->GetOutput(), streamer->GetOutput()), 1e-4);

  using SegmentationType = itk::ResidualSegmentationFilter<FloatImage>;
  auto segmentation = SegmentationType::New();
  segmentation->SetInput1(image);
  segmentation->SetInput2(filter->GetOutput());
  segmentation->SetResidual(SegmentationType::ResidualEnum::Model);
  const float *     residual = filter->GetOutput()->GetBufferPointer();
  const std::size_t pixels = 57 * 45;
  const double      threshold =
    0.5 * (*std::min_element(residual, residual + pixels) + *std::max_element(residual, residual + pixels));
  segmentation->SetThreshold(threshold);
  segmentation->Update();
  EXPECT_EQ(MaxDifference(segmentation->GetResidualOutput(), filter->GetOutput()), 0.0);
  std::size_t defects = 0;
  for (std::size_t i = 0; i < pixels; ++i)
  {
    const bool above = residual[i] > threshold;
    EXPECT_EQ(segmentation->GetOutput()->GetBufferPointer()[i], above ? 1 : 0) << i;
    defects += above;
  }
  EXPECT_GT(defects, 0u);

  auto plain = ReconstructionFilter::New();
  plain->SetInput(image);
  plain->SetModel(SmallModel());
  plain->ModelResidualOn();
  try
  {
    plain->Update();
    ADD_FAILURE() << "a plain autoencoder gave a residual of its own";
  }
  catch (const itk::ExceptionObject & error)
  {
    EXPECT_NE(std::string(error.GetDescription()).find("has no residual of its own"), std::string::npos)
      << error.GetDescription();
  }
}

TEST(AutoencoderReconstructionFilter, StreamingEqualsSinglePass)
{
  const auto model = SmallModel();
  const auto image = RandomImage(90, 71, 5);
  auto       whole = ReconstructionFilter::New();
  whole->SetInput(image);
  whole->SetModel(model);
  whole->SetStride(12);
  whole->Update();
  auto filter = ReconstructionFilter::New();
  filter->SetInput(image);
  filter->SetModel(model);
  filter->SetStride(12);
  auto streamer = itk::StreamingImageFilter<FloatImage, FloatImage>::New();
  streamer->SetInput(filter->GetOutput());
  streamer->SetNumberOfStreamDivisions(7);
  streamer->Update();
  EXPECT_LT(MaxDifference(whole->GetOutput(), streamer->GetOutput()), 1e-3);
}

TEST(AutoencoderReconstructionFilter, VolumesSliceBySlice)
{
  using Volume = itk::Image<unsigned char, 3>;
  const auto model = SmallModel();
  auto       volume = Volume::New();
  volume->SetRegions(Volume::SizeType{ { 40, 3, 35 } });
  volume->Allocate();
  std::mt19937 random(9);
  for (std::size_t i = 0; i < volume->GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
  {
    volume->GetBufferPointer()[i] = static_cast<unsigned char>(random() % 256);
  }
  auto filter = itk::AutoencoderReconstructionFilter<Volume>::New();
  filter->SetInput(volume);
  filter->SetModel(model);
  filter->SetSliceAxis(1);
  filter->SetStride(16);
  filter->Update();
  for (long slice = 0; slice < 3; ++slice)
  {
    auto plane = FloatImage::New();
    plane->SetRegions(FloatImage::SizeType{ { 40, 35 } });
    plane->Allocate();
    for (long z = 0; z < 35; ++z)
    {
      for (long x = 0; x < 40; ++x)
      {
        plane->SetPixel({ { x, z } }, volume->GetPixel({ { x, slice, z } }));
      }
    }
    const auto expected = DirectReconstruction(plane, model, 16);
    double     largest = 0.0;
    for (long z = 0; z < 35; ++z)
    {
      for (long x = 0; x < 40; ++x)
      {
        largest = std::max(largest,
                           std::abs(static_cast<double>(filter->GetOutput()->GetPixel({ { x, slice, z } })) -
                                    expected->GetPixel({ { x, z } })));
      }
    }
    EXPECT_LT(largest, 1e-3) << "slice " << slice;
  }
}

TEST(AutoencoderReconstructionFilter, InvalidSettingsThrowAndAbortStops)
{
  const auto image = RandomImage(40, 40, 1);
  auto       filter = ReconstructionFilter::New();
  filter->SetInput(image);
  EXPECT_THROW(filter->Update(), itk::ExceptionObject); // no model
  auto uninitialised = itk::AutoencoderModel::New();
  filter->SetModel(uninitialised);
  EXPECT_THROW(filter->Update(), itk::ExceptionObject);
  filter->SetModel(SmallModel());
  filter->SetStride(0);
  EXPECT_THROW(filter->Update(), itk::ExceptionObject);
  filter->SetStride(33);
  try
  {
    filter->Update();
    ADD_FAILURE() << "stride above the patch size accepted";
  }
  catch (const itk::ExceptionObject & error)
  {
    EXPECT_NE(std::string(error.GetDescription()).find("Stride"), std::string::npos);
  }
  filter->SetStride(4);
  filter->SetBatchSize(1);
  filter->AddObserver(itk::ProgressEvent(), [&](const itk::EventObject &) { filter->AbortGenerateDataOn(); });
  EXPECT_THROW(filter->Update(), itk::ProcessAborted);
}

// A model trained on [0, 255] reconstructs bright or dark defects up to one range width outside it, but refuses an
// image of another scale (16-bit values) or with a NaN pixel instead of reconstructing meaningless inputs.
TEST(AutoencoderReconstructionFilter, RefusesIntensitiesFarOutsideTheModelsRange)
{
  auto model = SmallModel();
  model->SetIntensityMinimum(0.0);
  model->SetIntensityMaximum(255.0);
  const auto reconstruct = [&](const FloatImage * image, double tolerance) {
    auto filter = ReconstructionFilter::New();
    filter->SetInput(image);
    filter->SetModel(model);
    filter->SetStride(16);
    filter->SetIntensityTolerance(tolerance);
    filter->Update();
  };
  auto image = RandomImage(40, 40, 5);
  EXPECT_NO_THROW(reconstruct(image, 1.0));
  image->SetPixel({ { 3, 4 } }, 500.0f); // a bright defect, within one range width
  EXPECT_NO_THROW(reconstruct(image, 1.0));
  auto sixteenBit = RandomImage(40, 40, 5);
  for (std::size_t i = 0; i < 1600; ++i)
  {
    sixteenBit->GetBufferPointer()[i] *= 257.0f;
  }
  try
  {
    reconstruct(sixteenBit, 1.0);
    ADD_FAILURE() << "16-bit intensities accepted by a model of [0, 255]";
  }
  catch (const itk::ExceptionObject & error)
  {
    EXPECT_NE(std::string(error.GetDescription()).find("outside the range the model was trained on [0, 255]"),
              std::string::npos)
      << error.GetDescription();
  }
  EXPECT_NO_THROW(reconstruct(sixteenBit, std::numeric_limits<double>::infinity()));
  EXPECT_THROW(reconstruct(image, -1.0), itk::ExceptionObject);
  image->SetPixel({ { 5, 6 } }, std::numeric_limits<float>::quiet_NaN());
  EXPECT_THROW(reconstruct(image, std::numeric_limits<double>::infinity()), itk::ExceptionObject);
  // Per-image normalisation maps each image onto [0, 1]: any scale is accepted.
  model->SetIntensityNormalization(itk::AutoencoderModel::NormalizationEnum::PerImage);
  EXPECT_NO_THROW(reconstruct(sixteenBit, 1.0));
}

TEST(ResidualSegmentationFilter, ThresholdAndMinimumArea)
{
  auto image = FloatImage::New();
  image->SetRegions(FloatImage::SizeType{ { 20, 16 } });
  image->Allocate();
  image->FillBuffer(0.5f);
  auto reconstruction = FloatImage::New();
  reconstruction->SetRegions(image->GetLargestPossibleRegion());
  reconstruction->Allocate();
  reconstruction->FillBuffer(0.5f);
  for (long y = 4; y < 7; ++y)
  {
    for (long x = 3; x < 6; ++x)
    {
      reconstruction->SetPixel({ { x, y } }, 0.0f); // residual 0.25 on a 3 x 3 block
    }
  }
  reconstruction->SetPixel({ { 15, 12 } }, 1.0f); // residual 0.25 on one pixel
  reconstruction->SetPixel({ { 10, 2 } }, 0.4f);  // residual 0.01

  using SegmentationFilter = itk::ResidualSegmentationFilter<FloatImage>;
  auto filter = SegmentationFilter::New();
  filter->SetInput1(image);
  filter->SetInput2(reconstruction);
  filter->SetResidual(itk::ResidualSegmentationFilterEnums::Residual::L2);
  filter->SetThreshold(0.1);
  filter->Update();
  EXPECT_NEAR(filter->GetResidualOutput()->GetPixel({ { 4, 5 } }), 0.25f, 1e-7f);
  EXPECT_NEAR(filter->GetResidualOutput()->GetPixel({ { 10, 2 } }), 0.01f, 1e-7f);
  EXPECT_EQ(filter->GetOutput()->GetPixel({ { 4, 5 } }), 1);
  EXPECT_EQ(filter->GetOutput()->GetPixel({ { 15, 12 } }), 1);
  EXPECT_EQ(filter->GetOutput()->GetPixel({ { 10, 2 } }), 0);
  filter->SetMinimumDefectArea(2);
  filter->Update();
  EXPECT_EQ(filter->GetOutput()->GetPixel({ { 4, 5 } }), 1);
  EXPECT_EQ(filter->GetOutput()->GetPixel({ { 15, 12 } }), 0);

  // 1 - SSIM: zero for identical images, positive where they differ.
  filter->SetResidual(itk::ResidualSegmentationFilterEnums::Residual::SSIM);
  filter->SetMinimumDefectArea(0);
  filter->SetThreshold(0.5);
  filter->Update();
  EXPECT_NEAR(filter->GetResidualOutput()->GetPixel({ { 18, 1 } }), 0.0f, 1e-6f);
  EXPECT_GT(filter->GetResidualOutput()->GetPixel({ { 4, 5 } }), 0.5f);

  auto other = FloatImage::New();
  other->SetRegions(FloatImage::SizeType{ { 20, 15 } });
  other->Allocate();
  filter->SetInput2(other);
  EXPECT_THROW(filter->Update(), itk::ExceptionObject);
  filter->SetInput2(reconstruction);
  filter->SetThreshold(std::nan(""));
  EXPECT_THROW(filter->Update(), itk::ExceptionObject);
}

TEST(ResidualThresholdCalibrator, Rules)
{
  // Map A (4 x 3): a 2-pixel region of 0.9 and 0.8, a lone 0.7; map B (3 x 2): values up to 0.6.
  const std::vector<float> a = { 0.9f, 0.8f, 0.1f, 0.2f, 0.1f, 0.1f, 0.1f, 0.7f, 0.1f, 0.1f, 0.1f, 0.1f };
  const std::vector<float> b = { 0.6f, 0.5f, 0.1f, 0.1f, 0.1f, 0.1f };
  auto                     calibrator = itk::ResidualThresholdCalibrator::New();
  EXPECT_THROW(calibrator->Compute(), itk::ExceptionObject);
  calibrator->AddResidualMap(a.data(), { { 4, 3, 1 } });
  calibrator->AddResidualMap(b.data(), { { 3, 2, 1 } });

  calibrator->SetRule(itk::ResidualThresholdCalibratorEnums::Rule::Maximum);
  EXPECT_FLOAT_EQ(calibrator->Compute(), 0.9f);

  // Sorted, the 18 values are twelve 0.1, then 0.2, 0.5, 0.6, 0.7, 0.8, 0.9 (0-based positions 12 to 17).
  // numpy.percentile(values, 50): position 8.5, both neighbours 0.1.
  calibrator->SetRule(itk::ResidualThresholdCalibratorEnums::Rule::Percentile);
  calibrator->SetPercentile(50.0);
  EXPECT_FLOAT_EQ(calibrator->Compute(), 0.1f);
  // 90th: position 0.9 * 17 = 15.3, between 0.7 and 0.8: 0.73.
  calibrator->SetPercentile(90.0);
  EXPECT_NEAR(calibrator->Compute(), 0.73, 1e-6);

  // Minimum area 2: A's neighbours 0.9 and 0.8 form a 2-pixel region up to a threshold of 0.7; above 0.8 only one
  // pixel remains -> 0.8.
  calibrator->SetRule(itk::ResidualThresholdCalibratorEnums::Rule::MinimumArea);
  calibrator->SetMinimumDefectArea(2);
  EXPECT_FLOAT_EQ(calibrator->Compute(), 0.8f);
  EXPECT_EQ(calibrator->LargestRegion(0.75), 2u);
  calibrator->SetMinimumDefectArea(3);
  // Above the smallest value 0.1, A's regions are {0.9, 0.8} and {0.2, 0.7} and B's is {0.6, 0.5}: all below 3
  // pixels, so the lowest candidate threshold is already clean.
  EXPECT_FLOAT_EQ(calibrator->Compute(), 0.1f);
  EXPECT_NE(calibrator->Describe().find("min-area 3"), std::string::npos);

  const std::vector<float> nan = { 0.1f, std::nanf("") };
  EXPECT_THROW(calibrator->AddResidualMap(nan.data(), { { 2, 1, 1 } }), itk::ExceptionObject);

  // The same maps as images give the same thresholds; a 3D map counts its 26-connected regions.
  auto fromImages = itk::ResidualThresholdCalibrator::New();
  auto mapA = FloatImage::New();
  mapA->SetRegions(FloatImage::SizeType{ { 4, 3 } });
  mapA->Allocate();
  std::copy(a.begin(), a.end(), mapA->GetBufferPointer());
  auto mapB = FloatImage::New();
  mapB->SetRegions(FloatImage::SizeType{ { 3, 2 } });
  mapB->Allocate();
  std::copy(b.begin(), b.end(), mapB->GetBufferPointer());
  fromImages->AddResidualMap(mapA);
  fromImages->AddResidualMap(mapB);
  fromImages->SetRule(itk::ResidualThresholdCalibratorEnums::Rule::MinimumArea);
  fromImages->SetMinimumDefectArea(2);
  EXPECT_FLOAT_EQ(fromImages->Compute(), 0.8f);
  auto volume = itk::Image<float, 3>::New();
  volume->SetRegions(itk::Image<float, 3>::SizeType{ { 3, 3, 3 } });
  volume->Allocate();
  volume->FillBuffer(0.1f);
  volume->GetBufferPointer()[0] = 0.9f;  // (0, 0, 0)
  volume->GetBufferPointer()[13] = 0.9f; // (1, 1, 1): a diagonal neighbour in 3D
  fromImages->Clear();
  fromImages->AddResidualMap(volume);
  EXPECT_EQ(fromImages->LargestRegion(0.5), 2u);
  EXPECT_THROW(fromImages->AddResidualMap(static_cast<const FloatImage *>(nullptr)), itk::ExceptionObject);
}

TEST(CheckerboardDefectGenerator, DeterministicWithDefectsAndMasks)
{
  auto generator = itk::CheckerboardDefectGenerator::New();
  generator->SetWidth(64);
  generator->SetHeight(48);
  generator->SetSeed(4);
  const auto first = generator->MakeTexture(0);
  const auto again = generator->MakeTexture(0);
  const auto second = generator->MakeTexture(1);
  EXPECT_EQ(MaxDifference(first.GetPointer(), again.GetPointer()), 0.0);
  EXPECT_GT(MaxDifference(first.GetPointer(), second.GetPointer()), 10.0);
  EXPECT_EQ(first->GetLargestPossibleRegion().GetSize()[0], 64u);
  EXPECT_EQ(first->GetLargestPossibleRegion().GetSize()[1], 48u);

  itk::CheckerboardDefectGenerator::ImageType::Pointer image;
  itk::CheckerboardDefectGenerator::MaskType::Pointer  mask;
  generator->MakeDefectImage(2, image, mask);
  std::size_t defects = 0;
  double      grey = 0.0;
  for (std::size_t i = 0; i < mask->GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
  {
    if (mask->GetBufferPointer()[i])
    {
      ++defects;
      grey += image->GetBufferPointer()[i];
    }
  }
  EXPECT_GT(defects, 20u);
  EXPECT_NEAR(grey / defects, generator->GetDefectGrey(), 3.0);
  EXPECT_EQ(MaxDifference(generator->MakeDefectImage(2).GetPointer(), image.GetPointer()), 0.0);
  const auto maskOnly = generator->MakeDefectMask(2);
  EXPECT_TRUE(std::equal(mask->GetBufferPointer(), mask->GetBufferPointer() + 64 * 48, maskOnly->GetBufferPointer()));
}

TEST(ResidualSegmentationFilter, VolumesKeepDiagonallyConnectedRegions)
{
  // 6 x 5 x 4 (all sides different): two pixels touching through a cube diagonal form one region of 2 (kept with a
  // minimum area of 2), a lone pixel is dropped.
  using Volume = itk::Image<float, 3>;
  auto image = Volume::New();
  image->SetRegions(Volume::SizeType{ { 6, 5, 4 } });
  image->Allocate();
  image->FillBuffer(0.0f);
  auto reconstruction = Volume::New();
  reconstruction->SetRegions(image->GetLargestPossibleRegion());
  reconstruction->Allocate();
  reconstruction->FillBuffer(0.0f);
  image->SetPixel({ { 1, 1, 1 } }, 1.0f);
  image->SetPixel({ { 2, 2, 2 } }, 1.0f);
  image->SetPixel({ { 5, 0, 3 } }, 1.0f);
  auto filter = itk::ResidualSegmentationFilter<Volume>::New();
  filter->SetInput1(image);
  filter->SetInput2(reconstruction);
  filter->SetResidual(itk::ResidualSegmentationFilterEnums::Residual::L2);
  filter->SetThreshold(0.5);
  filter->SetMinimumDefectArea(2);
  filter->Update();
  EXPECT_EQ(filter->GetOutput()->GetPixel({ { 1, 1, 1 } }), 1);
  EXPECT_EQ(filter->GetOutput()->GetPixel({ { 2, 2, 2 } }), 1);
  EXPECT_EQ(filter->GetOutput()->GetPixel({ { 5, 0, 3 } }), 0);
  filter->SetMinimumDefectArea(3);
  filter->Update();
  EXPECT_EQ(filter->GetOutput()->GetPixel({ { 1, 1, 1 } }), 0);
}

TEST(ResidualSegmentationFilterEnums, NamesRoundTrip)
{
  using Enums = itk::ResidualSegmentationFilterEnums;
  for (const auto value : { Enums::Residual::SSIM, Enums::Residual::L2, Enums::Residual::Model })
  {
    Enums::Residual parsed = value == Enums::Residual::SSIM ? Enums::Residual::L2 : Enums::Residual::SSIM;
    EXPECT_TRUE(Enums::FromString(Enums::ToString(value), parsed));
    EXPECT_EQ(parsed, value);
    std::ostringstream printed;
    printed << value;
    EXPECT_EQ(printed.str(), Enums::ToString(value));
  }
  // The names stored in model metadata ("calibration.residual") and used on the command line.
  EXPECT_STREQ(Enums::ToString(Enums::Residual::SSIM), "ssim");
  EXPECT_STREQ(Enums::ToString(Enums::Residual::L2), "l2");
  EXPECT_STREQ(Enums::ToString(Enums::Residual::Model), "model");
  EXPECT_STREQ(Enums::ToString(static_cast<Enums::Residual>(7)), "unknown");
  Enums::Residual unchanged = Enums::Residual::L2;
  EXPECT_FALSE(Enums::FromString("SSIM", unchanged));
  EXPECT_FALSE(Enums::FromString("", unchanged));
  EXPECT_EQ(unchanged, Enums::Residual::L2);
}

TEST(ResidualThresholdCalibratorEnums, NamesRoundTrip)
{
  using Enums = itk::ResidualThresholdCalibratorEnums;
  const std::pair<Enums::Rule, const char *> names[] = { { Enums::Rule::Percentile, "percentile" },
                                                         { Enums::Rule::Maximum, "max" },
                                                         { Enums::Rule::MinimumArea, "min-area" } };
  for (const auto & entry : names)
  {
    EXPECT_STREQ(Enums::ToString(entry.first), entry.second);
    Enums::Rule parsed = entry.first == Enums::Rule::Maximum ? Enums::Rule::Percentile : Enums::Rule::Maximum;
    EXPECT_TRUE(Enums::FromString(entry.second, parsed));
    EXPECT_EQ(parsed, entry.first);
    std::ostringstream printed;
    printed << entry.first;
    EXPECT_EQ(printed.str(), entry.second);
  }
  EXPECT_STREQ(Enums::ToString(static_cast<Enums::Rule>(9)), "unknown");
  Enums::Rule unchanged = Enums::Rule::MinimumArea;
  EXPECT_FALSE(Enums::FromString("minimum-area", unchanged));
  EXPECT_FALSE(Enums::FromString("unknown", unchanged));
  EXPECT_EQ(unchanged, Enums::Rule::MinimumArea);
}

namespace {
// Print() output of an object, checked for every member name its PrintSelf writes.
void
ExpectPrinted(const itk::LightObject * object, std::initializer_list<const char *> names)
{
  std::ostringstream printed;
  object->Print(printed);
  for (const char * name : names)
  {
    EXPECT_NE(printed.str().find(name), std::string::npos) << object->GetNameOfClass() << ": " << name << " not in\n"
                                                           << printed.str();
  }
}
} // namespace

TEST(BasicObjectMethods, NamesAndPrintedMembers)
{
  auto segmentation = itk::ResidualSegmentationFilter<FloatImage>::New();
  EXPECT_STREQ(segmentation->GetNameOfClass(), "ResidualSegmentationFilter");
  ExpectPrinted(segmentation,
                { "Residual: ssim",
                  "Threshold: 0.5",
                  "MinimumDefectArea: 0",
                  "DynamicRange: 1",
                  "Window: ",
                  "WindowSize: 11",
                  "GaussianSigma: 1.5",
                  "K1: 0.01",
                  "K2: 0.03" });

  auto reconstruction = ReconstructionFilter::New();
  EXPECT_STREQ(reconstruction->GetNameOfClass(), "AutoencoderReconstructionFilter");
  ExpectPrinted(
    reconstruction,
    { "Model: ", "Stride: 30", "BatchSize: 64", "SliceAxis: 2", "IntensityMinimum: 0", "IntensityMaximum: 1" });

  auto calibrator = itk::ResidualThresholdCalibrator::New();
  calibrator->SetRule(itk::ResidualThresholdCalibratorEnums::Rule::MinimumArea);
  EXPECT_STREQ(calibrator->GetNameOfClass(), "ResidualThresholdCalibrator");
  ExpectPrinted(calibrator, { "Rule: min-area", "Percentile: 99.5", "MinimumDefectArea: 50", "Maps: 0" });

  auto generator = itk::CheckerboardDefectGenerator::New();
  EXPECT_STREQ(generator->GetNameOfClass(), "CheckerboardDefectGenerator");
  ExpectPrinted(generator,
                { "Width: 128",
                  "Height: 128",
                  "Seed: 0",
                  "MinimumCellSize: 6",
                  "MaximumCellSize: 10",
                  "MaximumAngle: 90",
                  "Dark: 60",
                  "Bright: 190",
                  "DefectGrey: 125",
                  "NoiseSigma: 4",
                  "NumberOfDefects: 3" });
}
