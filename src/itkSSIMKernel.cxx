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
// built with Debian's baseline flags still runs at full width on newer CPUs. This needs GCC 11 or later (ISA-level
// names) on x86-64 and an ELF loader with ifunc support (glibc). Clang 14 rejects target_clones on function
// templates, so other compilers and platforms build one portable version of every function.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11 && defined(__x86_64__) && defined(__ELF__) &&           \
  defined(__GLIBC__)
#define SSIM_KERNEL_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SSIM_KERNEL_CLONES
#endif

// GCC and Clang: blocks of columns in vector registers (GCC vector extensions); helpers are always inlined into
// their callers so every clone compiles them for its own ISA. Other compilers run the scalar loops only.
#if defined(__GNUC__)
#define SSIM_KERNEL_VECTOR_EXTENSIONS 1
#define SSIM_KERNEL_INLINE inline __attribute__((always_inline))
#else
#define SSIM_KERNEL_VECTOR_EXTENSIONS 0
#define SSIM_KERNEL_INLINE inline
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
    // (offset / sigma)^2 rather than offset^2 / sigma^2: a tiny sigma then gives the unit impulse, not 0 / 0.
    const double z = offset / sigma;
    weights[k] = std::exp(-0.5 * z * z);
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

// Rows of moments: x, y, x^2, y^2 and xy; with four channels (MomentChannels) XX holds x^2 + y^2 and YY is null.
struct Moments
{
  double * X;
  double * Y;
  double * XX;
  double * YY;
  double * XY;
};

// The `channels` (4 or 5) moment rows of `length` doubles each, one after the other from `first`.
Moments
MomentRows(double * first, std::size_t length, unsigned int channels = 5)
{
  if (channels == 4)
  {
    return { first, first + length, first + 2 * length, nullptr, first + 3 * length };
  }
  return { first, first + length, first + 2 * length, first + 3 * length, first + 4 * length };
}

// Loads and stores of one column (T = double) or, with vector extensions, of a block of columns (T = Vector). The
// same templates serve both, so the vector blocks and the scalar remainder evaluate the same expressions.
template<typename T>
SSIM_KERNEL_INLINE T
LoadAs(const double * p)
{
  return *p;
}

SSIM_KERNEL_INLINE void
StoreAt(double * p, double value)
{
  *p = value;
}

template<typename TOutput>
SSIM_KERNEL_INLINE void
ConvertAt(TOutput * p, double value)
{
  *p = static_cast<TOutput>(value);
}

SSIM_KERNEL_INLINE double
ClampToZero(double value)
{
  return std::max(value, 0.0);
}

SSIM_KERNEL_INLINE double
SquareRoot(double value)
{
  return std::sqrt(value);
}

#if SSIM_KERNEL_VECTOR_EXTENSIONS
// Columns processed together: the accumulators of one block stay in vector registers over all window rows.
// GCC vector extensions: one AVX-512 register, two AVX2 or four SSE2 registers depending on the clone. The helpers
// are always inlined into the clones, so the baseline ABI of 64-byte vector arguments (-Wpsabi) never applies.
constexpr std::size_t Block = 8;
using Vector = double __attribute__((vector_size(Block * sizeof(double))));
// A typedef, not an alias declaration: Clang ignores the lowered alignment in the latter and emits aligned loads.
typedef double UnalignedVector __attribute__((vector_size(Block * sizeof(double)), aligned(sizeof(double)), may_alias));
static_assert(alignof(UnalignedVector) == alignof(double), "vector loads and stores must not assume alignment");

template<>
SSIM_KERNEL_INLINE Vector
LoadAs<Vector>(const double * p)
{
  return *reinterpret_cast<const UnalignedVector *>(p);
}

SSIM_KERNEL_INLINE void
StoreAt(double * p, const Vector & value)
{
  *reinterpret_cast<UnalignedVector *>(p) = value;
}

