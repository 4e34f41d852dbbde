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
#ifndef itkSegmentationEvaluation_h
#define itkSegmentationEvaluation_h

#include "itkImage.h"
#include "itkObject.h"
#include "itkObjectFactory.h"
#include "SSIMAutoencoderExport.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace itk {

/** \class SegmentationEvaluation
 * \brief Pixel- and image-level metrics of anomaly (residual) maps against ground-truth defect masks.
 *
 * Add one residual map (higher = more anomalous) and its ground-truth mask (non-zero = defect; an empty mask marks
 * a defect-free image) per test image with AddImage(), then Compute(). Images may differ in size; they are at
 * most three-dimensional, stored with x fastest.
 *
 * - Pixel ROC curve over all pixels of all images and its area (exact: every distinct score is a threshold, tied
 *   scores form one step, no binning; the area equals the Mann-Whitney statistic with ties counted one half, as
 *   scikit-learn's roc_auc_score).
 * - Per-region overlap (PRO): ground-truth regions are the 8-connected (26-connected in 3D) components of each
 *   mask. At a threshold t, the overlap of a region is the fraction of its pixels with score >= t (the ROC's
 *   convention); PRO(t) is the mean overlap over all regions of all images, plotted against the pixel
 *   false-positive rate. AUPRO@limit is the area under PRO(FPR) from 0 to `limit` (the curve is interpolated
 *   linearly at the limit) divided by the limit, as anomalib's AUPRO (limit 0.3 by default).
 * - Image ROC AUC, scoring each image by the largest value of its residual map smoothed with a Gaussian of
 *   ImageScoreSigma pixels (ImageGrid::GaussianBlur; 0, the default, scores the plain maximum); an image is
 *   defective when its mask is not empty. Smoothing makes the score an area-weighted peak, so that single-pixel
 *   spikes (borders, noise) weigh less than a defect of some extent.
 * - At a chosen threshold (pixels with residual > threshold are defect, connected predicted regions smaller than a
 *   minimum area dropped): mean per-region overlap, pixel precision and recall, and image accuracy on good and on
 *   defective images (an image is called defective when any pixel is predicted defective).
 *
 * \ingroup SSIMAutoencoder
 */
class SSIMAutoencoder_EXPORT SegmentationEvaluation : public Object
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(SegmentationEvaluation);

  using Self = SegmentationEvaluation;
  using Superclass = Object;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(SegmentationEvaluation, Object);

  using SizeType = std::array<std::size_t, 3>;

  /** One point of a curve: false-positive rate and true-positive rate (ROC) or per-region overlap (PRO), at the
   * threshold `Threshold` (score >= Threshold counts as defect). */
  struct CurvePoint
  {
    double FalsePositiveRate;
    double Value;
    double Threshold;
  };

  /** Metrics at one threshold. */
  struct ThresholdMetrics
  {
    double      Threshold{ 0.0 };
    std::size_t MinimumArea{ 0 };
    double      PerRegionOverlap{ 0.0 };
    double      PixelPrecision{ 0.0 };
    double      PixelRecall{ 0.0 };
    double      PixelFalsePositiveRate{ 0.0 };
    double      GoodImageAccuracy{ 0.0 };
    double      DefectiveImageAccuracy{ 0.0 };
    std::size_t GoodImages{ 0 };
    std::size_t DefectiveImages{ 0 };
  };

  /** Per image: its name, whether its mask has defects, its largest residual, and the number of its regions. */
  struct ImageRecord
  {
    std::string Name;
    bool        Defective{ false };
    double      MaximumScore{ 0.0 };
    double      ImageScore{ 0.0 };
    std::size_t Regions{ 0 };
    std::size_t DefectPixels{ 0 };
    std::size_t Pixels{ 0 };
  };

  /** Adds a residual map and its ground-truth mask (same size; non-zero = defect). NaN residuals are an error. */
  void
  AddImage(const Image<float, 2> * residual, const Image<unsigned char, 2> * mask, const std::string & name = "");
  void
  AddImage(const Image<float, 3> * residual, const Image<unsigned char, 3> * mask, const std::string & name = "");
#if !defined(ITK_WRAPPING_PARSER)
  /** The same for raw buffers of `size` (x, y, z; unused axes 1), x fastest. */
  void
  AddImage(const float * residual, const std::uint8_t * mask, const SizeType & size, const std::string & name = "");
#endif

  /** Forgets every image. */
  void
  Clear();

  /** Number of images added. */
  std::size_t
  GetNumberOfImages() const
  {
    return m_Images.size();
  }

