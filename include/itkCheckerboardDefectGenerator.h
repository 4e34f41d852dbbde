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
#ifndef itkCheckerboardDefectGenerator_h
#define itkCheckerboardDefectGenerator_h

#include "itkImage.h"
#include "itkObject.h"
#include "itkObjectFactory.h"
#include "SSIMAutoencoderExport.h"

namespace itk {

/** \class CheckerboardDefectGenerator
 * \brief The toy problem of Bergmann et al.'s Figure 3: checkerboard textures, and test images with grey strokes
 * and dots as defects, with their ground-truth masks.
 *
 * Every image is a checkerboard of dark and bright cells (default grey values 60 and 190) with a random cell size
 * in [MinimumCellSize, MaximumCellSize] pixels and a random orientation in [0, MaximumAngle] degrees, anti-aliased
 * (4 x 4 supersampling) and with Gaussian noise. Defect images add NumberOfDefects strokes and dots painted in
 * DefectGrey (default 125, between the two cell values, so their mean grey value is close to the texture's and a
 * per-pixel l2 residual hardly sees them while their structure differs). Image i of a kind depends only on (Seed, i).
 *
 * \ingroup SSIMAutoencoder
 */
class SSIMAutoencoder_EXPORT CheckerboardDefectGenerator : public Object
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(CheckerboardDefectGenerator);

  using Self = CheckerboardDefectGenerator;
  using Superclass = Object;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(CheckerboardDefectGenerator, Object);

  using ImageType = Image<float, 2>;
  using MaskType = Image<unsigned char, 2>;

  /** Image width and height. Default: 128 x 128. */
  itkSetMacro(Width, unsigned int);
  itkGetConstMacro(Width, unsigned int);
  itkSetMacro(Height, unsigned int);
  itkGetConstMacro(Height, unsigned int);
  /** Seed. Default: 0. */
  itkSetMacro(Seed, unsigned int);
  itkGetConstMacro(Seed, unsigned int);
  /** Cell side range in pixels. Default: 6 to 10. */
  itkSetMacro(MinimumCellSize, double);
  itkGetConstMacro(MinimumCellSize, double);
  itkSetMacro(MaximumCellSize, double);
  itkGetConstMacro(MaximumCellSize, double);
  /** Largest rotation in degrees. Default: 90. */
  itkSetMacro(MaximumAngle, double);
  itkGetConstMacro(MaximumAngle, double);
  /** Grey values of the cells and of the defects. Defaults: 60, 190, 125. */
  itkSetMacro(Dark, double);
  itkGetConstMacro(Dark, double);
  itkSetMacro(Bright, double);
  itkGetConstMacro(Bright, double);
  itkSetMacro(DefectGrey, double);
  itkGetConstMacro(DefectGrey, double);
  /** Standard deviation of the added noise. Default: 4. */
  itkSetMacro(NoiseSigma, double);
  itkGetConstMacro(NoiseSigma, double);
  /** Strokes and dots per defect image. Default: 3. */
  itkSetMacro(NumberOfDefects, unsigned int);
  itkGetConstMacro(NumberOfDefects, unsigned int);

  /** The index-th defect-free texture. */
  ImageType::Pointer
  MakeTexture(unsigned int index) const;

  /** The index-th defect image and its mask (1 = defect). */
  ImageType::Pointer
  MakeDefectImage(unsigned int index) const;
  MaskType::Pointer
  MakeDefectMask(unsigned int index) const;
#if !defined(ITK_WRAPPING_PARSER)
  /** Both at once. */
  void
  MakeDefectImage(unsigned int index, ImageType::Pointer & image, MaskType::Pointer & mask) const;
#endif

protected:
  CheckerboardDefectGenerator() = default;
  ~CheckerboardDefectGenerator() override = default;

  void
  PrintSelf(std::ostream & os, Indent indent) const override;

private:
  ImageType::Pointer
  Texture(unsigned long long stream) const;

  unsigned int m_Width{ 128 };
  unsigned int m_Height{ 128 };
  unsigned int m_Seed{ 0 };
  double       m_MinimumCellSize{ 6.0 };
  double       m_MaximumCellSize{ 10.0 };
  double       m_MaximumAngle{ 90.0 };
  double       m_Dark{ 60.0 };
  double       m_Bright{ 190.0 };
  double       m_DefectGrey{ 125.0 };
  double       m_NoiseSigma{ 4.0 };
  unsigned int m_NumberOfDefects{ 3 };
};

} // namespace itk

#endif