template<typename TOutput>
SSIM_KERNEL_INLINE void
ConvertAt(TOutput * p, const Vector & value)
{
  for (std::size_t j = 0; j < Block; ++j)
  {
    p[j] = static_cast<TOutput>(value[j]);
  }
}

SSIM_KERNEL_INLINE Vector
ClampToZero(const Vector & value)
{
  const Vector zero = {};
  return value > zero ? value : zero;
}

SSIM_KERNEL_INLINE Vector
SquareRoot(const Vector & value)
{
  Vector root;
  for (std::size_t j = 0; j < Block; ++j)
  {
    root[j] = std::sqrt(value[j]);
  }
  return root;
}

SSIM_KERNEL_INLINE double
HorizontalSum(const Vector & value)
{
  double sum = 0.0;
  for (std::size_t j = 0; j < Block; ++j)
  {
    sum += value[j];
  }
  return sum;
}
#endif

// Weighted sums over the window rows of x, y, x^2, y^2 and xy at column i (at a block of columns for T = Vector);
// VSum: x^2 + y^2 in one sum (four channels).
template<typename T, bool VSum>
SSIM_KERNEL_INLINE void
AccumulateColumns(const double * const * xRows,
                  const double * const * yRows,
                  const double * __restrict weights,
                  std::size_t     rowCount,
                  std::size_t     i,
                  const Moments & out)
{
  T ax = {}, ay = {}, axx = {}, ayy = {}, axy = {};
  for (std::size_t k = 0; k < rowCount; ++k)
  {
    const T x = LoadAs<T>(xRows[k] + i);
    const T y = LoadAs<T>(yRows[k] + i);
    const T wx = weights[k] * x;
    const T wy = weights[k] * y;
    ax += wx;
    ay += wy;
    axx += wx * x;
    if (VSum)
    {
      axx += wy * y;
    }
    else
    {
      ayy += wy * y;
    }
    axy += wx * y;
  }
  StoreAt(out.X + i, ax);
  StoreAt(out.Y + i, ay);
  StoreAt(out.XX + i, axx);
  if (!VSum)
  {
    StoreAt(out.YY + i, ayy);
  }
  StoreAt(out.XY + i, axy);
}

// Vertical pass: the moments of every column of the padded rows.
template<bool VSum>
SSIM_KERNEL_CLONES void
VerticalMoments(const double * const * xRows,
                const double * const * yRows,
                const double * __restrict weights,
                std::size_t   rowCount,
                std::size_t   length,
                const Moments out)
{
  std::size_t i = 0;
#if SSIM_KERNEL_VECTOR_EXTENSIONS
  for (; i + Block <= length; i += Block)
  {
    AccumulateColumns<Vector, VSum>(xRows, yRows, weights, rowCount, i, out);
  }
#endif
  for (; i < length; ++i)
  {
    AccumulateColumns<double, VSum>(xRows, yRows, weights, rowCount, i, out);
  }
}

// The window along the middle axis of a volume at column i (at a block of columns for T = Vector) for VRows
// consecutive output rows at once: output row r is sum_k w[k] b[r + k]. Each block is loaded once for all the rows
// it contributes to, which keeps the pass from being bound by loads.
template<typename T, unsigned int VRows>
SSIM_KERNEL_INLINE void
SumBlocksAt(const double * const * blocks,
            const double * __restrict weights,
            std::size_t      taps,
            std::size_t      i,
            double * const * out)
{
  T acc[VRows];
  for (unsigned int r = 0; r < VRows; ++r)
  {
    acc[r] = T{};
  }
  for (std::size_t j = 0; j < taps + VRows - 1; ++j)
  {
    const T value = LoadAs<T>(blocks[j] + i);
    for (unsigned int r = 0; r < VRows; ++r)
    {
      if (j >= r && j - r < taps)
      {
        acc[r] += weights[j - r] * value;
      }
    }
  }
  for (unsigned int r = 0; r < VRows; ++r)
  {
    StoreAt(out[r] + i, acc[r]);
  }
}

