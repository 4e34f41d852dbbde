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
#include "ssimaePipeline.h"
#include "ssimaeCommandLine.h"

#include "itkAutoencoderReconstructionFilter.h"
#include "itkImageGrid.h"
#include "itkResidualSegmentationFilter.h"

#include <algorithm>
#include <sstream>

namespace ssimae {

namespace {
FloatImage2::Pointer
RunReconstructionFilter(const FloatImage2 *     image,
                        itk::AutoencoderModel * model,
                        unsigned int            stride,
                        unsigned int            batch,
                        const std::string &     path,
                        bool                    modelResidual)
{
  auto filter = itk::AutoencoderReconstructionFilter<FloatImage2>::New();
  filter->SetInput(image);
  filter->SetModel(model);
  filter->SetStride(stride);
  filter->SetBatchSize(batch);
  filter->SetModelResidual(modelResidual);
  try
  {
    filter->Update();
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError((path.empty() ? std::string("reconstruction failed: ") : "cannot reconstruct '" + path + "': ") +
                       error.GetDescription());
  }
  FloatImage2::Pointer output = filter->GetOutput();
  output->DisconnectPipeline();
  return output;
}
} // namespace

FloatImage2::Pointer
ReconstructImage(const FloatImage2 *     image,
                 itk::AutoencoderModel * model,
                 unsigned int            stride,
                 unsigned int            batch,
                 const std::string &     path)
{
  return RunReconstructionFilter(image, model, stride, batch, path, false);
}

FloatImage2::Pointer
ModelResidualImage(const FloatImage2 *     image,
                   itk::AutoencoderModel * model,
                   unsigned int            stride,
                   unsigned int            batch,
                   const std::string &     path)
{
  return RunReconstructionFilter(image, model, stride, batch, path, true);
}

std::string
DefaultResidual(const itk::AutoencoderModel & model)
{
  using Loss = itk::AutoencoderModelEnums::Loss;
  if (model.ProvidesResidual())
  {
    return "model";
  }
  return model.GetLoss() == Loss::SSIM || model.GetLoss() == Loss::SSIMPlusL1 ? "ssim" : "l2";
}

void
RequireResidualFits(const std::string & residual, const itk::AutoencoderModel & model, const std::string & modelPath)
{
  ParseEnumOption<itk::ResidualSegmentationFilterEnums, itk::ResidualSegmentationFilterEnums::Residual>(
    "residual", residual, ResidualChoices);
  if (residual == "model" && !model.ProvidesResidual())
  {
    throw CommandError("--residual model needs a model with a residual of its own (a variational model, train "
                       "--model vae); '" +
                       modelPath + "' is a " + itk::AutoencoderModelEnums::ToString(model.GetArchitecture()) +
                       " model trained with the " + itk::AutoencoderModelEnums::ToString(model.GetLoss()) +
                       " loss: use ssim or l2");
  }
}

std::string
ChooseResidual(const std::string & given, const itk::AutoencoderModel & model, const std::string & modelPath)
{
  std::string residual = given.empty() ? model.GetMetadataValue("calibration.residual") : given;
  if (residual.empty())
  {
    residual = DefaultResidual(model);
  }
  RequireResidualFits(residual, model, modelPath);
  return residual;
}

void
StoreCalibration(itk::AutoencoderModel & model,
                 double                  threshold,
                 const std::string &     rule,
                 const std::string &     residual)
{
  model.SetThreshold(threshold);
  model.SetMetadataValue("calibration.rule", rule);
  model.SetMetadataValue("calibration.residual", residual);
}

FloatImage2::Pointer
ScoreImage(const FloatImage2 *     image,
           itk::AutoencoderModel * model,
           const std::string &     residual,
           unsigned int            stride,
           const std::string &     path,
           unsigned int            windowSize)
{
  const auto second = residual == "model" ? ModelResidualImage(image, model, stride, 64, path)
                                          : ReconstructImage(image, model, stride, 64, path);
  return ResidualMap(image, second, model, residual, windowSize);
}

double
DynamicRange(const FloatImage2 * image, const itk::AutoencoderModel * model)
{
  const float * values = image->GetBufferPointer();
  const auto    count = image->GetBufferedRegion().GetNumberOfPixels();
  const auto    extremes = std::minmax_element(values, values + count);
  double        low = *extremes.first;
  double        high = *extremes.second;
  if (model)
  {
    model->NormalizationRange(low, high, low, high);
  }
  return high > low ? high - low : 1.0;
}

FloatImage2::Pointer
ResidualMap(const FloatImage2 *           image,
            const FloatImage2 *           reconstruction,
            const itk::AutoencoderModel * model,
            const std::string &           residual,
            unsigned int                  windowSize)
{
  auto filter = itk::ResidualSegmentationFilter<FloatImage2>::New();
  filter->SetInput1(image);
  filter->SetInput2(reconstruction);
  filter->SetDynamicRange(DynamicRange(image, model));
  filter->SetWindowSize(windowSize);
  filter->SetResidual(
    ParseEnumOption<itk::ResidualSegmentationFilterEnums, itk::ResidualSegmentationFilterEnums::Residual>(
      "residual", residual, ResidualChoices));
  try
  {
    filter->Update();
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError(std::string("residual computation failed: ") + error.GetDescription());
  }
  FloatImage2::Pointer output = filter->GetResidualOutput();
  output->DisconnectPipeline();
  return output;
}

FloatImage2::Pointer
BlurReconstruction(const FloatImage2 * image, const itk::AutoencoderModel * model, double sigma)
{
  const double          scale = model ? model->GetImageScale() : 1.0;
  const auto            size = image->GetLargestPossibleRegion().GetSize();
  FloatImage2::SizeType scaledSize;
  for (unsigned int d = 0; d < 2; ++d)
  {
    scaledSize[d] = itk::ImageGrid::ScaledSize(size[d], scale);
  }
  auto       scaled = scale == 1.0 ? FloatImage2::Pointer(const_cast<FloatImage2 *>(image))
                                   : itk::ImageGrid::ResampleImage<2>(image, scaledSize);
  const auto blurred =
    itk::ImageGrid::GaussianBlur(scaled->GetBufferPointer(), { scaledSize[0], scaledSize[1] }, { sigma, sigma });
  auto output = FloatImage2::New();
  output->CopyInformation(scaled);
  output->SetRegions(scaled->GetLargestPossibleRegion());
  output->Allocate();
  std::copy(blurred.begin(), blurred.end(), output->GetBufferPointer());
  return output;
}

void
RequireModelPixelType(const std::string &           imagePath,
                      const ImageFileInfo &         info,
                      const itk::AutoencoderModel * model,
                      const std::string &           modelPath)
{
  if (model == nullptr || !info.IsInteger ||
      model->GetIntensityNormalization() != itk::AutoencoderModel::NormalizationEnum::Global)
  {
    return;
  }
  const std::string trained = model->GetMetadataValue(TrainingPixelTypeKey);
  const std::string given = PixelTypeName(info);
  if (!trained.empty() && trained != given)
  {
    std::ostringstream message;
    message << "image '" << imagePath << "' holds " << given << " integers, but the model '" << modelPath
            << "' was trained on " << trained << " images: its intensity mapping [" << model->GetIntensityMinimum()
            << ", " << model->GetIntensityMaximum() << "] does not fit (convert the image, or train on " << given
            << " images)";
    throw CommandError(message.str());
  }
}

itk::AutoencoderModel::Pointer
LoadModel(const std::string & path)
{
  auto model = itk::AutoencoderModel::New();
  try
  {
    model->Load(path);
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError(error.GetDescription());
  }
  return model;
}

} // namespace ssimae
