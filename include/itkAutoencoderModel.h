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
#ifndef itkAutoencoderModel_h
#define itkAutoencoderModel_h

#include "itkObject.h"
#include "itkObjectFactory.h"
#include "SSIMAutoencoderExport.h"

#include <map>
#include <memory>
#include <string>

namespace itk {

/** \class AutoencoderModelEnums
 * \brief Architectures, training losses and intensity normalisations of AutoencoderModel.
 *
 * ToString() gives the stable name under which a value is stored in model files and metadata (Architecture:
 * "paper", "torchscript", "vae"; Loss: "ssim", "l2", "l1", "ssim+l1", "elbo", "fm"; Normalization: "global",
 * "per-image"); FromString()
 * reads it back. These names are part of the file format and never change.
 *
 * \ingroup SSIMAutoencoder
 */
class SSIMAutoencoder_EXPORT AutoencoderModelEnums
{
public:
  /** Paper: Bergmann et al. Table 1 for 128x128 patches; 256x256 patches add one stride-2 stage in front,
   * 64x64 and 32x32 patches drop the first one or two (the paper's Table 2 patch-size study).
   * TorchScript: a module loaded with LoadTorchScript(). Variational: the paper's VAE baseline, the same encoder
   * with mean and log-variance heads of size d and the same decoder (trained with the ELBO loss). */
  enum class Architecture : uint8_t
  {
    Paper = 0,
    TorchScript = 1,
    Variational = 2
  };

  /** Loss the network was (or is to be) trained with. ELBO: the variational network's negative evidence lower
   * bound (Gaussian decoder with one learned variance). FeatureMatching: l2 plus a weighted squared distance of
   * features of a user-supplied TorchScript extractor (AutoencoderTrainer::FeatureExtractorFile). */
  enum class Loss : uint8_t
  {
    SSIM = 0,
    L2 = 1,
    L1 = 2,
    SSIMPlusL1 = 3,
    ELBO = 4,
    FeatureMatching = 5
  };

  /** How intensities are mapped to the network's [0, 1]: Global maps the model's IntensityMinimum/IntensityMaximum
   * (the training images' range), PerImage maps each image's own minimum and maximum (for surfaces whose
   * brightness varies from image to image). */
  enum class Normalization : uint8_t
  {
    Global = 0,
    PerImage = 1
  };

#if !defined(ITK_WRAPPING_PARSER)
  /** The stable name of a value; "unknown" for a value outside the enumeration. */
  static const char *
  ToString(Architecture value);
  static const char *
  ToString(Loss value);
  static const char *
  ToString(Normalization value);

  /** Sets `value` from its stable name and returns true; returns false and leaves `value` unchanged for any other
   * name (names are case-sensitive). */
  static bool
  FromString(const std::string & name, Architecture & value);
  static bool
  FromString(const std::string & name, Loss & value);
  static bool
  FromString(const std::string & name, Normalization & value);
#endif
};

/** Prints the stable names of AutoencoderModelEnums::ToString(). */
extern SSIMAutoencoder_EXPORT std::ostream &
                              operator<<(std::ostream & out, const AutoencoderModelEnums::Architecture value);
extern SSIMAutoencoder_EXPORT std::ostream &
                              operator<<(std::ostream & out, const AutoencoderModelEnums::Loss value);
extern SSIMAutoencoder_EXPORT std::ostream &
                              operator<<(std::ostream & out, const AutoencoderModelEnums::Normalization value);

/** \class AutoencoderModel
 * \brief A convolutional autoencoder and everything needed to apply it: architecture, patch size, channels,
 * latent size, training loss, intensity normalisation, calibrated threshold and training provenance.
 *
 * The network is the one of Bergmann et al. (VISAPP 2019, Table 1): stride-2 4x4 convolutions and 3x3
 * convolutions down to an 8x8 map, an 8x8 convolution to a latent vector of size d, and a mirrored decoder,
 * LeakyReLU(0.2) after every layer but the bottleneck, sigmoid output. Patches are N x C x P x P float arrays
 * (ITK index order x fastest within a row, i.e. the tensor layout N, C, H, W) of normalised intensities:
 * normalised = (value - IntensityMinimum) / (IntensityMaximum - IntensityMinimum).
 *
 * Save() writes one file (weights and metadata) atomically: to a temporary file renamed into place. Load() checks
 * format, version and shapes and raises an ExceptionObject naming the file and the problem.
 *
 * Reconstruct() may be called concurrently from several threads. LibTorch stays inside the library: no torch type
 * appears in this header.
 *
 * \ingroup SSIMAutoencoder
 */
class SSIMAutoencoder_EXPORT AutoencoderModel : public Object
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(AutoencoderModel);