// The window along the middle axis of a volume for VRows output rows: out[r] = sum_k w[k] blocks[r + k] over
// `length` doubles (the five moment rows of a block, one after the other).
template<unsigned int VRows>
SSIM_KERNEL_CLONES void
SumMomentBlocks(const double * const * blocks,
                const double * __restrict weights,
                std::size_t      taps,
                std::size_t      length,
                double * const * out)
{
  std::size_t i = 0;
#if SSIM_KERNEL_VECTOR_EXTENSIONS
  for (; i + Block <= length; i += Block)
  {
    SumBlocksAt<Vector, VRows>(blocks, weights, taps, i, out);
  }
#endif
  for (; i < length; ++i)
  {
    SumBlocksAt<double, VRows>(blocks, weights, taps, i, out);
  }
}

// The window along x at column i of one moment row, using the window's symmetry: sum_k w[k] row[i + k].
template<typename T>
SSIM_KERNEL_INLINE T
FilterAt(const double * __restrict row, const double * __restrict weights, std::size_t taps, std::size_t i)
{
  const std::size_t radius = taps / 2;
  T                 acc = weights[radius] * LoadAs<T>(row + i + radius);
  for (std::size_t k = 0; k < radius; ++k)
  {
    acc += weights[k] * (LoadAs<T>(row + i + k) + LoadAs<T>(row + i + taps - 1 - k));
  }
  return acc;
}

// Filters one moment row along x: out[i] = sum_k w[k] in[i + k].
SSIM_KERNEL_CLONES void
FilterRow(const double * __restrict in,
          const double * __restrict weights,
          std::size_t taps,
          std::size_t length,
          double * __restrict out)
{
  std::size_t i = 0;
#if SSIM_KERNEL_VECTOR_EXTENSIONS
  for (; i + Block <= length; i += Block)
  {
    StoreAt(out + i, FilterAt<Vector>(in, weights, taps, i));
  }
#endif
  for (; i < length; ++i)
  {
    out[i] = FilterAt<double>(in, weights, taps, i);
  }
}

// Local means mu and raw second moments E[x^2], E[y^2], E[xy] at one pixel (T = double) or a block of pixels.
template<typename T>
struct WindowMoments
{
  T X;
  T Y;
  T XX;
  T YY;
  T XY;
};

// acc + w v. Fused for single columns: the compiler may otherwise vectorise a column's sum over the rows with
// separate products and sums in one grouping of planes and not in another, and a voxel's value would depend on how the
// volume was split.
SSIM_KERNEL_INLINE double
MultiplyAdd(double acc, double w, double v)
{
  return std::fma(w, v, acc);
}

#if SSIM_KERNEL_VECTOR_EXTENSIONS
SSIM_KERNEL_INLINE Vector
MultiplyAdd(const Vector & acc, double w, const Vector & v)
{
  return acc + w * v;
}

SSIM_KERNEL_INLINE Vector
MultiplyAdd(const Vector & acc, const Vector & a, const Vector & b)
{
  return acc + a * b;
}
#endif

