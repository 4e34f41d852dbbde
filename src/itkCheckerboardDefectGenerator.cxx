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
#include "itkCheckerboardDefectGenerator.h"

#include <cmath>
#include <random>

namespace itk {

namespace {
constexpr double Pi = 3.14159265358979323846;
}

CheckerboardDefectGenerator::ImageType::Pointer
CheckerboardDefectGenerator::Texture(unsigned long long stream) const
{
  if (m_Width == 0 || m_Height == 0 || !(m_MinimumCellSize > 0.0) || m_MaximumCellSize < m_MinimumCellSize)
  {
    itkExceptionMacro("invalid generator settings: size " << m_Width << " x " << m_Height << ", cell size "
                                                          << m_MinimumCellSize << " to " << m_MaximumCellSize);
  }
  std::mt19937_64 random(static_cast<unsigned long long>(m_Seed) * 0x9E3779B97F4A7C15ull + stream);
  const double    cell = std::uniform_real_distribution<double>(m_MinimumCellSize, m_MaximumCellSize)(random);
  const double    angle = std::uniform_real_distribution<double>(0.0, m_MaximumAngle)(random) * Pi / 180.0;
  const double    phaseX = std::uniform_real_distribution<double>(0.0, 2.0 * cell)(random);
  const double    phaseY = std::uniform_real_distribution<double>(0.0, 2.0 * cell)(random);
  std::normal_distribution<double> noise(0.0, m_NoiseSigma);
  auto                             image = ImageType::New();
  image->SetRegions(ImageType::SizeType{ { m_Width, m_Height } });
  image->Allocate();
  const double c = std::cos(angle);
  const double s = std::sin(angle);
  float *      buffer = image->GetBufferPointer();
  for (unsigned int y = 0; y < m_Height; ++y)
  {
    for (unsigned int x = 0; x < m_Width; ++x)
    {
      double bright = 0.0;
      for (int sy = 0; sy < 4; ++sy)
      {
        for (int sx = 0; sx < 4; ++sx)
        {
          const double px = x + (sx + 0.5) / 4.0;
          const double py = y + (sy + 0.5) / 4.0;
          const double u = (c * px + s * py + phaseX) / cell;
          const double v = (-s * px + c * py + phaseY) / cell;
          bright += ((static_cast<long>(std::floor(u)) + static_cast<long>(std::floor(v))) % 2 != 0) ? 1.0 : 0.0;
        }
      }
      bright /= 16.0;
      buffer[y * m_Width + x] = static_cast<float>(m_Dark + bright * (m_Bright - m_Dark) + noise(random));
    }
  }
  return image;
}

CheckerboardDefectGenerator::ImageType::Pointer
CheckerboardDefectGenerator::MakeTexture(unsigned int index) const
{
  return this->Texture(2ull * index);
}

CheckerboardDefectGenerator::ImageType::Pointer
CheckerboardDefectGenerator::MakeDefectImage(unsigned int index) const
{
  ImageType::Pointer image;
  MaskType::Pointer  mask;
  this->MakeDefectImage(index, image, mask);
  return image;
}

CheckerboardDefectGenerator::MaskType::Pointer
CheckerboardDefectGenerator::MakeDefectMask(unsigned int index) const
{
  ImageType::Pointer image;
  MaskType::Pointer  mask;
  this->MakeDefectImage(index, image, mask);
  return mask;
}

void
CheckerboardDefectGenerator::MakeDefectImage(unsigned int         index,
                                             ImageType::Pointer & image,
                                             MaskType::Pointer &  mask) const
{
  image = this->Texture(2ull * index + 1);
  mask = MaskType::New();
  mask->SetRegions(image->GetLargestPossibleRegion());
  mask->Allocate(true);
  std::mt19937_64 random(static_cast<unsigned long long>(m_Seed) * 0xD1B54A32D192ED03ull + index + 17);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  float *                                pixels = image->GetBufferPointer();
  unsigned char *                        labels = mask->GetBufferPointer();
  const auto                             paint = [&](double x, double y, double radius) {
    const long x0 = static_cast<long>(std::floor(x - radius));
    const long x1 = static_cast<long>(std::ceil(x + radius));
    const long y0 = static_cast<long>(std::floor(y - radius));
    const long y1 = static_cast<long>(std::ceil(y + radius));
    for (long py = std::max(0L, y0); py <= std::min<long>(m_Height - 1, y1); ++py)
    {
      for (long px = std::max(0L, x0); px <= std::min<long>(m_Width - 1, x1); ++px)
      {
        if ((px + 0.5 - x) * (px + 0.5 - x) + (py + 0.5 - y) * (py + 0.5 - y) <= radius * radius)
        {
          pixels[py * m_Width + px] = static_cast<float>(m_DefectGrey);
          labels[py * m_Width + px] = 1;
        }
      }
    }
  };
  const double margin = 0.1;
  for (unsigned int d = 0; d < m_NumberOfDefects; ++d)
  {
    const double x = (margin + (1 - 2 * margin) * unit(random)) * m_Width;
    const double y = (margin + (1 - 2 * margin) * unit(random)) * m_Height;
    if (d % 2 == 0)
    {
      // A stroke: a thick line segment.
      const double angle = unit(random) * Pi;
      const double length = (0.15 + 0.25 * unit(random)) * std::min(m_Width, m_Height);
      const double width = 1.0 + unit(random);
      for (double t = -0.5 * length; t <= 0.5 * length; t += 0.5)
      {
        paint(x + t * std::cos(angle), y + t * std::sin(angle), width);
      }
    }
    else
    {
      paint(x, y, 2.5 + 3.0 * unit(random));
    }
  }
  // The defects carry the same noise as the texture.
  std::normal_distribution<double> noise(0.0, m_NoiseSigma);
  for (std::size_t i = 0; i < static_cast<std::size_t>(m_Width) * m_Height; ++i)
  {
    if (labels[i])
    {
      pixels[i] += static_cast<float>(noise(random));
    }
  }
}

void
CheckerboardDefectGenerator::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Width: " << m_Width << std::endl;
  os << indent << "Height: " << m_Height << std::endl;
  os << indent << "Seed: " << m_Seed << std::endl;
  os << indent << "MinimumCellSize: " << m_MinimumCellSize << std::endl;
  os << indent << "MaximumCellSize: " << m_MaximumCellSize << std::endl;
  os << indent << "MaximumAngle: " << m_MaximumAngle << std::endl;
  os << indent << "Dark: " << m_Dark << std::endl;
  os << indent << "Bright: " << m_Bright << std::endl;
  os << indent << "DefectGrey: " << m_DefectGrey << std::endl;
  os << indent << "NoiseSigma: " << m_NoiseSigma << std::endl;
  os << indent << "NumberOfDefects: " << m_NumberOfDefects << std::endl;
}

} // namespace itk
