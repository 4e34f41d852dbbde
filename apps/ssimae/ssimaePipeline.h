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
#ifndef ssimaePipeline_h
#define ssimaePipeline_h

#include "ssimaeImageIO.h"

#include "itkAutoencoderModel.h"

#include <string>

namespace ssimae {

/** Reconstruction of a 2D image with a model (AutoencoderReconstructionFilter). CommandError on failure, naming
 * `path` (the image's file) when given. */
FloatImage2::Pointer
ReconstructImage(const FloatImage2 *     image,
                 itk::AutoencoderModel * model,
                 unsigned int            stride,
                 unsigned int            batch,
                 const std::string &     path = "");

/** The model's own residual map of a 2D image (AutoencoderReconstructionFilter with ModelResidualOn: the negative
 * log reconstruction probability of a variational model), on the model's grid. CommandError on failure. */
FloatImage2::Pointer
ModelResidualImage(const FloatImage2 *     image,
                   itk::AutoencoderModel * model,
                   unsigned int            stride,
                   unsigned int            batch,
                   const std::string &     path = "");

/** Residual kinds: "ssim" (1 - SSIM of image and reconstruction), "l2" (squared difference), "model" (the model's
 * own residual, variational models only). */
constexpr const char * ResidualChoices = "ssim, l2 or model";

/** The residual a model is scored with unless told otherwise: "model" for a variational model (its reconstruction
 * probability), "ssim" for models trained with an SSIM loss, "l2" for the others (l2, l1, feature matching), as in
 * the paper. */
std::string
DefaultResidual(const itk::AutoencoderModel & model);

/** Checks a residual kind by name against the model (CommandError for "model" with a model that has no residual of
 * its own, UsageError for an unknown name). */
void
RequireResidualFits(const std::string & residual, const itk::AutoencoderModel & model, const std::string & modelPath);

/** The residual to score a model with: `given` when not empty, else the one the model was calibrated with, else
 * DefaultResidual; checked with RequireResidualFits. */
std::string
ChooseResidual(const std::string & given, const itk::AutoencoderModel & model, const std::string & modelPath);

/** Stores a calibration in the model: its threshold, the rule that chose it (described) and the residual it was
 * chosen on (read back by ChooseResidual). */
void
StoreCalibration(itk::AutoencoderModel & model,
                 double                  threshold,
                 const std::string &     rule,
                 const std::string &     residual);

/** Residual map on the image's grid of an image scored by a model: reconstruction and 1 - SSIM or l2, or the model's
 * own residual. */
FloatImage2::Pointer
ScoreImage(const FloatImage2 *     image,
           itk::AutoencoderModel * model,
           const std::string &     residual,
           unsigned int            stride,
           const std::string &     path,
           unsigned int            windowSize = 11);

/** L of the residual for `image`: the width of the intensity range the model maps to [0, 1] (its own range, or
 * the image's for per-image normalisation). Without a model: the image's own range. */
double
DynamicRange(const FloatImage2 * image, const itk::AutoencoderModel * model);

/** Residual map on the image's grid of an image and its reconstruction (which may lie on the scaled grid of the
 * model), or of the model's own residual map for "model". */
FloatImage2::Pointer
ResidualMap(const FloatImage2 *           image,
            const FloatImage2 *           reconstruction,
            const itk::AutoencoderModel * model,
            const std::string &           residual,
            unsigned int                  windowSize = 11);

/** The blur reference: the image resampled onto the model's grid (scale 1 without a model) and blurred with a
 * Gaussian of `sigma` pixels of that grid, used in place of a reconstruction. */
FloatImage2::Pointer
BlurReconstruction(const FloatImage2 * image, const itk::AutoencoderModel * model, double sigma);

/** Model metadata key of the kind of integer data the model was trained on ("8-bit", "16-bit", "32-bit"; absent for
 * float or mixed training data and for older models). */
constexpr const char * TrainingPixelTypeKey = "training.pixel_type";

/** Refuses (CommandError naming both files) an integer image of another kind than the integer images a model was
 * trained on: its intensity mapping would not fit (a 16-bit image given to a model of 8-bit data). Float images and
 * models without the record pass; the reconstruction filter still refuses intensities far outside the model's range. */
void
RequireModelPixelType(const std::string &           imagePath,
                      const ImageFileInfo &         info,
                      const itk::AutoencoderModel * model,
                      const std::string &           modelPath);

/** Loads a model file; CommandError naming the file on failure. */
itk::AutoencoderModel::Pointer
LoadModel(const std::string & path);

} // namespace ssimae

#endif