// The window along the outermost axis of a volume at column i (a block of columns for T = Vector) for VPlanes
// consecutive output planes at once: plane p sums input rows p .. p + taps - 1. Each input row is loaded, and its
// products formed, once for all the planes it contributes to, which halves the reads of the pass for two planes.
// VSum: x^2 + y^2 in one sum (four channels).
template<typename T, unsigned int VPlanes, bool VSum>
SSIM_KERNEL_INLINE void
PlaneMomentsAt(const double * const * xRows,
               const double * const * yRows,
               const double * __restrict weights,
               std::size_t     taps,
               std::size_t     i,
               const Moments * out)
{
  WindowMoments<T> acc[VPlanes];
  for (unsigned int p = 0; p < VPlanes; ++p)
  {
    acc[p] = WindowMoments<T>{ T{}, T{}, T{}, T{}, T{} };
  }
  for (std::size_t j = 0; j < taps + VPlanes - 1; ++j)
  {
    const T x = LoadAs<T>(xRows[j] + i);
    const T y = LoadAs<T>(yRows[j] + i);
    const T xx = VSum ? MultiplyAdd(x * x, y, y) : x * x;
    const T yy = y * y;
    const T xy = x * y;
    for (unsigned int p = 0; p < VPlanes; ++p)
    {
      if (j >= p && j - p < taps)
      {
        const double w = weights[j - p];
        acc[p].X = MultiplyAdd(acc[p].X, w, x);
        acc[p].Y = MultiplyAdd(acc[p].Y, w, y);
        acc[p].XX = MultiplyAdd(acc[p].XX, w, xx);
        if (!VSum)
        {
          acc[p].YY = MultiplyAdd(acc[p].YY, w, yy);
        }
        acc[p].XY = MultiplyAdd(acc[p].XY, w, xy);
      }
    }
  }
  for (unsigned int p = 0; p < VPlanes; ++p)
  {
    StoreAt(out[p].X + i, acc[p].X);
    StoreAt(out[p].Y + i, acc[p].Y);
    StoreAt(out[p].XX + i, acc[p].XX);
    if (!VSum)
    {
      StoreAt(out[p].YY + i, acc[p].YY);
    }
    StoreAt(out[p].XY + i, acc[p].XY);
  }
}

// The window along the outermost axis of a volume for VPlanes output planes: moment block p of `length` columns
// from rows p .. p + taps - 1, in `channels` moment rows (4 with VSum).
template<unsigned int VPlanes, bool VSum>
SSIM_KERNEL_CLONES void
PlaneMoments(const double * const * xRows,
             const double * const * yRows,
             const double * __restrict weights,
             std::size_t      taps,
             std::size_t      length,
             double * const * blocks)
{
  Moments out[VPlanes];
  for (unsigned int p = 0; p < VPlanes; ++p)
  {
    out[p] = MomentRows(blocks[p], length, VSum ? 4 : 5);
  }
  std::size_t i = 0;
#if SSIM_KERNEL_VECTOR_EXTENSIONS
  for (; i + Block <= length; i += Block)
  {
    PlaneMomentsAt<Vector, VPlanes, VSum>(xRows, yRows, weights, taps, i, out);
  }
#endif
  for (; i < length; ++i)
  {
    PlaneMomentsAt<double, VPlanes, VSum>(xRows, yRows, weights, taps, i, out);
  }
}

// The window along x applied to the vertical moment rows at once, so the sums stay in registers; VSum: four rows,
// XX holding x^2 + y^2 (YY stays zero).
template<typename T, bool VSum>
SSIM_KERNEL_INLINE WindowMoments<T>
FilterMomentsAt(const Moments & rows, const double * __restrict weights, std::size_t taps, std::size_t i)
{
  const std::size_t radius = taps / 2;
  const double      center = weights[radius];
  WindowMoments<T>  m{ center * LoadAs<T>(rows.X + i + radius),
                      center * LoadAs<T>(rows.Y + i + radius),
                      center * LoadAs<T>(rows.XX + i + radius),
                      T{},
                      center * LoadAs<T>(rows.XY + i + radius) };
  if (!VSum)
  {
    m.YY = center * LoadAs<T>(rows.YY + i + radius);
  }
  for (std::size_t k = 0; k < radius; ++k)
  {
    const double      w = weights[k];
    const std::size_t left = i + k;
    const std::size_t right = i + taps - 1 - k;
    m.X += w * (LoadAs<T>(rows.X + left) + LoadAs<T>(rows.X + right));
    m.Y += w * (LoadAs<T>(rows.Y + left) + LoadAs<T>(rows.Y + right));
    m.XX += w * (LoadAs<T>(rows.XX + left) + LoadAs<T>(rows.XX + right));
    if (!VSum)
    {
      m.YY += w * (LoadAs<T>(rows.YY + left) + LoadAs<T>(rows.YY + right));
    }
    m.XY += w * (LoadAs<T>(rows.XY + left) + LoadAs<T>(rows.XY + right));
  }
  return m;
}

