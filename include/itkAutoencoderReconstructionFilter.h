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
#ifndef itkAutoencoderReconstructionFilter_h
#define itkAutoencoderReconstructionFilter_h

#include "itkAutoencoderModel.h"
#include "itkImageToImageFilter.h"

#include <utility>
#include <vector>

namespace itk {

/** \class AutoencoderReconstructionFilter
 * \brief Reconstructs an image with an autoencoder, patch by patch.
 *
 * The model's square patch (P x P) slides over the image with a stride (default 30, as in the MVTec AD paper); the
 * last patch along each axis is aligned to the image border, so every pixel is covered; overlapping reconstructions
 * are averaged. Along an axis shorter than P, the image is mirrored (edge sample repeated) up to P and the result
 * cropped back. Patches are reconstructed in batches (default 64) by AutoencoderModel::Reconstruct, which uses all
 * cores.
 *
 * Intensities are mapped to [0, 1] with the model's normalisation (AutoencoderModel::NormalizationRange: the
 * model's range, or the image's own minimum and maximum) before and mapped back after, so the output has the
 * input's units; GetIntensityMinimum()/GetIntensityMaximum() report the range used by the last update (the
 * dynamic range for the residual). Input pixels: unsigned char, unsigned short, float; output float.
 *
 * A model with an ImageScale other than 1 sees the image resampled by that scale in-plane (ImageGrid::Resample):
 * the output is then the reconstruction on that coarser (or finer) grid, covering the same physical extent with a
 * correspondingly larger spacing. ResidualSegmentationFilter accepts it beside the original image and returns
 * residuals and labels on the image's grid.
 *
 * Streaming: a requested output region needs only the patches that overlap it, and the input requested region is
 * their union; each output pixel averages exactly the patches of a whole-image run, so streamed and single-pass
 * results are equal, and memory stays proportional to the requested region. Scaled models and per-image
 * normalisation need the whole image and do not stream.
 *
 * 3D images are reconstructed slice by slice along SliceAxis (default 2). Progress is reported per batch, and
 * AbortGenerateData() is honoured between batches.
 *
 * \ingroup SSIMAutoencoder
 */
template<typename TInputImage, typename TOutputImage = Image<float, TInputImage::ImageDimension>>
class ITK_TEMPLATE_EXPORT AutoencoderReconstructionFilter : public ImageToImageFilter<TInputImage, TOutputImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(AutoencoderReconstructionFilter);

  using Self = AutoencoderReconstructionFilter;
  using Superclass = ImageToImageFilter<TInputImage, TOutputImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(AutoencoderReconstructionFilter, ImageToImageFilter);

  static constexpr unsigned int ImageDimension = TInputImage::ImageDimension;
  static_assert(ImageDimension == 2 || ImageDimension == 3, "2D images, or 3D volumes slice by slice");

  using InputImageType = TInputImage;
  using OutputImageType = TOutputImage;
  using OutputImageRegionType = typename TOutputImage::RegionType;
  using InputImageRegionType = typename TInputImage::RegionType;

  /** The autoencoder (required). */
  itkSetObjectMacro(Model, AutoencoderModel);
  itkGetModifiableObjectMacro(Model, AutoencoderModel);

  /** Step between patch positions in pixels, 1..P. Default: 30. */
  itkSetMacro(Stride, unsigned int);
  itkGetConstMacro(Stride, unsigned int);

  /** Patches per call of the model. Default: 64. */
  itkSetMacro(BatchSize, unsigned int);
  itkGetConstMacro(BatchSize, unsigned int);

  /** How far input intensities may lie outside the intensity range the model was trained on (global normalisation),
   * in units of that range's width: defects may be brighter or darker than anything seen in training, but an image
   * of another type or scale (a 16-bit image given to a model trained on 8-bit data) is refused with an exception
   * instead of being reconstructed from meaningless inputs. Must be >= 0; infinity turns the check off. Per-image
   * normalisation maps every image onto [0, 1] and is not checked. Default: 10. */
  itkSetMacro(IntensityTolerance, double);
  itkGetConstMacro(IntensityTolerance, double);

  /** Output the model's own per-pixel residual (AutoencoderModel::ComputeResidual, e.g. the negative log
   * reconstruction probability of a variational model) instead of the reconstruction: patch residuals are stitched
   * and averaged over overlaps like reconstructions and keep the model's units (not mapped back to intensities).
   * Feed the output to ResidualSegmentationFilter with the Model residual. Needs a model that ProvidesResidual().
   * Default: off. */
  itkSetMacro(ModelResidual, bool);
  itkGetConstMacro(ModelResidual, bool);
  itkBooleanMacro(ModelResidual);

