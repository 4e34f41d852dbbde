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
// SSIMMap: the structural-similarity map of two images or volumes, as a 3D Slicer command-line module.
#include "ssimaeCommandLine.h"
#include "ssimaeImageIO.h"
#include "ssimaeSlicerModule.h"

#include "itkSSIMImageFilter.h"

#include <algorithm>
#include <sstream>

namespace {
using ssimae::ModuleParameter;
constexpr const char * Scalar = "type=\"scalar\" fileExtensions=\".nrrd\"";

void
Describe(ssimae::SlicerModule & module)
{
  module.AddGroup("Images", "The two images or volumes to compare and the SSIM map.");
  module.Add({ "image", "inputVolume1", "First volume", "Reference image or volume", "input", 0, "", Scalar });
  module.Add({ "image", "inputVolume2", "Second volume", "Image or volume of the same size", "input", 1, "", Scalar });
  module.Add({ "image", "outputSSIM", "SSIM map", "SSIM at every voxel (float)", "output", 2, "", Scalar });

  module.AddGroup("SSIM window", "Gaussian window of the same size along every axis (3D SSIM for volumes).");
  module.Add({ "integer", "windowSize", "Window size", "Taps of the window along each axis (odd)", "", -1, "11", "",
               true, 3, 51, 2 });
  module.Add({ "double", "gaussianSigma", "Gaussian sigma", "Standard deviation of the window, in voxels", "", -1,
               "1.5", "", true, 0.1, 20, 0.1 });
  module.Add({ "double", "k1", "K1", "Luminance constant: C1 = (K1 L)^2", "", -1, "0.01", "", true, 0, 1, 0.001 });
  module.Add({ "double", "k2", "K2", "Contrast constant: C2 = (K2 L)^2", "", -1, "0.03", "", true, 0, 1, 0.001 });
  module.Add({ "double", "dynamicRange", "Dynamic range L", "Intensity range L; 0: max - min of both volumes", "",
               -1, "0", "", true, 0, 1e9, 1 });

  module.AddGroup("Results", "Scalar results.");
  module.Add({ "double", "meanSSIM", "Mean SSIM", "Mean of the SSIM map", "output" });
}

double
AutomaticRange(const ssimae::FloatImage3 * a, const ssimae::FloatImage3 * b)
{
  const auto    count = a->GetBufferedRegion().GetNumberOfPixels();
  const auto    ea = std::minmax_element(a->GetBufferPointer(), a->GetBufferPointer() + count);
  const auto    eb = std::minmax_element(b->GetBufferPointer(), b->GetBufferPointer() + count);
  const double  range = std::max(*ea.second, *eb.second) - std::min(*ea.first, *eb.first);
  return range > 0.0 ? range : 1.0;
}

void
Run(ssimae::SlicerModule & module)
{
  const auto a = ssimae::ReadFloatImage<3>(module.GetString("inputVolume1"));
  const auto b = ssimae::ReadFloatImage<3>(module.GetString("inputVolume2"));
  const auto sizeA = a->GetLargestPossibleRegion().GetSize();
  const auto sizeB = b->GetLargestPossibleRegion().GetSize();
  if (sizeA != sizeB)
  {
    std::ostringstream message;
    message << "the volumes differ in size: " << sizeA << " and " << sizeB;
    throw ssimae::CommandError(message.str());
  }
  using Filter = itk::SSIMImageFilter<ssimae::FloatImage3>;
  auto filter = Filter::New();
  filter->SetInput1(a);
  filter->SetInput2(b);
  filter->SetWindowSize(static_cast<unsigned int>(module.GetInteger("windowSize")));
  filter->SetGaussianSigma(module.GetDouble("gaussianSigma"));
  filter->SetK1(module.GetDouble("k1"));
  filter->SetK2(module.GetDouble("k2"));
  const double range = module.GetDouble("dynamicRange");
  filter->SetDynamicRange(range > 0.0 ? range : AutomaticRange(a, b));
  filter->ComputeComponentMapsOff();
  // Slicer's volumes of one study may differ in origin or direction by rounding; the map is on the first's grid.
  filter->SetCoordinateTolerance(1e-3);
  filter->SetDirectionTolerance(1e-3);
  module.Watch(filter, "SSIM map");
  filter->Update();
  ssimae::WriteFloatImage<3>(filter->GetOutput(), module.GetString("outputSSIM"));
  module.SetResult("meanSSIM", filter->GetMeanSSIM());
}
} // namespace

int
main(int argc, char * argv[])
{
  ssimae::SlicerModule module(
    "SSIM Map",
    "Filtering.SSIM Autoencoder",
    "Structural similarity (SSIM, Wang et al. 2004) of two images or volumes at every voxel, with a Gaussian "
    "window along every axis (3D SSIM for volumes, 2D for single-slice images), and its mean.");
  Describe(module);
  return module.Main(argc, argv, Run);
}
