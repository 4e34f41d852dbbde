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
// SegmentDefects: defect labels and residual map of a volume from a trained model, as a 3D Slicer command-line module.
#include "ssimaeCommandLine.h"
#include "ssimaePipeline.h"
#include "ssimaeSegmentation.h"
#include "ssimaeSlicerModule.h"

#include "itkConnectedComponentImageFilter.h"

#include <algorithm>
#include <limits>

namespace {
using ssimae::ModuleParameter;
using LabelImage = itk::Image<unsigned char, 3>;

void
Describe(ssimae::SlicerModule & module)
{
  module.AddGroup("Images", "The volume, the model and the results.");
  module.Add({ "image", "inputVolume", "Input volume", "Volume (or image) to segment", "input", 0, "",
               "type=\"scalar\" fileExtensions=\".nrrd\"" });
  module.Add({ "file", "model", "Model", "Model trained and calibrated with ssimae (.pt)", "input", 1, "",
               "fileExtensions=\".pt\"" });
  module.Add({ "image", "outputLabels", "Defect labels", "Label map: 0 good, 1 defect", "output", 2, "",
               "type=\"label\" fileExtensions=\".nrrd\"" });
  module.Add({ "image", "outputResidual", "Residual map", "Residual at every voxel (float)", "output", 3, "",
               "type=\"scalar\" fileExtensions=\".nrrd\"" });

  module.AddGroup("Segmentation", "The volume is cut into slices along an axis; each slice is segmented as a 2D image.");
  module.Add({ "integer", "axis", "Slice axis", "Axis along which the volume is cut into slices (IJK: 0, 1 or 2)", "",
               -1, "2", "", true, 0, 2, 1 });
  module.Add({ "boolean", "overrideThreshold", "Override threshold", "Use the threshold below, not the model's "
               "calibrated one", "", -1, "false" });
  module.Add({ "double", "threshold", "Threshold", "Residual above which a voxel is a defect (with Override threshold)",
               "", -1, "0.5", "", true, -1e6, 1e6, 0.01 });
  module.Add({ "string", "residual", "Residual", "ssim, l2, model, or auto (the model's calibrated or own residual)",
               "", -1, "auto" });
  module.Add({ "integer", "minArea", "Minimum defect area", "Drop defect regions of a slice smaller than this many "
               "pixels; -1: the model's calibration", "", -1, "-1", "", true, -1, 1e9, 1 });
  module.Add({ "integer", "stride", "Stride", "Step between reconstructed patches, in pixels", "", -1, "30", "", true,
               1, 4096, 1 });

  module.AddGroup("Results", "Scalar results.");
  module.Add({ "double", "thresholdUsed", "Threshold used", "The threshold the labels were made with", "output" });
  module.Add({ "string", "residualUsed", "Residual used", "The residual the labels were made with", "output" });
  module.Add({ "integer", "defectVoxels", "Defect voxels", "Voxels labelled defect", "output" });
  module.Add({ "double", "defectVolume", "Defect volume", "Volume of the defect voxels (spacing units cubed)", "output" });
  module.Add({ "integer", "defectRegions", "Defect regions", "Connected defect regions in 3D (26-connected)",
               "output" });
}

// Connected regions of the labels in 3D.
long
CountRegions(const LabelImage * labels)
{
  auto components = itk::ConnectedComponentImageFilter<LabelImage, itk::Image<unsigned int, 3>>::New();
  components->SetInput(labels);
  components->FullyConnectedOn();
  components->Update();
  return static_cast<long>(components->GetObjectCount());
}

void
Run(ssimae::SlicerModule & module)
{
  const std::string modelPath = module.GetString("model");
  const auto        axis = module.GetInteger("axis");
  const bool        own = module.GetString("overrideThreshold") == "true";
  const std::string residual = module.GetString("residual");
  ssimae::RequireSeparateOutputs({ module.GetString("outputLabels"), module.GetString("outputResidual") },
                                 { module.GetString("inputVolume"), modelPath });
  const auto model = ssimae::LoadModel(modelPath);
  const auto settings =
    ssimae::ChooseSegmentSettings(*model,
                                  modelPath,
                                  own ? module.GetDouble("threshold") : std::numeric_limits<double>::quiet_NaN(),
                                  residual == "auto" ? "" : residual,
                                  module.GetInteger("minArea"),
                                  static_cast<unsigned int>(module.GetInteger("stride")));
  ssimae::ImageFileInfo info;
  const auto            volume = ssimae::ReadFloatImage<3>(module.GetString("inputVolume"), &info);
  ssimae::RequireModelPixelType(module.GetString("inputVolume"), info, model, modelPath);

  module.StartFilter("SegmentDefects", "segmenting slice by slice along axis " + std::to_string(axis));
  const auto result = ssimae::SegmentVolume(
    volume, model, settings, static_cast<unsigned int>(axis), module.GetString("inputVolume"),
    [&module](std::size_t done, std::size_t total) { module.ReportProgress(static_cast<double>(done) / total); });
  module.EndFilter();
  ssimae::WriteLabelImage<3>(result.Labels, module.GetString("outputLabels"));
  ssimae::WriteFloatImage<3>(result.Residual, module.GetString("outputResidual"));

  const auto     count = result.Labels->GetBufferedRegion().GetNumberOfPixels();
  const auto *   labels = result.Labels->GetBufferPointer();
  const long     defects = static_cast<long>(std::count(labels, labels + count, 1));
  const auto     spacing = volume->GetSpacing();
  module.SetResult("thresholdUsed", settings.Threshold);
  module.SetResult("residualUsed", settings.ResidualKind);
  module.SetResult("defectVoxels", std::to_string(defects));
  module.SetResult("defectVolume", static_cast<double>(defects) * spacing[0] * spacing[1] * spacing[2]);
  module.SetResult("defectRegions", std::to_string(CountRegions(result.Labels)));
}
} // namespace

int
main(int argc, char * argv[])
{
  ssimae::SlicerModule module(
    "Segment Defects",
    "Segmentation.SSIM Autoencoder",
    "Defect segmentation with an SSIM autoencoder (Bergmann et al. 2019) trained on defect-free images: each slice "
    "is reconstructed by the model, the residual between slice and reconstruction (1 - SSIM, squared difference, or "
    "the model's own) is thresholded, and defect regions smaller than the minimum area are dropped.");
  Describe(module);
  return module.Main(argc, argv, Run);
}
