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
#include "itkSSIMKernel.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

// The hot loops are compiled for AVX-512, AVX2+FMA and baseline x86-64 and chosen at load time, so a library
// built with Debian's baseline flags still runs at full width on newer CPUs.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#  define SSIM_KERNEL_CLONES __attribute__((target_clones("arch=skylake-avx512", "arch=haswell", "default")))
#else
#  define SSIM_KERNEL_CLONES
#endif

namespace itk
{
namespace SSIMKernel
{

WeightsType
GaussianWeights(double sigma, unsigned int radius)
{
  WeightsType weights(2 * radius + 1);
  double      sum = 0.0;
  for (unsigned int k = 0; k < weights.size(); ++k)
  {
    const double offset = static_cast<double>(k) - static_cast<double>(radius);
    weights[k] = std::exp(-offset * offset / (2.0 * sigma * sigma));
    sum += weights[k];
  }
  for (auto & w : weights)
  {
    w /= sum;
  }
  return weights;
}

WeightsType
UniformWeights(unsigned int size)
{
  return WeightsType(size, 1.0 / static_cast<double>(size));
}

namespace
{

struct Moments
{
  double * X;
  double * Y;
  double * XX;
  double * YY;
  double * XY;
};

// Adds weight * (x, y, x^2, y^2, xy) of one padded row to the moment rows.
SSIM_KERNEL_CLONES void
AccumulateRow(const double * __restrict x,
              const double * __restrict y,
              double weight,
              std::size_t length,
              double * __restrict sx,
              double * __restrict sy,
              double * __restrict sxx,
              double * __restrict syy,
              double * __restrict sxy)
{
  for (std::size_t i = 0; i < length; ++i)
  {
    const double a = x[i];
    const double b = y[i];
    const double wa = weight * a;
    const double wb = weight * b;
    sx[i] += wa;
    sy[i] += wb;
    sxx[i] += wa * a;
    syy[i] += wb * b;
    sxy[i] += wa * b;
  }
}

// Filters one moment row along x with a symmetric window: out[i] = sum_k w[k] in[i + k].
SSIM_KERNEL_CLONES void
FilterRow(const double * __restrict in,
          const double * __restrict weights,
          std::size_t taps,
          std::size_t length,
          double * __restrict out)
{
  const std::size_t radius = taps / 2;
  const double      center = weights[radius];
  for (std::size_t i = 0; i < length; ++i)
  {
    out[i] = center * in[i + radius];
  }
  for (std::size_t k = 0; k < radius; ++k)
  {
    const double         w = weights[k];
    const double * const left = in + k;
    const double * const right = in + taps - 1 - k;
    for (std::size_t i = 0; i < length; ++i)
    {
      out[i] += w * (left[i] + right[i]);
    }
  }
}

template <typename TOutput>
SSIM_KERNEL_CLONES double
CombineUnitExponents(const Moments & m,
                     std::size_t     length,
                     double          c1,
                     double          c2,
                     TOutput * __restrict ssim)
{
  double sum = 0.0;
  for (std::size_t i = 0; i < length; ++i)
  {
    const double mx = m.X[i];
    const double my = m.Y[i];
    const double mxmy = mx * my;
    const double mx2my2 = mx * mx + my * my;
    const double vxvy = (m.XX[i] + m.YY[i]) - mx2my2;
    const double cxy = m.XY[i] - mxmy;
    const double value = ((2.0 * mxmy + c1) * (2.0 * cxy + c2)) / ((mx2my2 + c1) * (vxvy + c2));
    ssim[i] = static_cast<TOutput>(value);
    sum += value;
  }
  return sum;
}

template <typename TOutput>
SSIM_KERNEL_CLONES void
Components(const Moments & m,
           std::size_t     length,
           double          c1,
           double          c2,
           TOutput * __restrict luminance,
           TOutput * __restrict contrast,
           TOutput * __restrict structure)
{
  const double c3 = 0.5 * c2;
  for (std::size_t i = 0; i < length; ++i)
  {
    const double mx = m.X[i];
    const double my = m.Y[i];
    const double vx = std::max(m.XX[i] - mx * mx, 0.0);
    const double vy = std::max(m.YY[i] - my * my, 0.0);
    const double cxy = m.XY[i] - mx * my;
    const double sxsy = std::sqrt(vx * vy);
    // Keep the slots: the row buffers are reused for the general-exponent combination.
    m.X[i] = (2.0 * mx * my + c1) / (mx * mx + my * my + c1);
    m.Y[i] = (2.0 * sxsy + c2) / (vx + vy + c2);
    m.XX[i] = (cxy + c3) / (sxsy + c3);
    if (luminance)
    {
      luminance[i] = static_cast<TOutput>(m.X[i]);
    }
    if (contrast)
    {
      contrast[i] = static_cast<TOutput>(m.Y[i]);
    }
    if (structure)
    {
      structure[i] = static_cast<TOutput>(m.XX[i]);
    }
  }
}

// Power that keeps the sign, so a negative structure term with a fractional exponent stays defined.
inline double
SignedPower(double base, double exponent)
{
  if (exponent == 1.0)
  {
    return base;
  }
  return std::copysign(std::pow(std::abs(base), exponent), base);
}

template <typename TOutput>
double
CombineExponents(const Moments & m, std::size_t length, const BlockSettings & s, TOutput * ssim)
{
  double sum = 0.0;
  for (std::size_t i = 0; i < length; ++i)
  {
    const double value = SignedPower(m.X[i], s.Alpha) * SignedPower(m.Y[i], s.Beta) * SignedPower(m.XX[i], s.Gamma);
    ssim[i] = static_cast<TOutput>(value);
    sum += value;
  }
  return sum;
}

} // namespace

template <typename TOutput>
double
ComputeBlock(const double * x, const double * y, const BlockSettings & settings, const OutputBlock<TOutput> & out)
{
  std::array<std::size_t, 3> padded{};
  for (unsigned int d = 0; d < 3; ++d)
  {
    if (settings.Weights[d].empty() || settings.Weights[d].size() % 2 == 0)
    {
      throw std::invalid_argument("SSIM window must have an odd, positive number of taps along every axis");
    }
    padded[d] = settings.OutputSize[d] + settings.Weights[d].size() - 1;
  }
  if (out.SSIM == nullptr)
  {
    throw std::invalid_argument("SSIM output buffer is required");
  }
  const std::size_t width = settings.OutputSize[0];
  const std::size_t paddedWidth = padded[0];
  const std::size_t paddedSlice = padded[0] * padded[1];
  const bool        unitExponents = settings.Alpha == 1.0 && settings.Beta == 1.0 && settings.Gamma == 1.0;
  const bool        wantComponents = out.Luminance || out.Contrast || out.Structure;
  const auto &      wx = settings.Weights[0];
  const auto &      wy = settings.Weights[1];
  const auto &      wz = settings.Weights[2];

  std::vector<double> rows(5 * paddedWidth + 5 * width);
  double *            vertical = rows.data();
  double *            horizontal = rows.data() + 5 * paddedWidth;
  const Moments       verticalMoments{ vertical,
                                 vertical + paddedWidth,
                                 vertical + 2 * paddedWidth,
                                 vertical + 3 * paddedWidth,
                                 vertical + 4 * paddedWidth };
  const Moments       moments{ horizontal, horizontal + width, horizontal + 2 * width, horizontal + 3 * width,
                         horizontal + 4 * width };

  double sum = 0.0;
  for (std::size_t z = 0; z < settings.OutputSize[2]; ++z)
  {
    for (std::size_t row = 0; row < settings.OutputSize[1]; ++row)
    {
      std::fill(vertical, vertical + 5 * paddedWidth, 0.0);
      for (std::size_t kz = 0; kz < wz.size(); ++kz)
      {
        for (std::size_t ky = 0; ky < wy.size(); ++ky)
        {
          const std::size_t offset = (z + kz) * paddedSlice + (row + ky) * paddedWidth;
          AccumulateRow(x + offset,
                        y + offset,
                        wz[kz] * wy[ky],
                        paddedWidth,
                        verticalMoments.X,
                        verticalMoments.Y,
                        verticalMoments.XX,
                        verticalMoments.YY,
                        verticalMoments.XY);
        }
      }
      for (unsigned int c = 0; c < 5; ++c)
      {
        FilterRow(vertical + c * paddedWidth, wx.data(), wx.size(), width, horizontal + c * width);
      }

      const std::size_t outOffset = z * out.SliceStride + row * out.RowStride;
      if (unitExponents)
      {
        sum += CombineUnitExponents<TOutput>(moments, width, settings.C1, settings.C2, out.SSIM + outOffset);
      }
      if (wantComponents || !unitExponents)
      {
        Components<TOutput>(moments,
                            width,
                            settings.C1,
                            settings.C2,
                            out.Luminance ? out.Luminance + outOffset : nullptr,
                            out.Contrast ? out.Contrast + outOffset : nullptr,
                            out.Structure ? out.Structure + outOffset : nullptr);
      }
      if (!unitExponents)
      {
        sum += CombineExponents<TOutput>(moments, width, settings, out.SSIM + outOffset);
      }
    }
  }
  return sum;
}

template SSIMAutoencoder_EXPORT double
ComputeBlock<float>(const double *, const double *, const BlockSettings &, const OutputBlock<float> &);
template SSIMAutoencoder_EXPORT double
ComputeBlock<double>(const double *, const double *, const BlockSettings &, const OutputBlock<double> &);

} // namespace SSIMKernel
} // namespace itk