// SSIM with unit exponents: (2 mx my + C1)(2 cov + C2) / ((mx^2 + my^2 + C1)(var x + var y + C2)); VSum: XX holds
// E[x^2] + E[y^2].
template<typename T, bool VSum>
SSIM_KERNEL_INLINE T
UnitExponentSSIM(const WindowMoments<T> & m, double c1, double c2)
{
  const T mxmy = m.X * m.Y;
  const T mx2my2 = m.X * m.X + m.Y * m.Y;
  const T squares = VSum ? m.XX : m.XX + m.YY;
  return ((2.0 * mxmy + c1) * (2.0 * (m.XY - mxmy) + c2)) / ((mx2my2 + c1) * (squares - mx2my2 + c2));
}

// Luminance, contrast and structure terms at pixel i; negative variances from rounding count as zero.
template<typename T, typename TOutput>
SSIM_KERNEL_INLINE void
StoreComponents(const WindowMoments<T> & m, double c1, double c2, std::size_t i, const OutputRow<TOutput> & out)
{
  const double c3 = 0.5 * c2;
  const T      mxmy = m.X * m.Y;
  const T      mx2my2 = m.X * m.X + m.Y * m.Y;
  const T      sx2 = ClampToZero(m.XX - m.X * m.X);
  const T      sy2 = ClampToZero(m.YY - m.Y * m.Y);
  const T      sxsy = SquareRoot(sx2 * sy2);
  ConvertAt(out.Luminance + i, (2.0 * mxmy + c1) / (mx2my2 + c1));
  ConvertAt(out.Contrast + i, (2.0 * sxsy + c2) / (sx2 + sy2 + c2));
  ConvertAt(out.Structure + i, ((m.XY - mxmy) + c3) / (sxsy + c3));
}

// Horizontal pass and SSIM formula at pixel i (a block of pixels for T = Vector); returns the SSIM value(s).
template<typename T, typename TOutput, bool VComponents, bool VSum>
SSIM_KERNEL_INLINE T
CombineAt(const Moments & rows,
          const double * __restrict weights,
          std::size_t                taps,
          std::size_t                i,
          double                     c1,
          double                     c2,
          const OutputRow<TOutput> & out)
{
  static_assert(!(VComponents && VSum), "the components need x^2 and y^2 apart");
  const WindowMoments<T> m = FilterMomentsAt<T, VSum>(rows, weights, taps, i);
  const T                value = UnitExponentSSIM<T, VSum>(m, c1, c2);
  ConvertAt(out.SSIM + i, value);
  if (VComponents)
  {
    StoreComponents(m, c1, c2, i, out);
  }
  return value;
}

