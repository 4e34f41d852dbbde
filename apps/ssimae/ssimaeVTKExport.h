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
#ifndef ssimaeVTKExport_h
#define ssimaeVTKExport_h

#include "itkImage.h"

#include <cstddef>
#include <string>

namespace ssimae {

/** Whether this build writes VTK files (ssimae built with VTK). */
bool
CanWriteVTK();

/** Writes the connected defect regions of `labels` (non-zero pixels; 8-connected in 2D, 26 in 3D) to a VTK XML
 * polydata file (.vtp) in physical coordinates (the image's origin, spacing and direction): the outline of each
 * region as lines in 2D (z = 0), its surface as triangles in 3D, both from discrete flying edges on the region map.
 * Cell data: "region" (1..n, largest first), "pixels" (the region's pixel or voxel count) and "area" (2D) or "volume"
 * (3D) of the region in physical units. Returns the number of regions. Throws CommandError without VTK. */
template<unsigned int VDimension>
std::size_t
WriteDefectRegions(const itk::Image<unsigned char, VDimension> * labels, const std::string & path);

/** Writes a float image to a VTK XML image file (.vti) with its origin, spacing and direction, as the point data
 * array `name` (for volume rendering in ParaView or Slicer). Throws CommandError without VTK. */
template<unsigned int VDimension>
void
WriteVTKImage(const itk::Image<float, VDimension> * image, const std::string & path, const std::string & name);

} // namespace ssimae

#endif
