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
#ifndef ssimaePixelData_h
#define ssimaePixelData_h

#include "itkImageIOBase.h"

#include <string>

namespace ssimae {

/** Refuses (CommandError naming the file) an image file whose pixel data are shorter than its header announces.
 *
 * Some of ITK's readers accept truncated files without an error: MetaImage (raw and compressed data), NIfTI and
 * Analyze (.nii, .hdr/.img), binary legacy VTK, JPEG (libjpeg pads a truncated scan with grey) and BMP. For those the
 * data are measured against the header read by `io` (ReadImageInformation() done): the bytes present after the
 * header, the inflated size of compressed MetaImage data, the end-of-image marker after the last JPEG scan. PNG,
 * TIFF, NRRD and gzipped NIfTI report truncation themselves. Not checked: MetaImage data split over several files
 * (`ElementDataFile = LIST` or a file pattern). */
void
RequireCompletePixelData(const std::string & path, const itk::ImageIOBase & io);

} // namespace ssimae

#endif