#if !defined(ITK_WRAPPING_PARSER)
  /** Per-image records (C++ only: the structs of this class are not wrapped for Python). */
  const std::vector<ImageRecord> &
  GetImages() const
  {
    return m_Images;
  }
#endif

  /** Standard deviation in pixels of the Gaussian that smooths a residual map before its maximum is taken as the
   * image score; applies to images added afterwards. Default: 0 (plain maximum). */
  itkSetMacro(ImageScoreSigma, double);
  itkGetConstMacro(ImageScoreSigma, double);

  /** False-positive-rate limit of AUPRO. Default: 0.3. */
  itkSetMacro(PROLimit, double);
  itkGetConstMacro(PROLimit, double);

  /** Computes the curves and areas from the images added so far. Throws when there is no defect or no good pixel. */
  void
  Compute();

  /** Pixel ROC AUC. */
  itkGetConstMacro(PixelAUROC, double);
  /** Area under PRO(FPR) up to the limit, divided by the limit. */
  itkGetConstMacro(AUPRO, double);
  /** Image ROC AUC from the image scores; NaN when all images are good or all defective. */
  itkGetConstMacro(ImageAUROC, double);

#if !defined(ITK_WRAPPING_PARSER)
  // C++ only: curves, thresholded metrics and helpers use structs and raw buffers that are not wrapped for Python.
  /** Every distinct threshold of the pixel ROC, from the highest score down (starts at FPR = TPR = 0). */
  const std::vector<CurvePoint> &
  GetROCCurve() const
  {
    return m_ROCCurve;
  }
  /** PRO against FPR at every distinct threshold (starts at 0, 0). */
  const std::vector<CurvePoint> &
  GetPROCurve() const
  {
    return m_PROCurve;
  }

  /** Metrics at a threshold (pixels with residual > threshold), dropping predicted regions below `minimumArea`. */
  ThresholdMetrics
  EvaluateThreshold(double threshold, std::size_t minimumArea = 0) const;

  /** Whether each pixel of image `index` is predicted defective at the threshold (after the minimum-area rule). */
  std::vector<std::uint8_t>
  PredictedMask(std::size_t index, double threshold, std::size_t minimumArea = 0) const;

  /** Exact ROC AUC of scores with binary labels (ties one half). Throws if a class is empty. */
  static double
  ROCAUC(const std::vector<double> & scores, const std::vector<std::uint8_t> & labels);
#endif

  /** Labels the connected components of a binary mask (8-connected in 2D, 26 in 3D); 0 = background, 1..n in the
   * order of each component's first pixel (x fastest). Returns n. The same as DefectRegions::Label (not useful from
   * Python). */
  static std::size_t
  LabelComponents(const std::uint8_t * mask, const SizeType & size, std::vector<std::uint32_t> & labels);

protected:
  SegmentationEvaluation() = default;
  ~SegmentationEvaluation() override = default;

  void
  PrintSelf(std::ostream & os, Indent indent) const override;

private:
  struct StoredImage
  {
    SizeType                   Size;
    std::vector<float>         Scores;
    std::vector<std::uint32_t> Regions;     // 0: good pixel; otherwise the 1-based region index within this image
    std::size_t                FirstRegion; // offset of this image's regions in the global region list
  };

  /** A pixel of all images: its score and 0 (good) or its global region index + 1. */
  struct ScoredPixel
  {
    float         Score;
    std::uint32_t Region;
  };

  /** Every pixel of every image, from the highest score down. */
  std::vector<ScoredPixel>
  SortedPixels() const;

  /** The pixel ROC and PRO curves and their areas from the sorted pixels and their class counts. */
  void
  ComputePixelCurves(const std::vector<ScoredPixel> & pixels, std::uint64_t positives, std::uint64_t negatives);

  /** The image ROC AUC from the image scores; NaN when all images are of one class. */
  double
  ComputeImageAUROC() const;

  std::vector<StoredImage> m_Stored;
  std::vector<ImageRecord> m_Images;
  std::vector<std::size_t> m_RegionSizes;
  double                   m_PROLimit{ 0.3 };
  double                   m_ImageScoreSigma{ 0.0 };
  double                   m_PixelAUROC{ 0.0 };
  double                   m_AUPRO{ 0.0 };
  double                   m_ImageAUROC{ 0.0 };
  std::vector<CurvePoint>  m_ROCCurve;
  std::vector<CurvePoint>  m_PROCurve;
};

} // namespace itk

#endif
