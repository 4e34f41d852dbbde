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
// Segments the defects of one image with a trained model: the C++ example of the README, built by a test against
// the installed module (find_package(SSIMAutoencoder)).
//   SegmentDefects IMAGE MODEL DEFECTS_OUT RESIDUAL_OUT
#include "itkAutoencoderModel.h"
#include "itkAutoencoderReconstructionFilter.h"
#include "itkResidualSegmentationFilter.h"
#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"

#include <iostream>

int
main(int argc, char * argv[])
{
  if (argc != 5)
  {
    std::cerr << "Usage: " << argv[0] << " IMAGE MODEL DEFECTS_OUT RESIDUAL_OUT" << std::endl;
    return EXIT_FAILURE;
  }
  using ImageType = itk::Image<float, 2>;
  using LabelType = itk::Image<unsigned char, 2>;
  try
  {
    auto model = itk::AutoencoderModel::New();
    model->Load(argv[2]); // trained with `ssimae train`, calibrated with `ssimae calibrate`

    const auto image = itk::ReadImage<ImageType>(argv[1]);

    auto reconstruct = itk::AutoencoderReconstructionFilter<ImageType>::New();
    reconstruct->SetInput(image);
    reconstruct->SetModel(model); // patch-wise, stride 30, overlaps averaged
    reconstruct->Update();        // at the model's image scale: on a coarser grid for scale < 1

    auto segment = itk::ResidualSegmentationFilter<ImageType, LabelType>::New();
    segment->SetInput1(image);
    segment->SetInput2(reconstruct->GetOutput()); // residual on the reconstruction's grid, labels on the image's
    segment->SetDynamicRange(reconstruct->GetIntensityMaximum() - reconstruct->GetIntensityMinimum());
    segment->SetThreshold(model->GetThreshold()); // residual 1 - SSIM > threshold => defect
    segment->Update();

    itk::WriteImage(segment->GetOutput(), argv[3]);
    itk::WriteImage(segment->GetResidualOutput(), argv[4]);
  }
  catch (const itk::ExceptionObject & error)
  {
    std::cerr << "SegmentDefects: " << error.GetDescription() << std::endl;
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}
