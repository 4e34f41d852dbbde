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
#ifndef ssimaeImageIO_h
#define ssimaeImageIO_h

#include "itkImage.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ssimae {

using FloatImage2 = itk::Image<float, 2>;
using FloatImage3 = itk::Image<float, 3>;

/** What a file holds, read from its header only. */
struct ImageFileInfo
{
  unsigned int Dimension{ 0 };
  unsigned int Components{ 0 };
  bool         IsInteger{ false };
  /** max - min of the stored integer type (255 for 8-bit), 1 for floating-point files. */
  double TypeRange{ 1.0 };
};

/** Reads the header of an image file; CommandError naming the file when it is missing, empty or unreadable. */
ImageFileInfo
ReadImageFileInfo(const std::string & path);

/** ReadImageFileInfo(), refusing (CommandError naming the file) images with more than `dimension` dimensions or with
 * a channel count other than 1 (grey) and 3 (RGB, read as its luminance). */
ImageFileInfo
RequireReadableAs(const std::string & path, unsigned int dimension);

/** The checks of RequireReadableAs on a header already read. */
void
RequireReadableAs(const std::string & path, unsigned int dimension, const ImageFileInfo & header);

/** "8-bit", "16-bit", "32-bit" (integer files) or "float": the kind of data a file stores. */
std::string
PixelTypeName(const ImageFileInfo & info);

/** Reads a single-channel image as float; colour files are converted to luminance. CommandError on failure. The
 * file's header information is stored in `info` when given. */
template<unsigned int VDimension>
typename itk::Image<float, VDimension>::Pointer
ReadFloatImage(const std::string & path, ImageFileInfo * info = nullptr);

/** ReadFloatImage of a file whose header was read already (ReadImageFileInfo), without reading and checking the
 * header and the completeness of its pixel data a second time. */
template<unsigned int VDimension>
typename itk::Image<float, VDimension>::Pointer
ReadFloatImage(const std::string & path, const ImageFileInfo & header);

/** Reads a file just written back in full; std::runtime_error when it is incomplete or unreadable. Some of ITK's
 * writers (NRRD's gzip stream, MetaImage) do not report a full disk, so every image ssimae writes is checked so
 * before it replaces the previous file (itk::AtomicFile). */
void
VerifyWrittenImage(const std::string & path);

/** True for formats that store only 8/16-bit integers (PNG, JPEG, BMP). */
bool
IsIntegerOnlyFormat(const std::string & path);

/** Writes a float map. Integer-only formats get the values mapped linearly from [low, high] to 0..255 (clamped).
 * Single-file formats are written to a temporary file beside the target and renamed into place. */
template<unsigned int VDimension>
void
WriteFloatImage(const itk::Image<float, VDimension> * image,
                const std::string &                   path,
                double                                low = -1.0,
                double                                high = 1.0);

/** Writes a colour PNG of a grey image (its range stretched to 0..255) with the pixels predicted defective in red
 * and the outline of the true defects in green. */
void
WriteOverlayImage(const FloatImage2 *                  image,
                  const itk::Image<unsigned char, 2> * truth,
                  const std::vector<std::uint8_t> &    predicted,
                  const std::string &                  path);

} // namespace ssimae

#endif