  using Self = AutoencoderModel;
  using Superclass = Object;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(AutoencoderModel, Object);

  using ArchitectureEnum = AutoencoderModelEnums::Architecture;
  using LossEnum = AutoencoderModelEnums::Loss;
  using NormalizationEnum = AutoencoderModelEnums::Normalization;
  using MetadataType = std::map<std::string, std::string>;

  /** Version of the file format written by Save(). Format 3 adds a checksum of every setting (sizes, loss, intensity
   * mapping, threshold, scale, metadata) beside the weights' checksum; formats 1 and 2 still load. */
  static constexpr unsigned int FormatVersion = 3;

  /** Largest latent size and number of channels a model may have (Initialize() and Load() refuse larger ones before
   * allocating anything). */
  static constexpr unsigned int MaximumLatentSize = 16384;
  static constexpr unsigned int MaximumNumberOfChannels = 64;

  /** Architecture. Default: Paper. Takes effect at Initialize(). */
  itkSetEnumMacro(Architecture, ArchitectureEnum);
  itkGetConstMacro(Architecture, ArchitectureEnum);

  /** Side of the square patches in pixels: 32, 64, 128 or 256 for Paper. Default: 128. Takes effect at
   * Initialize(). */
  itkSetMacro(PatchSize, unsigned int);
  itkGetConstMacro(PatchSize, unsigned int);

  /** Image channels k. Default: 1. Takes effect at Initialize(). */
  itkSetMacro(NumberOfChannels, unsigned int);
  itkGetConstMacro(NumberOfChannels, unsigned int);

  /** Latent size d. Default: 100. Takes effect at Initialize(). */
  itkSetMacro(LatentSize, unsigned int);
  itkGetConstMacro(LatentSize, unsigned int);

  /** Loss the network was trained with. Default: SSIM. */
  itkSetEnumMacro(Loss, LossEnum);
  itkGetConstMacro(Loss, LossEnum);

  /** Intensity normalisation: this range maps to [0, 1]. Default: [0, 255]. */
  itkSetMacro(IntensityMinimum, double);
  itkGetConstMacro(IntensityMinimum, double);
  itkSetMacro(IntensityMaximum, double);
  itkGetConstMacro(IntensityMaximum, double);

  /** Intensity normalisation. Default: Global. */
  itkSetEnumMacro(IntensityNormalization, NormalizationEnum);
  itkGetConstMacro(IntensityNormalization, NormalizationEnum);

  /** Scale at which the network sees images: 0.5 halves each in-plane axis before patching (anti-aliased, see
   * ImageGrid::Resample), so a P x P patch covers 2P x 2P pixels of the image. Reconstructions live on that
   * coarser grid; ResidualSegmentationFilter brings residuals and labels back to the image's own grid.
   * Default: 1. */
  itkSetMacro(ImageScale, double);
  itkGetConstMacro(ImageScale, double);

  /** The intensity range mapped to [0, 1] for an image with the given minimum and maximum: the model's range for
   * Global normalisation, the image's own (widened to 1 when empty) for PerImage. */
  void
  NormalizationRange(double imageMinimum, double imageMaximum, double & low, double & high) const;

  /** Defect threshold on the residual map, calibrated on defect-free images; NaN when not calibrated. */
  itkSetMacro(Threshold, double);
  itkGetConstMacro(Threshold, double);

#if !defined(ITK_WRAPPING_PARSER)
  /** Free-form key/value metadata saved with the model (training settings, provenance, calibration rule). */
  const MetadataType &
  GetMetadata() const
  {
    return m_Metadata;
  }
#endif
  /** Sets one metadata entry. */
  void
  SetMetadataValue(const std::string & key, const std::string & value);
  /** Empty string when the key is absent. */
  std::string
  GetMetadataValue(const std::string & key) const;

