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
#include "ssimaeImageIO.h"

#include "itkAtomicFile.h"
#include "ssimaeCommandLine.h"
#include "ssimaePixelData.h"

#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkImageIOFactory.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkRGBPixel.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ssimae {

namespace {
std::string
Extension(const std::string & path)
{
  const auto slash = path.find_last_of('/');
  const auto dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
  {
    return "";
  }
  std::string extension = path.substr(dot);
  std::transform(
    extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  return extension;
}
} // namespace

ImageFileInfo
ReadImageFileInfo(const std::string & path)
{
  RequireReadableFile(path, "image");
  auto io = itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::ImageIOFactory::FileModeEnum::ReadMode);
  if (!io)
  {
    throw CommandError("image '" + path + "' is not in a format ITK can read (or the file is corrupt)");
  }
  try
  {
    io->SetFileName(path);
    io->ReadImageInformation();
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError("image '" + path + "' cannot be read: " + error.GetDescription());
  }
  RequireCompletePixelData(path, *io);
  ImageFileInfo info;
  info.Dimension = io->GetNumberOfDimensions();
  // Trailing dimensions of size one (e.g. a 2D slice stored as 3D) do not count.
  while (info.Dimension > 2 && io->GetDimensions(info.Dimension - 1) == 1)
  {
    --info.Dimension;
  }
  info.Components = io->GetNumberOfComponents();
  using IOComponent = itk::IOComponentEnum;
  switch (io->GetComponentType())
  {
    case IOComponent::UCHAR:
      info.IsInteger = true;
      info.TypeRange = 255.0;
      break;
    case IOComponent::CHAR:
      info.IsInteger = true;
      info.TypeRange = 255.0;
      break;
    case IOComponent::USHORT:
    case IOComponent::SHORT:
      info.IsInteger = true;
      info.TypeRange = 65535.0;
      break;
    case IOComponent::UINT:
    case IOComponent::INT:
      info.IsInteger = true;
      info.TypeRange = 4294967295.0;
      break;
    default:
      info.IsInteger = false;
      info.TypeRange = 1.0;
  }
  return info;
}

ImageFileInfo
RequireReadableAs(const std::string & path, unsigned int dimension)
{
  const auto info = ReadImageFileInfo(path);
  RequireReadableAs(path, dimension, info);
  return info;
}

void
RequireReadableAs(const std::string & path, unsigned int dimension, const ImageFileInfo & info)
{
  // No silent first slice, and no channel mixing other than RGB's luminance (as ITK converts it).
  if (info.Dimension > dimension)
  {
    throw CommandError("image '" + path + "' is " + std::to_string(info.Dimension) + "D; this command reads " +
                       std::to_string(dimension) + "D images");
  }
  if (info.Components != 1 && info.Components != 3)
  {
    throw CommandError("image '" + path + "' has " + std::to_string(info.Components) +
                       " channels; grey or RGB images are read (convert RGBA and other multi-channel images to grey)");
  }
}

std::string
PixelTypeName(const ImageFileInfo & info)
{
  if (!info.IsInteger)
  {
    return "float";
  }
  return info.TypeRange <= 255.0 ? "8-bit" : (info.TypeRange <= 65535.0 ? "16-bit" : "32-bit");
}

template<unsigned int VDimension>
typename itk::Image<float, VDimension>::Pointer
ReadFloatImage(const std::string & path, ImageFileInfo * info)
{
  const auto header = ReadImageFileInfo(path);
  if (info)
  {
    *info = header;
  }
  return ReadFloatImage<VDimension>(path, header);
}

template<unsigned int VDimension>
typename itk::Image<float, VDimension>::Pointer
ReadFloatImage(const std::string & path, const ImageFileInfo & header)
{
  RequireReadableAs(path, VDimension, header);
  using ImageType = itk::Image<float, VDimension>;
  auto reader = itk::ImageFileReader<ImageType>::New();
  reader->SetFileName(path);
  try
  {
    reader->Update();
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError("image '" + path + "' cannot be read: " + error.GetDescription());
  }
  typename ImageType::Pointer image = reader->GetOutput();
  image->DisconnectPipeline();
  const auto count = image->GetLargestPossibleRegion().GetNumberOfPixels();
  if (count == 0)
  {
    throw CommandError("image '" + path + "' has no pixels");
  }
  const float * pixels = image->GetBufferPointer();
  const auto    notFinite = std::count_if(pixels, pixels + count, [](float value) { return !std::isfinite(value); });
  if (notFinite > 0)
  {
    throw CommandError("image '" + path + "' has " + std::to_string(notFinite) + " NaN or infinite pixel(s)");
  }
  return image;
}

