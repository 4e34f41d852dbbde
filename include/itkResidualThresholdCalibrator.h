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
#ifndef itkResidualThresholdCalibrator_h
#define itkResidualThresholdCalibrator_h

#include "itkImage.h"
#include "itkObject.h"
#include "itkObjectFactory.h"
#include "SSIMAutoencoderExport.h"

#include <array>
#include <string>
#include <vector>

namespace itk {

/** \class ResidualThresholdCalibratorEnums
 * \brief Calibration rules of ResidualThresholdCalibrator.
 * \ingroup SSIMAutoencoder
 */
class SSIMAutoencoder_EXPORT ResidualThresholdCalibratorEnums
{
public:
  /** Percentile: that percentile of all validation residuals (linear interpolation between order statistics, as
   * numpy.percentile). Maximum: the largest validation residual. MinimumArea: the MVTec AD rule, the smallest
   * threshold at which no validation image has a connected region of residual > threshold with MinimumDefectArea
   * pixels or more. */
  enum class Rule : uint8_t
  {
    Percentile = 0,
    Maximum = 1,
    MinimumArea = 2
  };

  /** The stable name of a rule ("percentile", "max", "min-area"; the names of the command line and of
   * ResidualThresholdCalibrator::Describe in model metadata), "unknown" for a value outside the enumeration. */
  static const char *
  ToString(Rule value);

#if !defined(ITK_WRAPPING_PARSER)
  /** The rule named `name` (as ToString spells it); false, and `value` unchanged, for an unknown name. */
  static bool
  FromString(const std::string & name, Rule & value);
#endif
};

/** Prints ResidualThresholdCalibratorEnums::ToString(value). */
extern SSIMAutoencoder_EXPORT std::ostream &
                              operator<<(std::ostream & out, const ResidualThresholdCalibratorEnums::Rule value);

/** \class ResidualThresholdCalibrator
 * \brief Chooses the defect threshold from residual maps of defect-free validation images only.
 *
 * Add the residual maps (x fastest; 2D or 3D) with AddResidualMap(), pick a rule, and Compute() returns the
 * threshold (store it with AutoencoderModel::SetThreshold). With the minimum-area rule, segment with the same
 * minimum area (ResidualSegmentationFilter::SetMinimumDefectArea) so the validation images come out clean.
 * Regions are 8-connected in 2D and 26-connected in 3D.
 *
 * \ingroup SSIMAutoencoder
 */
class SSIMAutoencoder_EXPORT ResidualThresholdCalibrator : public Object
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(ResidualThresholdCalibrator);

  using Self = ResidualThresholdCalibrator;
  using Superclass = Object;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(ResidualThresholdCalibrator, Object);

  using RuleEnum = ResidualThresholdCalibratorEnums::Rule;
  using SizeType = std::array<std::size_t, 3>;

  /** Rule. Default: Percentile. */
  itkSetEnumMacro(Rule, RuleEnum);
  itkGetConstMacro(Rule, RuleEnum);
  /** Percentile in [0, 100] for the percentile rule. Default: 99.5. */
  itkSetMacro(Percentile, double);
  itkGetConstMacro(Percentile, double);
  /** Minimum defect area in pixels for the minimum-area rule. Default: 50. */
  itkSetMacro(MinimumDefectArea, std::size_t);
  itkGetConstMacro(MinimumDefectArea, std::size_t);

  /** Adds the residual map of a defect-free validation image. NaN values are an error. */
  void
  AddResidualMap(const Image<float, 2> * residual);
  void
  AddResidualMap(const Image<float, 3> * residual);
#if !defined(ITK_WRAPPING_PARSER)
  /** The same for a raw buffer of `size` (x, y, z; unused axes 1), x fastest. */
  void
  AddResidualMap(const float * residual, const SizeType & size);
#endif
  void
  Clear();
  std::size_t
  GetNumberOfMaps() const
  {
    return m_Maps.size();
  }

  /** The threshold by the chosen rule. Throws without maps or with an invalid setting. */
  double
  Compute() const;

  /** A short text naming the rule and its parameter, e.g. "percentile 99.5", for model metadata. */
  std::string
  Describe() const;

  /** Largest connected region (pixels) with residual > threshold over all maps. */
  std::size_t
  LargestRegion(double threshold) const;

protected:
  ResidualThresholdCalibrator() = default;
  ~ResidualThresholdCalibrator() override = default;

  void
  PrintSelf(std::ostream & os, Indent indent) const override;

private:
  struct Map
  {
    SizeType           Size;
    std::vector<float> Values;
  };
  std::vector<Map> m_Maps;
  RuleEnum         m_Rule{ RuleEnum::Percentile };
  double           m_Percentile{ 99.5 };
  std::size_t      m_MinimumDefectArea{ 50 };
};

} // namespace itk

#endif
