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

/** Reconstruction of a 2D image with a model (AutoencoderReconstructionFilter). CommandError on failure. */
FloatImage2::Pointer
ReconstructImage(const FloatImage2 * image, itk::AutoencoderModel * model, unsigned int stride, unsigned int batch);

/** Residual map of an image and its reconstruction: "ssim" (1 - SSIM) or "l2", with the model's intensity range as
 * the dynamic range (ResidualSegmentationFilter). */
FloatImage2::Pointer
ResidualMap(const FloatImage2 *           image,
            const FloatImage2 *           reconstruction,
            const itk::AutoencoderModel * model,
            const std::string &           residual);

/** Loads a model file; CommandError naming the file on failure. */
itk::AutoencoderModel::Pointer
LoadModel(const std::string & path);

} // namespace ssimae

#endif