  /** Axis along which 3D images are cut into slices. Default: 2. */
  itkSetMacro(SliceAxis, unsigned int);
  itkGetConstMacro(SliceAxis, unsigned int);

  /** Patch start positions along an axis of `size` pixels for patch side `patch` and `stride`: 0, stride, ... and
   * size - patch; a single 0 when size <= patch. */
  static std::vector<IndexValueType>
  PatchPositions(SizeValueType size, unsigned int patch, unsigned int stride);

  /** Intensity range mapped to [0, 1] in the last update. */
  itkGetConstMacro(IntensityMinimum, double);
  itkGetConstMacro(IntensityMaximum, double);

protected:
  AutoencoderReconstructionFilter();
  ~AutoencoderReconstructionFilter() override = default;

  void
  PrintSelf(std::ostream & os, Indent indent) const override;

  void
  VerifyPreconditions() ITKv5_CONST override;

  void
  GenerateOutputInformation() override;

  void
  GenerateInputRequestedRegion() override;

  void
  EnlargeOutputRequestedRegion(DataObject * output) override;

  void
  GenerateData() override;

private:
  /** The two in-plane axes. */
  void
  PlaneAxes(unsigned int & first, unsigned int & second) const;

  /** Whether the filter needs the whole input: a scaled model or per-image normalisation. */
  bool
  NeedsWholeImage() const;

  /** The patches of a requested region: the in-plane axes, the largest region's start and size along them, the
   * requested range [Low, High) relative to that start, and the patch positions (relative too) that overlap it. */
  struct PatchLayout
  {
    unsigned int                Axes[2];
    IndexValueType              Patch;
    IndexValueType              Start[2];
    IndexValueType              Size[2];
    IndexValueType              Low[2];
    IndexValueType              High[2];
    std::vector<IndexValueType> Positions[2];
  };

  /** The patches of one batch with their origins, their reconstructions, and the running sums and counts of the
   * reconstructed values over the requested region of one slice (first in-plane axis fastest). */
  struct PatchBatch
  {
    std::vector<float>                                     Patches;
    std::vector<float>                                     Reconstructed;
    std::vector<std::pair<IndexValueType, IndexValueType>> Origins;
    std::vector<double>                                    Sum;
    std::vector<unsigned int>                              Count;
    std::size_t                                            Done{ 0 };
    double                                                 Total{ 0.0 };
  };

  PatchLayout
  MakePatchLayout(const ImageRegion<ImageDimension> & largest, const OutputImageRegionType & requested) const;

  /** Copies the patch at `origin` of the slice at `sliceIndex`, mirrored at the image border and mapped to [0, 1]. */
  template<typename TImage>
  void
  GatherPatch(const TImage *                            input,
              const PatchLayout &                       layout,
              typename TImage::IndexType                sliceIndex,
              std::pair<IndexValueType, IndexValueType> origin,
              double                                    minimum,
              double                                    scale,
              float *                                   destination) const;

  /** Reconstructs the batch's patches and adds them to its sums; honours AbortGenerateData and reports progress. */
  void
  ReconstructBatch(const PatchLayout & layout, PatchBatch & batch);

  /** Writes the averages of one slice of the requested region, mapped back to the input's units. */
  void
  WriteSlice(const PatchBatch & batch, const OutputImageRegionType & slice, double minimum, double scale);

  /** Reconstructs the requested output region from `input`, whose index space is the output's. */
  /** Extremes of the input's buffered pixels; an exception for NaN or infinite pixels and, with global normalisation,
   * for intensities beyond the tolerance around the model's range. */
  void
  CheckInputIntensities(double & low, double & high) const;

  template<typename TImage>
  void
  ReconstructRegion(const TImage * input, const OutputImageRegionType & requested, double minimum, double range);

  AutoencoderModel::Pointer m_Model;
  unsigned int              m_Stride{ 30 };
  unsigned int              m_BatchSize{ 64 };
  unsigned int              m_SliceAxis{ 2 };
  double                    m_IntensityMinimum{ 0.0 };
  double                    m_IntensityMaximum{ 1.0 };
  double                    m_IntensityTolerance{ 10.0 };
  bool                      m_ModelResidual{ false };
};

} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#include "itkAutoencoderReconstructionFilter.hxx"
#endif

#endif
