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
#ifndef itkDefectRegions_h
#define itkDefectRegions_h

#include "itkImage.h"
#include "SSIMAutoencoderExport.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace itk {

/** \class DefectRegions
 * \brief Connected regions of binary defect masks, and "threshold, then drop regions smaller than a minimum size".
 *
 * Regions are the connected components of the non-zero pixels (itk::ConnectedComponentImageFilter): fully connected
 * by default (8 neighbours in 2D, 26 in 3D), face connected on request (4 in 2D, 6 in 3D). They are labelled
 * 1, 2, ... in the order of their first pixel in a scan with x fastest (0 is background); regions with fewer than a
 * minimum number of pixels are dropped and the others keep their order (itk::RelabelComponentImageFilter, not sorted
 * by size). A minimum size of 0 or 1 keeps every region. Thresholding marks the pixels strictly above the threshold.
 *
 * Buffers are stored with x fastest and sized (x, y, z), unused axes 1. Images are 2D or 3D; their buffered region is
 * used. The connected-component filters stay inside the library: this header does not include them.
 *
 * \ingroup SSIMAutoencoder
 */
class SSIMAutoencoder_EXPORT DefectRegions
{
public:
  /** Buffer size (x, y, z), unused axes 1. */
  using SizeType = std::array<std::size_t, 3>;
  /** Region label: 0 background, 1..n regions. */
  using LabelType = std::uint32_t;
  /** Pixels per region: entry i belongs to label i + 1. */
  using RegionSizesType = std::vector<std::size_t>;

  /** Labels the regions of `mask` into `labels` (resized to the buffer), dropping regions with fewer than
   * `minimumSize` pixels; returns the pixel count of every kept region. */
  static RegionSizesType
  Label(const std::uint8_t *     mask,
        const SizeType &         size,
        std::vector<LabelType> & labels,
        std::size_t              minimumSize = 0,
        bool                     fullyConnected = true);

  /** The pixels of `values` above `threshold` (1) with the regions of fewer than `minimumSize` pixels removed (0). */
  static std::vector<std::uint8_t>
  ThresholdMask(const float *    values,
                const SizeType & size,
                double           threshold,
                std::size_t      minimumSize = 0,
                bool             fullyConnected = true);

  /** The pixel counts of the regions of the pixels of `values` above `threshold`. */
  static RegionSizesType
  RegionSizesAbove(const float * values, const SizeType & size, double threshold, bool fullyConnected = true);

  /** Image versions of Label: a label image on the mask's grid; `sizes`, when given, receives the region sizes. */
  static Image<LabelType, 2>::Pointer
  Label(const Image<unsigned char, 2> * mask,
        std::size_t                     minimumSize = 0,
        bool                            fullyConnected = true,
        RegionSizesType *               sizes = nullptr);
  static Image<LabelType, 3>::Pointer
  Label(const Image<unsigned char, 3> * mask,
        std::size_t                     minimumSize = 0,
        bool                            fullyConnected = true,
        RegionSizesType *               sizes = nullptr);

  /** Image versions of ThresholdMask: an unsigned char mask (0, 1) on the grid of `values`. */
  static Image<unsigned char, 2>::Pointer
  ThresholdMask(const Image<float, 2> * values,
                double                  threshold,
                std::size_t             minimumSize = 0,
                bool                    fullyConnected = true);
  static Image<unsigned char, 3>::Pointer
  ThresholdMask(const Image<float, 3> * values,
                double                  threshold,
                std::size_t             minimumSize = 0,
                bool                    fullyConnected = true);
};

} // namespace itk

#endif
