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
#include "itkImageGrid.h"
#include "itkSSIMKernel.h"

#include <cmath>
#include <stdexcept>

namespace itk {
namespace ImageGrid {

namespace {
// Samples between neighbours along `axis` (stride), and the number of blocks of lines along it (outer).
void
AxisLayout(const SizesType & size, std::size_t axis, std::size_t & stride, std::size_t & outer)
{
  stride = 1;
  for (std::size_t d = 0; d < axis; ++d)
  {
    stride *= size[d];
  }
  outer = 1;
  for (std::size_t d = axis + 1; d < size.size(); ++d)
  {
    outer *= size[d];
  }
}

// Calls `line(first, stride)` for every line of samples along `axis`.
template<typename TFunction>
void
ForEachLine(const SizesType & size, std::size_t axis, TFunction line)
{
  std::size_t stride = 0, outer = 0;
  AxisLayout(size, axis, stride, outer);
  for (std::size_t o = 0; o < outer; ++o)
  {
    for (std::size_t i = 0; i < stride; ++i)
    {
      line(o * stride * size[axis] + i, stride);
    }
  }
}

std::size_t
Count(const SizesType & size)
{
  std::size_t count = 1;
  for (const auto s : size)
  {
    count *= s;
  }
  return count;
}

void
BlurAxis(std::vector<float> & values, const SizesType & size, std::size_t axis, double sigma)
{
  if (!(sigma > 0.0) || size[axis] < 2)
  {
    return;
  }
  const auto                radius = static_cast<long long>(std::floor(4.0 * sigma + 0.5));
  const auto                weights = SSIMKernel::GaussianWeights(sigma, static_cast<unsigned int>(radius));
  const auto                n = static_cast<long long>(size[axis]);
  std::vector<double>       line(static_cast<std::size_t>(n));
  ForEachLine(size, axis, [&](std::size_t first, std::size_t stride) {
    for (long long i = 0; i < n; ++i)
    {
      line[static_cast<std::size_t>(i)] = values[first + static_cast<std::size_t>(i) * stride];
    }
    for (long long i = 0; i < n; ++i)
    {
      double sum = 0.0;
      for (long long k = -radius; k <= radius; ++k)
      {
        sum += weights[static_cast<std::size_t>(k + radius)] *
               line[static_cast<std::size_t>(SSIMKernel::MirrorIndex(i + k, n))];
      }
      values[first + static_cast<std::size_t>(i) * stride] = static_cast<float>(sum);
    }
  });
}

std::vector<float>
ResampleAxis(const std::vector<float> & values, const SizesType & size, std::size_t axis, std::size_t newLength)
{
  SizesType newSize = size;
  newSize[axis] = newLength;
  std::vector<float> output(Count(newSize));
  const double       factor = static_cast<double>(size[axis]) / static_cast<double>(newLength);
  const auto         last = static_cast<double>(size[axis] - 1);
  std::vector<std::size_t> low(newLength);
  std::vector<double>      fraction(newLength);
  for (std::size_t j = 0; j < newLength; ++j)
  {
    const double position = std::min(std::max((static_cast<double>(j) + 0.5) * factor - 0.5, 0.0), last);
    low[j] = static_cast<std::size_t>(std::floor(position));
    fraction[j] = position - static_cast<double>(low[j]);
  }
  // Lines of the output are addressed like those of the input, with the axis length replaced.
  std::size_t stride = 0, outer = 0;
  AxisLayout(size, axis, stride, outer);
  for (std::size_t o = 0; o < outer; ++o)
  {
    for (std::size_t i = 0; i < stride; ++i)
    {
      const float * in = values.data() + o * stride * size[axis] + i;
      float *       out = output.data() + o * stride * newLength + i;
      for (std::size_t j = 0; j < newLength; ++j)
      {
        const std::size_t k = low[j];
        const double      a = in[k * stride];
        const double      b = k + 1 < size[axis] ? in[(k + 1) * stride] : a;
        out[j * stride] = static_cast<float>(a + fraction[j] * (b - a));
      }
    }
  }
  return output;
}
} // namespace

std::size_t
ScaledSize(std::size_t size, double scale)
{
  if (!(scale > 0.0) || !std::isfinite(scale))
  {
    throw std::invalid_argument("image scale must be positive and finite");
  }
  return std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(static_cast<double>(size) * scale)));
}

std::vector<float>
GaussianBlur(const float * values, const SizesType & size, const std::vector<double> & sigma)
{
  std::vector<float> output(values, values + Count(size));
  for (std::size_t axis = 0; axis < size.size() && axis < sigma.size(); ++axis)
  {
    BlurAxis(output, size, axis, sigma[axis]);
  }
  return output;
}

std::vector<float>
Resample(const float * values, const SizesType & size, const SizesType & newSize)
{
  if (size.size() != newSize.size())
  {
    throw std::invalid_argument("Resample: the two grids differ in dimension");
  }
  std::vector<float> output(values, values + Count(size));
  SizesType          current = size;
  for (std::size_t axis = 0; axis < size.size(); ++axis)
  {
    if (newSize[axis] == 0)
    {
      throw std::invalid_argument("Resample: empty target grid");
    }
    if (newSize[axis] == current[axis])
    {
      continue;
    }
    if (newSize[axis] < current[axis])
    {
      const double factor = static_cast<double>(current[axis]) / static_cast<double>(newSize[axis]);
      BlurAxis(output, current, axis, (factor - 1.0) / 2.0);
    }
    output = ResampleAxis(output, current, axis, newSize[axis]);
    current[axis] = newSize[axis];
  }
  return output;
}

} // namespace ImageGrid
} // namespace itk