  /** Builds the network for the current architecture, channels and latent size with random weights from the seed. */
  void
  Initialize(unsigned int seed = 0);

  /** True once Initialize(), Load() or LoadTorchScript() succeeded. */
  bool
  IsInitialized() const;

  /** Number of trainable parameters of the network (0 for TorchScript modules). */
  std::size_t
  GetNumberOfParameters() const;

  /** Writes weights and metadata to one file, atomically. */
  void
  Save(const std::string & fileName) const;

  /** Reads a file written by Save(). Throws ExceptionObject naming the file and what is wrong. */
  void
  Load(const std::string & fileName);

  /** Loads a TorchScript module (torch.jit.save) mapping N x channels x patchSize x patchSize patches to the same
   * shape, with inputs normalised to [0, 1] as above. */
  void
  LoadTorchScript(const std::string & fileName, unsigned int patchSize, unsigned int numberOfChannels = 1);

  /** Reconstructs `count` patches (count x channels x P x P normalised floats) into `output` (same layout).
   * Thread-safe. (From Python use AutoencoderReconstructionFilter.) */
  void
  Reconstruct(const float * patches, std::size_t count, float * output) const;

  /** Whether the model defines a per-pixel residual of its own (ComputeResidual): true for Variational models, whose
   * residual is the negative log reconstruction probability. Other models are scored by comparing image and
   * reconstruction (1 - SSIM or l2, ResidualSegmentationFilter). */
  bool
  ProvidesResidual() const;

  /** Latent samples L of a Variational model's reconstruction probability. Saved with the model. Default: 10. */
  static constexpr unsigned int DefaultNumberOfSamples = 10;
  static constexpr unsigned int MaximumNumberOfSamples = 1000;
  void
  SetNumberOfSamples(unsigned int samples);
  itkGetConstMacro(NumberOfSamples, unsigned int);

  /** The model's own residual of `count` patches (layout as Reconstruct) into `output`, per pixel, for models that
   * ProvidesResidual(). Variational: the negative log-likelihood (in nats) of each normalised pixel x under the
   * decoder's Gaussian, averaged over L latent samples z_l ~ q(z|x) (An and Cho 2015):
   *   r(x) = 1/L sum_l 0.5 ((x - mu_l)^2 / s^2 + log s^2 + log 2 pi),
   * with mu_l the decoded mean and s^2 the decoder's pixel variance. Higher is more anomalous. The latent noise of a
   * patch is drawn from a generator seeded with the patch's values, so a patch has the same residual whatever
   * batch it comes in (streamed and whole-image reconstructions agree). Thread-safe. */
  void
  ComputeResidual(const float * patches, std::size_t count, float * output) const;

  /** Intra-op threads LibTorch may use per call. Default: all cores. */
  itkSetMacro(NumberOfThreads, unsigned int);
  itkGetConstMacro(NumberOfThreads, unsigned int);

  /** Opaque LibTorch state; defined in src/, used by the trainer. */
  struct Network;
#if !defined(ITK_WRAPPING_PARSER)
  Network &
  GetNetwork() const;
#endif

protected:
  AutoencoderModel();
  ~AutoencoderModel() override;

  void
  PrintSelf(std::ostream & os, Indent indent) const override;

private:
  ArchitectureEnum  m_Architecture{ ArchitectureEnum::Paper };
  unsigned int      m_PatchSize{ 128 };
  unsigned int      m_NumberOfChannels{ 1 };
  unsigned int      m_LatentSize{ 100 };
  LossEnum          m_Loss{ LossEnum::SSIM };
  NormalizationEnum m_IntensityNormalization{ NormalizationEnum::Global };
  double            m_ImageScale{ 1.0 };
  double            m_IntensityMinimum{ 0.0 };
  double            m_IntensityMaximum{ 255.0 };
  double            m_Threshold;
  unsigned int      m_NumberOfSamples{ DefaultNumberOfSamples };
  unsigned int      m_NumberOfThreads;
  MetadataType      m_Metadata;

  std::unique_ptr<Network> m_Network;
};

} // namespace itk

#endif
