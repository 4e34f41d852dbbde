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
#include "ssimaeCommandLine.h"
#include "ssimaeImageIO.h"

#include "itkSSIMImageFilter.h"

#include <iomanip>
#include <iostream>

namespace ssimae {

namespace {
template<unsigned int VDimension>
int
ComputeSSIM(const ArgumentParser & arguments, double dynamicRange)
{
  const auto & files = arguments.GetPositionals();
  const auto   first = ReadFloatImage<VDimension>(files[0]);
  const auto   second = ReadFloatImage<VDimension>(files[1]);
  if (first->GetLargestPossibleRegion().GetSize() != second->GetLargestPossibleRegion().GetSize())
  {
    std::ostringstream message;
    message << "images differ in size: '" << files[0] << "' is " << first->GetLargestPossibleRegion().GetSize() << ", '"
            << files[1] << "' is " << second->GetLargestPossibleRegion().GetSize();
    throw CommandError(message.str());
  }
  // Comparing two files is about pixels: a different origin or spacing in the headers is not an error here.
  second->CopyInformation(first);

  using FilterType = itk::SSIMImageFilter<itk::Image<float, VDimension>>;
  auto filter = FilterType::New();
  filter->SetInput1(first);
  filter->SetInput2(second);
  filter->SetWindow(ParseEnumOption<itk::SSIMImageFilterEnums, itk::SSIMImageFilterEnums::Window>(
    "window", arguments.GetString("window"), "gaussian or uniform"));
  const long size = arguments.GetInteger("size");
  if (size <= 0 || size % 2 == 0)
  {
    throw UsageError("--size must be an odd positive number of taps, got " + std::to_string(size));
  }
  filter->SetWindowSize(static_cast<unsigned int>(size));
  filter->SetGaussianSigma(arguments.GetPositiveDouble("sigma"));
  filter->SetK1(arguments.GetPositiveDouble("k1"));
  filter->SetK2(arguments.GetPositiveDouble("k2"));
  filter->SetDynamicRange(dynamicRange);
  filter->SetLuminanceExponent(arguments.GetDouble("alpha"));
  filter->SetContrastExponent(arguments.GetDouble("beta"));
  filter->SetStructureExponent(arguments.GetDouble("gamma"));
  try
  {
    filter->Update();
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError(std::string("SSIM of '") + files[0] + "' and '" + files[1] +
                       "' failed: " + error.GetDescription());
  }
  std::cout << "mean SSIM: " << std::setprecision(8) << filter->GetMeanSSIM() << std::endl;
  if (arguments.Has("output"))
  {
    WriteFloatImage<VDimension>(filter->GetOutput(), arguments.GetString("output"));
  }
  if (arguments.Has("luminance"))
  {
    WriteFloatImage<VDimension>(filter->GetLuminanceOutput(), arguments.GetString("luminance"));
  }
  if (arguments.Has("contrast"))
  {
    WriteFloatImage<VDimension>(filter->GetContrastOutput(), arguments.GetString("contrast"));
  }
  if (arguments.Has("structure"))
  {
    WriteFloatImage<VDimension>(filter->GetStructureOutput(), arguments.GetString("structure"));
  }
  return 0;
}
} // namespace

int
RunSSIM(int argc, char * argv[])
{
  ArgumentParser arguments(
    "ssim",
    "IMAGE1 IMAGE2 [-o MAP] [options]",
    "Computes the structural similarity (SSIM) map of two images of the same size, prints the mean SSIM and\n"
    "writes the map and, on request, its luminance, contrast and structure maps. Any ITK-readable 2D or 3D\n"
    "file works; colour images are converted to grey. Maps go to any ITK-writable format: .nrrd, .mha, .tif\n"
    "keep float values; .png/.jpg/.bmp map [-1, 1] linearly to 0..255.");
  arguments.SetPositionals("IMAGE1 IMAGE2", "the two images to compare", 2, 2);
  arguments.AddOption("output", "MAP", "write the SSIM map here (also -o)");
  arguments.AddOption("luminance", "FILE", "write the luminance map l");
  arguments.AddOption("contrast", "FILE", "write the contrast map c");
  arguments.AddOption("structure", "FILE", "write the structure map s");
  arguments.AddOption("window", "gaussian|uniform", "window shape", "gaussian");
  arguments.AddOption("size", "K", "window taps per axis (odd)", "11");
  arguments.AddOption("sigma", "S", "Gaussian window standard deviation in pixels", "1.5");
  arguments.AddOption("k1", "K1", "C1 = (K1 L)^2", "0.01");
  arguments.AddOption("k2", "K2", "C2 = (K2 L)^2", "0.03");
  arguments.AddOption("range", "L", "dynamic range L (default: 255 for 8-bit files, 65535 for 16-bit, 1 for float)");
  arguments.AddOption("alpha", "A", "luminance exponent", "1");
  arguments.AddOption("beta", "B", "contrast exponent", "1");
  arguments.AddOption("gamma", "G", "structure exponent", "1");

  if (!arguments.Parse(argc, argv))
  {
    return 0;
  }
  const auto & files = arguments.GetPositionals();
  RequireSeparateOutputs({ arguments.GetString("output"),
                           arguments.GetString("luminance"),
                           arguments.GetString("contrast"),
                           arguments.GetString("structure") },
                         files);
  const auto info1 = ReadImageFileInfo(files[0]);
  const auto info2 = ReadImageFileInfo(files[1]);
  if (info1.Dimension != info2.Dimension)
  {
    throw CommandError("images differ in dimension: '" + files[0] + "' is " + std::to_string(info1.Dimension) + "D, '" +
                       files[1] + "' is " + std::to_string(info2.Dimension) + "D");
  }
  const double range =
    arguments.Has("range") ? arguments.GetPositiveDouble("range") : std::max(info1.TypeRange, info2.TypeRange);
  if (info1.Dimension == 2)
  {
    return ComputeSSIM<2>(arguments, range);
  }
  if (info1.Dimension == 3)
  {
    return ComputeSSIM<3>(arguments, range);
  }
  throw CommandError("'" + files[0] + "' is " + std::to_string(info1.Dimension) + "D; ssimae handles 2D and 3D images");
}

} // namespace ssimae
