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
#ifndef itkSSIMImageFilter_h
#define itkSSIMImageFilter_h

#include "itkImageToImageFilter.h"
#include "itkSSIMKernel.h"
#include "SSIMAutoencoderExport.h"

#include <array>
#include <atomic>
#include <mutex>
#include <string>

namespace itk {

/** \class SSIMImageFilterEnums
 * \brief Window choices of SSIMImageFilter.
 * \ingroup SSIMAutoencoder
 */
class SSIMAutoencoder_EXPORT SSIMImageFilterEnums
{
public:
  /** Gaussian: taps exp(-k^2 / 2 sigma^2), normalised (Wang et al.). Uniform: equal taps over a K^N box. */
  enum class Window : uint8_t
  {
    Gaussian = 0,
    Uniform = 1
  };

  /** The stable name of a window kind ("gaussian", "uniform"; the names of the command line), "unknown" for a value
   * outside the enumeration. */
  static const char *
  ToString(Window value);

#if !defined(ITK_WRAPPING_PARSER)
  /** The window kind named `name` (as ToString spells it); false, and `value` unchanged, for an unknown name. */
  static bool
  FromString(const std::string & name, Window & value);
#endif
};

/** Prints SSIMImageFilterEnums::ToString(value). */
extern SSIMAutoencoder_EXPORT std::ostream &
                              operator<<(std::ostream & out, const SSIMImageFilterEnums::Window value);

/** \class SSIMImageFilter
 * \brief Structural similarity (SSIM) map of two images, with its luminance, contrast and structure maps.
 *
 * For every pixel, local weighted statistics of the two inputs x and y over a window centred on the pixel
 * (means mu, variances sigma^2 and covariance sigma_xy, population normalisation) give
 * \f[
 *   l = \frac{2\mu_x\mu_y + C_1}{\mu_x^2 + \mu_y^2 + C_1},\quad
 *   c = \frac{2\sigma_x\sigma_y + C_2}{\sigma_x^2 + \sigma_y^2 + C_2},\quad
 *   s = \frac{\sigma_{xy} + C_3}{\sigma_x\sigma_y + C_3},\quad
 *   \mathrm{SSIM} = l^\alpha c^\beta s^\gamma,
 * \f]
 * with \f$C_1 = (K_1 L)^2\f$, \f$C_2 = (K_2 L)^2\f$, \f$C_3 = C_2 / 2\f$ (Wang et al. 2004). With
 * \f$\alpha = \beta = \gamma = 1\f$ this is
 * \f$\frac{(2\mu_x\mu_y + C_1)(2\sigma_{xy} + C_2)}{(\mu_x^2 + \mu_y^2 + C_1)(\sigma_x^2 + \sigma_y^2 + C_2)}\f$,
 * in [-1, 1] and 1 exactly where the images agree. For other exponents, l and s keep their sign:
 * \f$\mathrm{sign}(s)|s|^\gamma\f$.
 *
 * The "c1 = 0.01, c2 = 0.03" of Bergmann et al. (VISAPP 2019) are K1 and K2 here, not C1 and C2.
 *
 * Defaults follow Wang et al. and scikit-image's `structural_similarity(gaussian_weights=True, sigma=1.5,
 * use_sample_covariance=False)`: Gaussian window with sigma 1.5 and 11 taps per axis, K1 = 0.01, K2 = 0.03,
 * L = 1 for floating-point pixels and max - min of the pixel type for integer pixels.
 *
 * Border rule: samples outside the image are mirrored about the border with the edge sample repeated
 * (d c b a | a b c d | d c b a), as scipy.ndimage's "reflect" mode used by scikit-image, so the maps agree with
 * scikit-image's full map everywhere, not only in the interior.
 *
 * Outputs: 0 the SSIM map (GetOutput()), 1 luminance, 2 contrast, 3 structure (empty unless
 * ComputeComponentMaps is on, the default). GetMeanSSIM() is the mean of
 * the SSIM map over the output region computed by the last Update() (the whole image unless streamed).
 *
 * Local moments are accumulated in double precision; the work is split over threads and, through the
 * padded input requested region, over streamed pieces. Images of one to three dimensions are supported.
 * Input of NaN raises an exception after the update.
 *
 * \ingroup SSIMAutoencoder
 */
template<typename TInputImage, typename TOutputImage = Image<float, TInputImage::ImageDimension>>
class ITK_TEMPLATE_EXPORT SSIMImageFilter : public ImageToImageFilter<TInputImage, TOutputImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(SSIMImageFilter);

  using Self = SSIMImageFilter;
  using Superclass = ImageToImageFilter<TInputImage, TOutputImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(SSIMImageFilter, ImageToImageFilter);

  static constexpr unsigned int ImageDimension = TInputImage::ImageDimension;

  using InputImageType = TInputImage;
  using InputPixelType = typename TInputImage::PixelType;
  using OutputImageType = TOutputImage;
  using OutputPixelType = typename TOutputImage::PixelType;
  using OutputImageRegionType = typename TOutputImage::RegionType;

  using WindowEnum = SSIMImageFilterEnums::Window;

  static_assert(ImageDimension >= 1 && ImageDimension <= 3, "SSIMImageFilter supports 1, 2 and 3 dimensions");
  static_assert(std::is_same<OutputPixelType, float>::value || std::is_same<OutputPixelType, double>::value,
                "SSIMImageFilter writes float or double maps");

