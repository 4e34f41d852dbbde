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
#ifndef ssimaeStreamedSegment_h
#define ssimaeStreamedSegment_h

#include "ssimaeSegmentation.h"

#include <string>

namespace ssimae {

/** Segments a 2D image in `pieces` strips of rows so that memory stays bounded by a strip, not the image
 * (`segment --pieces N`). Writes `prefix`_residual.mha (float) and `prefix`_labels.mha (0 good, 1 defect), both
 * MetaImage, strip by strip; the results equal those of SegmentImage.
 *
 * Inputs that stream: MetaImage (.mha/.mhd, uncompressed) is read strip by strip; a TIFF of strips (8/16-bit
 * integers or 32-bit floats, one channel) is first copied row by row into a temporary MetaImage beside the outputs.
 * Other formats are read whole (the memory of one image) and then segmented strip by strip.
 * Passes: (1) reconstruction and residual, streamed into the residual file; (2) the residual read back strip by
 * strip, defect runs of each row joined into 8-connected regions (memory: the defect runs); (3) the labels written
 * strip by strip from the runs of regions of at least the minimum area. Models with per-image normalisation or an
 * image scale other than 1 are refused (they need the whole image). */
void
SegmentStreamed(const std::string &     input,
                itk::AutoencoderModel * model,
                const std::string &     modelPath,
                const SegmentSettings & settings,
                unsigned int            pieces,
                const std::string &     prefix);

} // namespace ssimae

#endif
