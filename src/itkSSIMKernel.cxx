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

// The hot loops are compiled for the x86-64-v4 (AVX-512), x86-64-v3 (AVX2, FMA) and baseline ISA levels and the
// loader picks by CPU features (not by CPU model, which "arch=<cpu>" clones would test), so a library
// built with Debian's baseline flags still runs at full width on newer CPUs.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define SSIM_KERNEL_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SSIM_KERNEL_CLONES
#endif

namespace itk {
namespace SSIMKernel {

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

namespace {

struct Moments
{
  double * X;
  double * Y;
  double * XX;
  double * YY;
  double * XY;
};

// Columns processed together: the accumulators of one block stay in vector registers over all window rows.
// GCC vector extensions: one AVX-512 register, two AVX2 or four SSE2 registers depending on the clone. The helpers
// are always inlined into the clones, so the baseline ABI of 64-byte vector arguments (-Wpsabi) never applies.
constexpr std::size_t Block = 8;
using Vector = double __attribute__((vector_size(Block * sizeof(double))));
using UnalignedVector = double __attribute__((vector_size(Block * sizeof(double)), aligned(sizeof(double)), may_alias));

inline __attribute__((always_inline)) Vector
Load(const double * p)
{
  return *reinterpret_cast<const UnalignedVector *>(p);
}

inline __attribute__((always_inline)) void
Store(double * p, const Vector & v)
{
  *reinterpret_cast<UnalignedVector *>(p) = v;
}

// Weighted sums over the window rows of x, y, x^2, y^2 and xy, for every column of the padded rows.
SSIM_KERNEL_CLONES void
VerticalMoments(const double * const * xRows,
                const double * const * yRows,
                const double * __restrict weights,
                std::size_t rowCount,
                std::size_t length,
                double * __restrict sx,
                double * __restrict sy,
                double * __restrict sxx,
                double * __restrict syy,
                double * __restrict sxy)
{
  std::size_t i0 = 0;
  for (; i0 + Block <= length; i0 += Block)
  {
    Vector ax = {}, ay = {}, axx = {}, ayy = {}, axy = {};
    for (std::size_t k = 0; k < rowCount; ++k)
    {
      const Vector x = Load(xRows[k] + i0);
      const Vector y = Load(yRows[k] + i0);
      const Vector wx = weights[k] * x;
      const Vector wy = weights[k] * y;
      ax += wx;
      ay += wy;
      axx += wx * x;
      ayy += wy * y;
      axy += wx * y;
    }
    Store(sx + i0, ax);
    Store(sy + i0, ay);
    Store(sxx + i0, axx);
    Store(syy + i0, ayy);
    Store(sxy + i0, axy);
  }
  for (; i0 < length; ++i0)
  {
    double ax = 0.0, ay = 0.0, axx = 0.0, ayy = 0.0, axy = 0.0;
    for (std::size_t k = 0; k < rowCount; ++k)
    {
      const double a = xRows[k][i0];
      const double b = yRows[k][i0];
      const double wa = weights[k] * a;
      const double wb = weights[k] * b;
      ax += wa;
      ay += wb;
      axx += wa * a;
      ayy += wb * b;
      axy += wa * b;
    }
    sx[i0] = ax;
    sy[i0] = ay;
    sxx[i0] = axx;
    syy[i0] = ayy;
    sxy[i0] = axy;
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
  std::size_t       i0 = 0;
  for (; i0 + Block <= length; i0 += Block)
  {
    Vector acc = center * Load(in + i0 + radius);
    for (std::size_t k = 0; k < radius; ++k)
    {
      acc += weights[k] * (Load(in + i0 + k) + Load(in + i0 + taps - 1 - k));
    }
    Store(out + i0, acc);
  }
  for (; i0 < length; ++i0)
  {
    double acc = center * in[i0 + radius];
    for (std::size_t k = 0; k < radius; ++k)
    {
      acc += weights[k] * (in[i0 + k] + in[i0 + taps - 1 - k]);
    }
    out[i0] = acc;
  }
}

// Horizontal filtering of the five moment rows fused with the SSIM formula (unit exponents): the moments of a
// block of pixels never leave the registers. With component maps requested, l, c and s are written too; the SSIM
// values are the same either way. Returns the sum of the SSIM values.
template<typename TOutput, bool VComponents>
SSIM_KERNEL_CLONES double
FilterAndCombine(const double * __restrict vx,
                 const double * __restrict vy,
                 const double * __restrict vxx,
                 const double * __restrict vyy,
                 const double * __restrict vxy,
                 const double * __restrict weights,
                 std::size_t taps,
                 std::size_t length,
                 double      c1,
                 double      c2,
                 TOutput * __restrict ssim,
                 TOutput * __restrict luminance,
                 TOutput * __restrict contrast,
                 TOutput * __restrict structure)
{
  const double      c3 = 0.5 * c2;
  const std::size_t radius = taps / 2;
  const double      center = weights[radius];
  Vector            total = {};
  std::size_t       i0 = 0;
  for (; i0 + Block <= length; i0 += Block)
  {
    Vector mx = center * Load(vx + i0 + radius);
    Vector my = center * Load(vy + i0 + radius);
    Vector exx = center * Load(vxx + i0 + radius);
    Vector eyy = center * Load(vyy + i0 + radius);
    Vector exy = center * Load(vxy + i0 + radius);
    for (std::size_t k = 0; k < radius; ++k)
    {
      const double      w = weights[k];
      const std::size_t left = i0 + k;
      const std::size_t right = i0 + taps - 1 - k;
      mx += w * (Load(vx + left) + Load(vx + right));
      my += w * (Load(vy + left) + Load(vy + right));
      exx += w * (Load(vxx + left) + Load(vxx + right));
      eyy += w * (Load(vyy + left) + Load(vyy + right));
      exy += w * (Load(vxy + left) + Load(vxy + right));
    }
    const Vector mxmy = mx * my;
    const Vector mx2my2 = mx * mx + my * my;
    const Vector value =
      ((2.0 * mxmy + c1) * (2.0 * (exy - mxmy) + c2)) / ((mx2my2 + c1) * ((exx + eyy) - mx2my2 + c2));
    total += value;
    for (std::size_t j = 0; j < Block; ++j)
    {
      ssim[i0 + j] = static_cast<TOutput>(value[j]);
    }
    if (VComponents)
    {
      const Vector zero = {};
      const Vector varX = exx - mx * mx;
      const Vector varY = eyy - my * my;
      const Vector sx2 = varX > zero ? varX : zero;
      const Vector sy2 = varY > zero ? varY : zero;
      Vector       sxsy;
      const Vector product = sx2 * sy2;
      for (std::size_t j = 0; j < Block; ++j)
      {
        sxsy[j] = std::sqrt(product[j]);
      }
      const Vector l = (2.0 * mxmy + c1) / (mx2my2 + c1);
      const Vector c = (2.0 * sxsy + c2) / (sx2 + sy2 + c2);
      const Vector st = ((exy - mxmy) + c3) / (sxsy + c3);
      for (std::size_t j = 0; j < Block; ++j)
      {
        luminance[i0 + j] = static_cast<TOutput>(l[j]);
        contrast[i0 + j] = static_cast<TOutput>(c[j]);
        structure[i0 + j] = static_cast<TOutput>(st[j]);
      }
    }
  }
  double sum = 0.0;
  for (std::size_t j = 0; j < Block; ++j)
  {
    sum += total[j];
  }
  for (; i0 < length; ++i0)
  {
    double         m[5];
    const double * rows[5] = { vx, vy, vxx, vyy, vxy };
    for (unsigned int c = 0; c < 5; ++c)
    {
      m[c] = center * rows[c][i0 + radius];
      for (std::size_t k = 0; k < radius; ++k)
      {
        m[c] += weights[k] * (rows[c][i0 + k] + rows[c][i0 + taps - 1 - k]);
      }
    }
    const double mxmy = m[0] * m[1];
    const double mx2my2 = m[0] * m[0] + m[1] * m[1];
    const double value =
      ((2.0 * mxmy + c1) * (2.0 * (m[4] - mxmy) + c2)) / ((mx2my2 + c1) * ((m[2] + m[3]) - mx2my2 + c2));
    ssim[i0] = static_cast<TOutput>(value);
    sum += value;
    if (VComponents)
    {
      const double sx2 = std::max(m[2] - m[0] * m[0], 0.0);
      const double sy2 = std::max(m[3] - m[1] * m[1], 0.0);
      const double sxsy = std::sqrt(sx2 * sy2);
      luminance[i0] = static_cast<TOutput>((2.0 * mxmy + c1) / (mx2my2 + c1));
      contrast[i0] = static_cast<TOutput>((2.0 * sxsy + c2) / (sx2 + sy2 + c2));
      structure[i0] = static_cast<TOutput>(((m[4] - mxmy) + c3) / (sxsy + c3));
    }
  }
  return sum;
}

// SSIM with unit exponents; the values are summed in a separate pass so this loop vectorises.
template<typename TOutput>
SSIM_KERNEL_CLONES void
CombineUnitExponents(const double * __restrict mx,
                     const double * __restrict my,
                     const double * __restrict exx,
                     const double * __restrict eyy,
                     const double * __restrict exy,
                     std::size_t length,
                     double      c1,
                     double      c2,
                     TOutput * __restrict ssim)
{
  for (std::size_t i = 0; i < length; ++i)
  {
    const double mxmy = mx[i] * my[i];
    const double mx2my2 = mx[i] * mx[i] + my[i] * my[i];
    const double vxvy = (exx[i] + eyy[i]) - mx2my2;
    const double cxy = exy[i] - mxmy;
    ssim[i] = static_cast<TOutput>(((2.0 * mxmy + c1) * (2.0 * cxy + c2)) / ((mx2my2 + c1) * (vxvy + c2)));
  }
}

// Luminance, contrast and structure terms into double rows l, c, s.
SSIM_KERNEL_CLONES void
Components(const double * __restrict mx,
           const double * __restrict my,
           const double * __restrict exx,
           const double * __restrict eyy,
           const double * __restrict exy,
           std::size_t length,
           double      c1,
           double      c2,
           double * __restrict l,
           double * __restrict c,
           double * __restrict s)
{
  const double c3 = 0.5 * c2;
  for (std::size_t i = 0; i < length; ++i)
  {
    const double vx = std::max(exx[i] - mx[i] * mx[i], 0.0);
    const double vy = std::max(eyy[i] - my[i] * my[i], 0.0);
    const double cxy = exy[i] - mx[i] * my[i];
    const double sxsy = std::sqrt(vx * vy);
    l[i] = (2.0 * mx[i] * my[i] + c1) / (mx[i] * mx[i] + my[i] * my[i] + c1);
    c[i] = (2.0 * sxsy + c2) / (vx + vy + c2);
    s[i] = (cxy + c3) / (sxsy + c3);
  }
}

template<typename TOutput>
SSIM_KERNEL_CLONES void
Convert(const double * __restrict in, std::size_t length, TOutput * __restrict out)
{
  for (std::size_t i = 0; i < length; ++i)
  {
    out[i] = static_cast<TOutput>(in[i]);
  }
}

template<typename TOutput>
double
Sum(const TOutput * values, std::size_t length)
{
  double      partial[4] = { 0.0, 0.0, 0.0, 0.0 };
  std::size_t i = 0;
  for (; i + 4 <= length; i += 4)
  {
    for (unsigned int k = 0; k < 4; ++k)
    {
      partial[k] += static_cast<double>(values[i + k]);
    }
  }
  for (; i < length; ++i)
  {
    partial[0] += static_cast<double>(values[i]);
  }
  return (partial[0] + partial[1]) + (partial[2] + partial[3]);
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

} // namespace

template<typename TOutput>
double
ComputeRow(const double * const *     xRows,
           const double * const *     yRows,
           const double *             rowWeights,
           std::size_t                rowCount,
           const WeightsType &        wx,
           std::size_t                width,
           const Constants &          constants,
           const OutputRow<TOutput> & out,
           double *                   scratch)
{
  const std::size_t paddedWidth = width + wx.size() - 1;
  const bool        unitExponents = constants.Alpha == 1.0 && constants.Beta == 1.0 && constants.Gamma == 1.0;
  const bool        wantComponents = out.Luminance || out.Contrast || out.Structure;

  double *      vertical = scratch;
  double *      horizontal = scratch + 5 * paddedWidth;
  const Moments verticalMoments{
    vertical, vertical + paddedWidth, vertical + 2 * paddedWidth, vertical + 3 * paddedWidth, vertical + 4 * paddedWidth
  };
  const Moments moments{
    horizontal, horizontal + width, horizontal + 2 * width, horizontal + 3 * width, horizontal + 4 * width
  };

  VerticalMoments(xRows,
                  yRows,
                  rowWeights,
                  rowCount,
                  paddedWidth,
                  verticalMoments.X,
                  verticalMoments.Y,
                  verticalMoments.XX,
                  verticalMoments.YY,
                  verticalMoments.XY);
  const bool allComponents = out.Luminance && out.Contrast && out.Structure;
  if (unitExponents && (allComponents || !wantComponents))
  {
    auto fused = allComponents ? &FilterAndCombine<TOutput, true> : &FilterAndCombine<TOutput, false>;
    return fused(verticalMoments.X,
                 verticalMoments.Y,
                 verticalMoments.XX,
                 verticalMoments.YY,
                 verticalMoments.XY,
                 wx.data(),
                 wx.size(),
                 width,
                 constants.C1,
                 constants.C2,
                 out.SSIM,
                 out.Luminance,
                 out.Contrast,
                 out.Structure);
  }
  for (unsigned int c = 0; c < 5; ++c)
  {
    FilterRow(vertical + c * paddedWidth, wx.data(), wx.size(), width, horizontal + c * width);
  }

  if (unitExponents)
  {
    CombineUnitExponents<TOutput>(
      moments.X, moments.Y, moments.XX, moments.YY, moments.XY, width, constants.C1, constants.C2, out.SSIM);
  }
  if (wantComponents || !unitExponents)
  {
    // The vertical rows are free again: they hold l, c and s.
    double * l = vertical;
    double * c = vertical + width;
    double * s = vertical + 2 * width;
    Components(moments.X, moments.Y, moments.XX, moments.YY, moments.XY, width, constants.C1, constants.C2, l, c, s);
    if (out.Luminance)
    {
      Convert(l, width, out.Luminance);
    }
    if (out.Contrast)
    {
      Convert(c, width, out.Contrast);
    }
    if (out.Structure)
    {
      Convert(s, width, out.Structure);
    }
    if (!unitExponents)
    {
      for (std::size_t i = 0; i < width; ++i)
      {
        out.SSIM[i] = static_cast<TOutput>(SignedPower(l[i], constants.Alpha) * SignedPower(c[i], constants.Beta) *
                                           SignedPower(s[i], constants.Gamma));
      }
    }
  }
  return Sum(out.SSIM, width);
}

template SSIMAutoencoder_EXPORT double
ComputeRow<float>(const double * const *,
                  const double * const *,
                  const double *,
                  std::size_t,
                  const WeightsType &,
                  std::size_t,
                  const Constants &,
                  const OutputRow<float> &,
                  double *);
template SSIMAutoencoder_EXPORT double
ComputeRow<double>(const double * const *,
                   const double * const *,
                   const double *,
                   std::size_t,
                   const WeightsType &,
                   std::size_t,
                   const Constants &,
                   const OutputRow<double> &,
                   double *);

} // namespace SSIMKernel
} // namespace itk
