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
#ifndef ssimaeEvaluate_h
#define ssimaeEvaluate_h

#include "ssimaeImageIO.h"

#include "itkAutoencoderModel.h"

#include <string>
#include <vector>

namespace ssimae {

/** One labelled test image: its mask is empty for a defect-free image; Residual optionally names a precomputed
 * residual map. A volume's slices along Axis are test images of their own (Slice >= 0; the mask and residual files
 * are then volumes of the same size, cut the same way). */
struct TestCase
{
  std::string  Image;
  std::string  Mask;
  std::string  Residual;
  std::string  Category;
  long long    Slice{ -1 };
  unsigned int Axis{ 2 };
};

/** The case's image file, with "[axis A slice K]" for a slice of a volume. */
std::string
CaseName(const TestCase & testCase);

/** Test cases of a data set in MVTec AD layout (DIR/test/<category>/..., DIR/ground_truth/<category>/*_mask.png). */
std::vector<TestCase>
ReadMVTecLayout(const std::string & root);

/** Test cases of a CSV manifest: image,mask[,residual] per line. */
std::vector<TestCase>
ReadManifest(const std::string & path);

/** The residual the blur reference is scored with for a model scored with `residual`: the same, but l2 for a model's
 * own residual ("model"): a blur has no latent distribution, and the Gaussian negative log-likelihood of a variational
 * model's decoder with one variance is an increasing affine function of the squared difference, so for a blur it
 * ranks pixels (ROC, PRO) exactly as l2 does. */
std::string
ReferenceResidual(const std::string & residual);

/** Residual maps of test images: read from the case's residual file, or computed with a model (reconstruction,
 * then 1 - SSIM or the squared difference). Keeps every map for later use by index. */
class ResidualSource
{
public:
  ResidualSource(const std::string & modelPath,
                 const std::string & residual,
                 unsigned int        stride,
                 unsigned int        windowSize = 11);
  ~ResidualSource();
  ResidualSource(const ResidualSource &) = delete;
  ResidualSource &
  operator=(const ResidualSource &) = delete;

  FloatImage2::Pointer
  Compute(const FloatImage2 * image, const TestCase & testCase);

  /** The map computed for the i-th call of Compute(). */
  FloatImage2::Pointer
  Cached(std::size_t index) const
  {
    return m_Cache.at(index);
  }

  /** The blur reference's residual map of an image (see BlurReconstruction): the same residual (l2 for a model's own
   * residual, see ReferenceResidual), window and model grid as Compute(), with a Gaussian blur of `sigma` pixels in
   * place of the network. */
  FloatImage2::Pointer
  Reference(const FloatImage2 * image, double sigma) const;

  /** The model, or null when the residual maps are read from files. */
  const itk::AutoencoderModel *
  GetModel() const;
  const std::string &
  GetModelPath() const
  {
    return m_ModelPath;
  }

  /** The residual kind in use: as given, else the model's calibrated one, else DefaultResidual (ssim without a
   * model). */
  const std::string &
  GetResidual() const
  {
    return m_Residual;
  }

  /** The model's calibrated threshold; NaN without a model or calibration. */
  double
  ModelThreshold() const;

private:
  struct Model;
  std::string                       m_ModelPath;
  std::string                       m_Residual;
  unsigned int                      m_Stride;
  unsigned int                      m_WindowSize;
  Model *                           m_Model{ nullptr };
  std::vector<FloatImage2::Pointer> m_Cache;
  /** The slices of the last residual volume read (its cases come one slice after the other). */
  std::string                       m_SlicedFile;
  std::vector<FloatImage2::Pointer> m_FileSlices;
};

} // namespace ssimae

#endif