// Horizontal filtering of the five moment rows fused with the SSIM formula (unit exponents): the moments of a
// block of pixels never leave the registers. With component maps requested, l, c and s are written too; the SSIM
// values are the same either way. VSum: four moment rows (MomentChannels). Returns the sum of the SSIM values.
template<typename TOutput, bool VComponents, bool VSum>
SSIM_KERNEL_CLONES double
FilterAndCombine(const Moments rows,
                 const double * __restrict weights,
                 std::size_t              taps,
                 std::size_t              length,
                 double                   c1,
                 double                   c2,
                 const OutputRow<TOutput> out)
{
  double      sum = 0.0;
  std::size_t i = 0;
#if SSIM_KERNEL_VECTOR_EXTENSIONS
  Vector total = {};
  for (; i + Block <= length; i += Block)
  {
    total += CombineAt<Vector, TOutput, VComponents, VSum>(rows, weights, taps, i, c1, c2, out);
  }
  sum = HorizontalSum(total);
#endif
  for (; i < length; ++i)
  {
    sum += CombineAt<double, TOutput, VComponents, VSum>(rows, weights, taps, i, c1, c2, out);
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

// Component maps l, c and s from the filtered moments; `lcs` is scratch for three rows of `length` doubles, which
// hold l, c and s afterwards.
template<typename TOutput>
void
WriteComponents(const Moments &            moments,
                std::size_t                length,
                const Constants &          constants,
                const OutputRow<TOutput> & out,
                double *                   lcs)
{
  double * l = lcs;
  double * c = lcs + length;
  double * s = lcs + 2 * length;
  Components(moments.X, moments.Y, moments.XX, moments.YY, moments.XY, length, constants.C1, constants.C2, l, c, s);
  if (out.Luminance)
  {
    Convert(l, length, out.Luminance);
  }
  if (out.Contrast)
  {
    Convert(c, length, out.Contrast);
  }
  if (out.Structure)
  {
    Convert(s, length, out.Structure);
  }
}

// SSIM = l^alpha c^beta s^gamma, keeping the signs of l and s, from the rows WriteComponents left in `lcs`.
template<typename TOutput>
void
CombineWithExponents(const double * lcs, std::size_t length, const Constants & constants, TOutput * ssim)
{
  const double * l = lcs;
  const double * c = lcs + length;
  const double * s = lcs + 2 * length;
  for (std::size_t i = 0; i < length; ++i)
  {
    ssim[i] = static_cast<TOutput>(SignedPower(l[i], constants.Alpha) * SignedPower(c[i], constants.Beta) *
                                   SignedPower(s[i], constants.Gamma));
  }
}

// The unfused path (component maps in part, or exponents other than one): the five moment rows are filtered along
// x into `horizontal`; the vertical rows in `vertical` are free afterwards and hold l, c and s.
template<typename TOutput>
double
FilterThenCombine(const Moments &            vertical,
                  const Moments &            horizontal,
                  const WeightsType &        wx,
                  std::size_t                width,
                  const Constants &          constants,
                  const OutputRow<TOutput> & out)
{
  const double * from[5] = { vertical.X, vertical.Y, vertical.XX, vertical.YY, vertical.XY };
  double *       to[5] = { horizontal.X, horizontal.Y, horizontal.XX, horizontal.YY, horizontal.XY };
  for (unsigned int c = 0; c < 5; ++c)
  {
    FilterRow(from[c], wx.data(), wx.size(), width, to[c]);
  }
  const bool unitExponents = constants.Alpha == 1.0 && constants.Beta == 1.0 && constants.Gamma == 1.0;
  if (unitExponents)
  {
    CombineUnitExponents<TOutput>(horizontal.X,
                                  horizontal.Y,
                                  horizontal.XX,
                                  horizontal.YY,
                                  horizontal.XY,
                                  width,
                                  constants.C1,
                                  constants.C2,
                                  out.SSIM);
  }
  if (out.Luminance || out.Contrast || out.Structure || !unitExponents)
  {
    WriteComponents(horizontal, width, constants, out, vertical.X);
    if (!unitExponents)
    {
      CombineWithExponents(vertical.X, width, constants, out.SSIM);
    }
  }
  return Sum(out.SSIM, width);
}

// Whether an output row has any component map.
template<typename TOutput>
bool
HasComponents(const OutputRow<TOutput> & out)
{
  return out.Luminance || out.Contrast || out.Structure;
}

// The window along x and the SSIM formula, from the MomentChannels moment rows of the other axes at `vertical`
// (padded width); `horizontal` is scratch for five rows of `width`.
template<typename TOutput>
double
HorizontalAndCombine(double *                   vertical,
                     double *                   horizontal,
                     const WeightsType &        wx,
                     std::size_t                width,
                     const Constants &          constants,
                     const OutputRow<TOutput> & out)
{
  const std::size_t padded = width + wx.size() - 1;
  if (MomentChannels(constants, HasComponents(out)) == 4)
  {
    return FilterAndCombine<TOutput, false, true>(
      MomentRows(vertical, padded, 4), wx.data(), wx.size(), width, constants.C1, constants.C2, out);
  }
  const Moments verticalRows = MomentRows(vertical, padded);
  const bool    unitExponents = constants.Alpha == 1.0 && constants.Beta == 1.0 && constants.Gamma == 1.0;
  const bool    allComponents = out.Luminance && out.Contrast && out.Structure;
  if (unitExponents && allComponents)
  {
    return FilterAndCombine<TOutput, true, false>(
      verticalRows, wx.data(), wx.size(), width, constants.C1, constants.C2, out);
  }
  return FilterThenCombine(verticalRows, MomentRows(horizontal, width), wx, width, constants, out);
}

} // namespace

unsigned int
MomentChannels(const Constants & constants, bool componentMaps)
{
  const bool unitExponents = constants.Alpha == 1.0 && constants.Beta == 1.0 && constants.Gamma == 1.0;
  return unitExponents && !componentMaps ? 4 : 5;
}

void
AccumulateMoments(const double * const * xRows,
                  const double * const * yRows,
                  const double *         rowWeights,
                  std::size_t            rowCount,
                  std::size_t            planes,
                  std::size_t            length,
                  unsigned int           channels,
                  double * const *       moments)
{
  const bool sum = channels == 4;
  if (planes == MomentPlaneGroup)
  {
    auto grouped = sum ? &PlaneMoments<MomentPlaneGroup, true> : &PlaneMoments<MomentPlaneGroup, false>;
    grouped(xRows, yRows, rowWeights, rowCount, length, moments);
    return;
  }
  auto single = sum ? &PlaneMoments<1, true> : &PlaneMoments<1, false>;
  for (std::size_t p = 0; p < planes; ++p)
  {
    single(xRows + p, yRows + p, rowWeights, rowCount, length, moments + p);
  }
}

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
  const std::size_t  paddedWidth = width + wx.size() - 1;
  const unsigned int channels = MomentChannels(constants, HasComponents(out));
  auto               vertical = channels == 4 ? &VerticalMoments<true> : &VerticalMoments<false>;
  vertical(xRows, yRows, rowWeights, rowCount, paddedWidth, MomentRows(scratch, paddedWidth, channels));
  return HorizontalAndCombine(scratch, scratch + 5 * paddedWidth, wx, width, constants, out);
}