void
WriteOverlayImage(const FloatImage2 *                  image,
                  const itk::Image<unsigned char, 2> * truth,
                  const std::vector<std::uint8_t> &    predicted,
                  const std::string &                  path)
{
  using RGBImage = itk::Image<itk::RGBPixel<unsigned char>, 2>;
  const auto size = image->GetLargestPossibleRegion().GetSize();
  auto       overlay = RGBImage::New();
  overlay->SetRegions(image->GetLargestPossibleRegion());
  overlay->Allocate();
  float low = std::numeric_limits<float>::max();
  float high = std::numeric_limits<float>::lowest();
  for (itk::ImageRegionConstIterator<FloatImage2> it(image, image->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
  {
    low = std::min(low, it.Get());
    high = std::max(high, it.Get());
  }
  const float scale = high > low ? 255.0f / (high - low) : 0.0f;
  const auto  truthAt = [&](long x, long y) {
    if (x < 0 || y < 0 || x >= static_cast<long>(size[0]) || y >= static_cast<long>(size[1]))
    {
      return false;
    }
    return truth->GetPixel({ { x, y } }) != 0;
  };
  for (long y = 0; y < static_cast<long>(size[1]); ++y)
  {
    for (long x = 0; x < static_cast<long>(size[0]); ++x)
    {
      const auto                   grey = static_cast<unsigned char>((image->GetPixel({ { x, y } }) - low) * scale);
      itk::RGBPixel<unsigned char> pixel;
      pixel.Set(grey, grey, grey);
      if (predicted[static_cast<std::size_t>(y) * size[0] + static_cast<std::size_t>(x)])
      {
        pixel.Set(static_cast<unsigned char>(std::min(255, grey / 2 + 128)), grey / 2, grey / 2);
      }
      const bool inside = truthAt(x, y);
      if (inside && (!truthAt(x - 1, y) || !truthAt(x + 1, y) || !truthAt(x, y - 1) || !truthAt(x, y + 1)))
      {
        pixel.Set(0, 255, 0);
      }
      overlay->SetPixel({ { x, y } }, pixel);
    }
  }
  try
  {
    itk::AtomicFile::Write(path, [&](const std::string & target) {
      itk::WriteImage(overlay.GetPointer(), target);
      VerifyWrittenImage(target);
    });
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError(error.GetDescription());
  }
}
void
VerifyWrittenImage(const std::string & path)
{
  const std::string problem = "the written file does not read back (disk full?): ";
  auto io = itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::ImageIOFactory::FileModeEnum::ReadMode);
  if (!io)
  {
    throw std::runtime_error(problem + "no reader recognises it");
  }
  try
  {
    io->SetFileName(path);
    io->ReadImageInformation();
    RequireCompletePixelData(path, *io);
    itk::ImageIORegion region(io->GetNumberOfDimensions());
    for (unsigned int d = 0; d < io->GetNumberOfDimensions(); ++d)
    {
      region.SetSize(d, io->GetDimensions(d));
    }
    io->SetIORegion(region);
    std::vector<char> buffer(io->GetImageSizeInBytes());
    io->Read(buffer.data());
  }
  catch (const itk::ExceptionObject & error)
  {
    throw std::runtime_error(problem + error.GetDescription());
  }
  catch (const CommandError & error)
  {
    throw std::runtime_error(problem + error.what());
  }
}

bool
IsIntegerOnlyFormat(const std::string & path)
{
  const std::string extension = Extension(path);
  return extension == ".png" || extension == ".jpg" || extension == ".jpeg" || extension == ".bmp";
}

namespace {
// 0..255 bytes of [low, high] for formats that hold integers only (PNG, JPEG, BMP); NaN becomes 0.
template<unsigned int VDimension>
typename itk::Image<unsigned char, VDimension>::Pointer
ToBytes(const itk::Image<float, VDimension> * image, double low, double high)
{
  using ByteImage = itk::Image<unsigned char, VDimension>;
  auto bytes = ByteImage::New();
  bytes->CopyInformation(image);
  bytes->SetRegions(image->GetLargestPossibleRegion());
  bytes->Allocate();
  itk::ImageRegionConstIterator<itk::Image<float, VDimension>> in(image, image->GetLargestPossibleRegion());
  itk::ImageRegionIterator<ByteImage>                          out(bytes, bytes->GetLargestPossibleRegion());
  const double                                                 scale = 255.0 / (high - low);
  for (; !in.IsAtEnd(); ++in, ++out)
  {
    const double value = std::round((static_cast<double>(in.Get()) - low) * scale);
    out.Set(static_cast<unsigned char>(std::isnan(value) ? 0.0 : std::min(255.0, std::max(0.0, value))));
  }
  return bytes;
}
} // namespace

template<unsigned int VDimension>
void
WriteFloatImage(const itk::Image<float, VDimension> * image, const std::string & path, double low, double high)
{
  // itk::AtomicFile writes through a temporary file renamed into place (MetaImage .mhd + .raw in place).
  try
  {
    itk::AtomicFile::Write(path, [&](const std::string & target) {
      if (IsIntegerOnlyFormat(path))
      {
        itk::WriteImage(ToBytes<VDimension>(image, low, high).GetPointer(), target, true);
      }
      else
      {
        itk::WriteImage(image, target, true);
      }
      VerifyWrittenImage(target);
    });
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError(error.GetDescription());
  }
}

template itk::Image<float, 2>::Pointer
ReadFloatImage<2>(const std::string &, ImageFileInfo *);
template itk::Image<float, 3>::Pointer
ReadFloatImage<3>(const std::string &, ImageFileInfo *);
template itk::Image<float, 2>::Pointer
ReadFloatImage<2>(const std::string &, const ImageFileInfo &);
template itk::Image<float, 3>::Pointer
ReadFloatImage<3>(const std::string &, const ImageFileInfo &);
template void
WriteFloatImage<2>(const itk::Image<float, 2> *, const std::string &, double, double);
template void
WriteFloatImage<3>(const itk::Image<float, 3> *, const std::string &, double, double);

} // namespace ssimae
