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
#ifndef itkResidualSegmentationFilter_h
#define itkResidualSegmentationFilter_h

#include "itkImageToImageFilter.h"
#include "itkProgressAccumulator.h"
#include "itkSSIMImageFilter.h"
#include "SSIMAutoencoderExport.h"

#include <string>

namespace itk {

/** \class ResidualSegmentationFilterEnums
 * \brief Residual kinds of ResidualSegmentationFilter.
 * \ingroup SSIMAutoencoder
 */
class SSIMAutoencoder_EXPORT ResidualSegmentationFilterEnums
{
public:
  /** SSIM: 1 - SSIM(image, reconstruction). L2: ((image - reconstruction) / L)^2 per pixel. Model: input 1 is not a
   * reconstruction but the residual map a model computes itself (AutoencoderReconstructionFilter with
   * ModelResidualOn(), e.g. the reconstruction probability of a variational model), used as it is. Any further
   * kind of model residual comes through Model without a new filter. */
  enum class Residual : uint8_t
  {
    SSIM = 0,
    L2 = 1,
    Model = 2
  };

  /** The stable name of a residual kind ("ssim", "l2", "model"; the names stored in model metadata), "unknown" for
   * a value outside the enumeration. */
  static const char *
  ToString(Residual value);

#if !defined(ITK_WRAPPING_PARSER)
  /** The residual kind named `name` (as ToString spells it); false, and `value` unchanged, for an unknown name. */
  static bool
  FromString(const std::string & name, Residual & value);
#endif
};

/** Prints ResidualSegmentationFilterEnums::ToString(value). */
extern SSIMAutoencoder_EXPORT std::ostream &
                              operator<<(std::ostream & out, const ResidualSegmentationFilterEnums::Residual value);

/** \class ResidualSegmentationFilter
 * \brief Defect segmentation from an image and its autoencoder reconstruction.
 *
 * Input 0 is the image, input 1 its reconstruction (or, with the Model residual, the model's own residual map): on
 * the image's grid, or on another grid of the same physical
 * extent (the output of AutoencoderReconstructionFilter for a model with an ImageScale other than 1). In the
 * second case the image is resampled onto the reconstruction's grid (ImageGrid::Resample, anti-aliased), the
 * residual is computed there, so that the SSIM window has the size the model was trained with, and the residual is
 * interpolated back (linearly) onto the image's grid, where the labels are made; masks are thus compared at their
 * native resolution. The residual map is 1 - SSIM (an internal
 * SSIMImageFilter with the window settings below) or the squared difference scaled by the dynamic range L; pixels
 * whose residual exceeds Threshold are defects, and connected defect regions (8-connected in 2D, 26 in 3D) smaller
 * than MinimumDefectArea pixels are dropped.
 *
 * Output 0 (GetOutput()): label map, 0 good, 1 defect. Output 1 (GetResidualOutput()): the residual map, float.
 *
 * DynamicRange is L of SSIM's constants and of the l2 scaling; set it to the intensity range of the images
 * (the model's IntensityMaximum - IntensityMinimum). Default: 1.
 *
 * The whole image is processed at once (connected regions need it).
 *
 * \ingroup SSIMAutoencoder
 */
template<typename TInputImage, typename TOutputImage = Image<unsigned char, TInputImage::ImageDimension>>
class ITK_TEMPLATE_EXPORT ResidualSegmentationFilter : public ImageToImageFilter<TInputImage, TOutputImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(ResidualSegmentationFilter);

  using Self = ResidualSegmentationFilter;
  using Superclass = ImageToImageFilter<TInputImage, TOutputImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(ResidualSegmentationFilter, ImageToImageFilter);

  static constexpr unsigned int ImageDimension = TInputImage::ImageDimension;
  static_assert(ImageDimension == 2 || ImageDimension == 3, "2D images or 3D volumes");
  using ResidualImageType = Image<float, ImageDimension>;
  using ResidualEnum = ResidualSegmentationFilterEnums::Residual;
  using DataObjectPointerArraySizeType = ProcessObject::DataObjectPointerArraySizeType;

  /** The image (input 0) and its reconstruction (input 1). */
  void
  SetInput1(const TInputImage * image)
  {
    this->SetNthInput(0, const_cast<TInputImage *>(image));
  }
  void
  SetInput2(const TInputImage * reconstruction)
  {
    this->SetNthInput(1, const_cast<TInputImage *>(reconstruction));
  }

  /** Residual kind. Default: SSIM. */
  itkSetEnumMacro(Residual, ResidualEnum);
  itkGetConstMacro(Residual, ResidualEnum);

  /** Residual above this value is a defect. Default: 0.5. */
  itkSetMacro(Threshold, double);
  itkGetConstMacro(Threshold, double);

  /** Connected defect regions with fewer pixels are dropped. Default: 0 (keep all). */
  itkSetMacro(MinimumDefectArea, SizeValueType);
  itkGetConstMacro(MinimumDefectArea, SizeValueType);

  /** Dynamic range L. Default: 1. */
  itkSetMacro(DynamicRange, double);
  itkGetConstMacro(DynamicRange, double);

  /** SSIM window, forwarded to SSIMImageFilter. Defaults: Gaussian, 11 taps, sigma 1.5, K1 0.01, K2 0.03. */
  itkSetEnumMacro(Window, SSIMImageFilterEnums::Window);
  itkGetConstMacro(Window, SSIMImageFilterEnums::Window);
  itkSetMacro(WindowSize, unsigned int);
  itkGetConstMacro(WindowSize, unsigned int);
  itkSetMacro(GaussianSigma, double);
  itkGetConstMacro(GaussianSigma, double);
  itkSetMacro(K1, double);
  itkGetConstMacro(K1, double);
  itkSetMacro(K2, double);
  itkGetConstMacro(K2, double);

  /** The residual map (output 1). */
  ResidualImageType *
  GetResidualOutput();

  using Superclass::MakeOutput;
  DataObject::Pointer
  MakeOutput(DataObjectPointerArraySizeType index) override;

protected:
  ResidualSegmentationFilter();
  ~ResidualSegmentationFilter() override = default;

  void
  PrintSelf(std::ostream & os, Indent indent) const override;

  void
  VerifyPreconditions() ITKv5_CONST override;

  void
  VerifyInputInformation() ITKv5_CONST override;

  void
  GenerateInputRequestedRegion() override;

  void
  EnlargeOutputRequestedRegion(DataObject * output) override;

  void
  GenerateData() override;

private:
  /** The residual map on the image's grid, computed on the reconstruction's grid when that differs. */
  void
  ComputeResidualOnImageGrid(const TInputImage *   image,
                             const TInputImage *   reconstruction,
                             ResidualImageType *   residual,
                             ProgressAccumulator * progress);

  /** The residual of two images on one grid. */
  typename ResidualImageType::Pointer
  ComputeResidual(const ResidualImageType * image,
                  const ResidualImageType * reconstruction,
                  ProgressAccumulator *     progress);

  ResidualEnum                 m_Residual{ ResidualEnum::SSIM };
  double                       m_Threshold{ 0.5 };
  SizeValueType                m_MinimumDefectArea{ 0 };
  double                       m_DynamicRange{ 1.0 };
  SSIMImageFilterEnums::Window m_Window{ SSIMImageFilterEnums::Window::Gaussian };
  unsigned int                 m_WindowSize{ 11 };
  double                       m_GaussianSigma{ 1.5 };
  double                       m_K1{ 0.01 };
  double                       m_K2{ 0.03 };
};

} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#include "itkResidualSegmentationFilter.hxx"
#endif

#endif