template<typename TOutput>
double
ComputeRowsFromMoments(const double * const *     momentBlocks,
                       const double *             rowWeights,
                       std::size_t                taps,
                       std::size_t                rowCount,
                       const WeightsType &        wx,
                       std::size_t                width,
                       const Constants &          constants,
                       const OutputRow<TOutput> * out,
                       double *                   scratch)
{
  const std::size_t blockSize = MomentChannels(constants, HasComponents(out[0])) * (width + wx.size() - 1);
  double *          horizontal = scratch + rowCount * blockSize;
  std::size_t       row = 0;
  for (; row + MomentRowGroup <= rowCount; row += MomentRowGroup)
  {
    double * vertical[MomentRowGroup];
    for (unsigned int r = 0; r < MomentRowGroup; ++r)
    {
      vertical[r] = scratch + (row + r) * blockSize;
    }
    SumMomentBlocks<MomentRowGroup>(momentBlocks + row, rowWeights, taps, blockSize, vertical);
  }
  for (; row < rowCount; ++row)
  {
    double * vertical = scratch + row * blockSize;
    SumMomentBlocks<1>(momentBlocks + row, rowWeights, taps, blockSize, &vertical);
  }
  double sum = 0.0;
  for (row = 0; row < rowCount; ++row)
  {
    sum += HorizontalAndCombine(scratch + row * blockSize, horizontal, wx, width, constants, out[row]);
  }
  return sum;
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

template SSIMAutoencoder_EXPORT double
ComputeRowsFromMoments<float>(const double * const *,
                              const double *,
                              std::size_t,
                              std::size_t,
                              const WeightsType &,
                              std::size_t,
                              const Constants &,
                              const OutputRow<float> *,
                              double *);
template SSIMAutoencoder_EXPORT double
ComputeRowsFromMoments<double>(const double * const *,
                               const double *,
                               std::size_t,
                               std::size_t,
                               const WeightsType &,
                               std::size_t,
                               const Constants &,
                               const OutputRow<double> *,
                               double *);

} // namespace SSIMKernel
} // namespace itk
