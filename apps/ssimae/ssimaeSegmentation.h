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
#ifndef ssimaeSegmentation_h
#define ssimaeSegmentation_h

#include "ssimaeImageIO.h"

#include "itkAutoencoderModel.h"
#include "itkResidualSegmentationFilter.h"

#include <functional>
#include <string>
#include <vector>

namespace ssimae {

/** How images are scored and labelled: threshold, residual, minimum defect area (pixels of a region within a slice)
 * and reconstruction stride, as given or from the model's calibration (ChooseSegmentSettings). */
struct SegmentSettings
{
  double                                         Threshold{ 0.0 };
  std::string                                    ResidualKind;
  itk::ResidualSegmentationFilterEnums::Residual Residual{ itk::ResidualSegmentationFilterEnums::Residual::SSIM };
  long                                           MinimumArea{ 0 };
  unsigned int                                   Stride{ 30 };
};

/** The settings of segment: `threshold` if finite, else the model's calibrated one (an error without it); the residual
 * `residual` if not empty (ChooseResidual); `minimumArea` if >= 0, else the calibration's, else 0. */
SegmentSettings
ChooseSegmentSettings(const itk::AutoencoderModel & model,
                      const std::string &           modelPath,
                      double                        threshold,
                      const std::string &           residual,
                      long                          minimumArea,
                      unsigned int                  stride);

/** Reconstruction, residual map and labels (0 good, 1 defect) of an image or a volume, on the input's grid. */
template<unsigned int VDimension>
struct Segmentation
{
  typename itk::Image<float, VDimension>::Pointer         Reconstruction;
  typename itk::Image<float, VDimension>::Pointer         Residual;
  typename itk::Image<unsigned char, VDimension>::Pointer Labels;
};

/** Segments a 2D image: reconstruction (or the model's own residual), residual map, threshold, small regions
 * (8-connected) dropped. `path` names the image in errors. */
Segmentation<2>
SegmentImage(const FloatImage2 *     image,
             itk::AutoencoderModel * model,
             const SegmentSettings & settings,
             const std::string &     path);

/** Called after each slice with the number of slices done and their total. */
using SliceProgress = std::function<void(std::size_t done, std::size_t total)>;

/** Segments a volume slice by slice along `axis` (0, 1 or 2) with a model trained on 2D images: each slice is
 * segmented exactly as a 2D image (SegmentImage; regions are 8-connected within the slice, and the minimum area is
 * in pixels of a slice). The results have the volume's size, spacing, origin and direction. */
Segmentation<3>
SegmentVolume(const FloatImage3 *     volume,
              itk::AutoencoderModel * model,
              const SegmentSettings & settings,
              unsigned int            axis,
              const std::string &     path,
              const SliceProgress &   progress = {});

/** The 2D images of a file: the image itself, or the slices of a volume along `axis` (0, 1 or 2) in order. A volume
 * whose slices would be one pixel thick is refused. `info` receives the file's pixel type. */
std::vector<FloatImage2::Pointer>
ReadImageOrSlices(const std::string & path, unsigned int axis, ImageFileInfo * info = nullptr);

/** Writes labels (0/1) as unsigned char, atomically (NRRD, MetaImage, ...). */
template<unsigned int VDimension>
void
WriteLabelImage(const itk::Image<unsigned char, VDimension> * labels, const std::string & path);

} // namespace ssimae

#endif