  /** The two images to compare; they must have the same size. */
  void
  SetInput1(const TInputImage * image);
  void
  SetInput2(const TInputImage * image);
  const TInputImage *
  GetInput1() const;
  const TInputImage *
  GetInput2() const;

  /** Window shape. Default: Gaussian. */
  itkSetEnumMacro(Window, WindowEnum);
  itkGetConstMacro(Window, WindowEnum);

  /** Taps per axis, odd. Default: 11 (Wang et al.'s 11x11 window). */
  itkSetMacro(WindowSize, unsigned int);
  itkGetConstMacro(WindowSize, unsigned int);

  /** Standard deviation of the Gaussian window in pixels. Default: 1.5. */
  itkSetMacro(GaussianSigma, double);
  itkGetConstMacro(GaussianSigma, double);

  /** K1 of C1 = (K1 L)^2. Default: 0.01. */
  itkSetMacro(K1, double);
  itkGetConstMacro(K1, double);

  /** K2 of C2 = (K2 L)^2. Default: 0.03. */
  itkSetMacro(K2, double);
  itkGetConstMacro(K2, double);

  /** Dynamic range L of the pixel values. Default: 1 for floating point, max - min of integer pixel types. */
  itkSetMacro(DynamicRange, double);
  itkGetConstMacro(DynamicRange, double);

  /** Exponents of luminance, contrast and structure. Default: 1, 1, 1. */
  itkSetMacro(LuminanceExponent, double);
  itkGetConstMacro(LuminanceExponent, double);
  itkSetMacro(ContrastExponent, double);
  itkGetConstMacro(ContrastExponent, double);
  itkSetMacro(StructureExponent, double);
  itkGetConstMacro(StructureExponent, double);

  /** Whether outputs 1-3 (luminance, contrast, structure) are computed. When off, they are left empty and the SSIM
   * map alone is computed, which is faster. Default: on. */
  itkSetMacro(ComputeComponentMaps, bool);
  itkGetConstMacro(ComputeComponentMaps, bool);
  itkBooleanMacro(ComputeComponentMaps);

  /** Mean of the SSIM map computed by the last update. */
  itkGetConstMacro(MeanSSIM, double);

  /** The component maps (outputs 1, 2 and 3). */
  TOutputImage *
  GetLuminanceOutput();
  TOutputImage *
  GetContrastOutput();
  TOutputImage *
  GetStructureOutput();

  /** Radius of the window in pixels: (WindowSize - 1) / 2. */
  unsigned int
  GetWindowRadius() const
  {
    return m_WindowSize / 2;
  }

protected:
  SSIMImageFilter();
  ~SSIMImageFilter() override = default;

  void
  PrintSelf(std::ostream & os, Indent indent) const override;

  void
  VerifyPreconditions() ITKv5_CONST override;

  void
  VerifyInputInformation() ITKv5_CONST override;

  void
  GenerateInputRequestedRegion() override;

  void
  AllocateOutputs() override;

  void
  BeforeThreadedGenerateData() override;

  /** As ImageSource's, but a volume is split into fewer, thicker slabs of slices (WorkUnitsFor). */
  void
  GenerateData() override;

  /** Work units for a region: the filter's NumberOfWorkUnits for images; for a volume at most one slab per thread
   * unless the slabs stay at least four windows thick, because every slab reads and converts `2 r` padding slices
   * more. */
  ThreadIdType
  WorkUnitsFor(const OutputImageRegionType & region) const;

  void
  DynamicThreadedGenerateData(const OutputImageRegionType & outputRegion) override;

  /** Computes the maps in `outputRegion` (a work unit, or a strip of one along axis 1 for a volume). */
  void
  GenerateStrip(const OutputImageRegionType & outputRegion, IndexValueType radius);

  void
  AfterThreadedGenerateData() override;

private:
  /** Window taps along one axis for the current settings. */
  SSIMKernel::WeightsType
  MakeWindowWeights() const;

  /** C1, C2 and the exponents for the current settings. */
  SSIMKernel::Constants
  MakeKernelConstants() const;

  /** The SSIM map and, when ComputeComponentMaps is on, the luminance, contrast and structure maps; else null. */
  std::array<TOutputImage *, 4>
  GetComputedOutputs();

  /** Adds the SSIM sum and the NaN flag of one threaded region and reports its progress. */
  void
  AddRegionResult(double sum, bool foundNaN, SizeValueType pixels);

  WindowEnum   m_Window{ WindowEnum::Gaussian };
  unsigned int m_WindowSize{ 11 };
  double       m_GaussianSigma{ 1.5 };
  double       m_K1{ 0.01 };
  double       m_K2{ 0.03 };
  double       m_DynamicRange{ 1.0 };
  double       m_LuminanceExponent{ 1.0 };
  double       m_ContrastExponent{ 1.0 };
  double       m_StructureExponent{ 1.0 };
  bool         m_ComputeComponentMaps{ true };
  double       m_MeanSSIM{ 0.0 };

  double            m_SSIMSum{ 0.0 };
  std::mutex        m_SumMutex;
  std::atomic<bool> m_FoundNaN{ false };
};

} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#include "itkSSIMImageFilter.hxx"
#endif

#endif
