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
#include "itkResidualSegmentationFilter.h"

namespace ssimae {

FloatImage2::Pointer
ReconstructImage(const FloatImage2 * image, itk::AutoencoderModel * model, unsigned int stride, unsigned int batch)
{
  auto filter = itk::AutoencoderReconstructionFilter<FloatImage2>::New();
  filter->SetInput(image);
  filter->SetModel(model);
  filter->SetStride(stride);
  filter->SetBatchSize(batch);
  try
  {
    filter->Update();
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError(std::string("reconstruction failed: ") + error.GetDescription());
  }
  FloatImage2::Pointer output = filter->GetOutput();
  output->DisconnectPipeline();
  return output;
}

FloatImage2::Pointer
ResidualMap(const FloatImage2 *           image,
            const FloatImage2 *           reconstruction,
            const itk::AutoencoderModel * model,
            const std::string &           residual)
{
  auto filter = itk::ResidualSegmentationFilter<FloatImage2>::New();
  filter->SetInput1(image);
  filter->SetInput2(reconstruction);
  filter->SetDynamicRange(model->GetIntensityMaximum() - model->GetIntensityMinimum());
  if (residual == "ssim")
  {
    filter->SetResidual(itk::ResidualSegmentationFilterEnums::Residual::SSIM);
  }
  else if (residual == "l2")
  {
    filter->SetResidual(itk::ResidualSegmentationFilterEnums::Residual::L2);
  }
  else
  {
    throw UsageError("--residual must be 'ssim' or 'l2', got '" + residual + "'");
  }
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
