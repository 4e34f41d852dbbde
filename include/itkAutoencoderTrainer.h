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
#ifndef itkAutoencoderTrainer_h
#define itkAutoencoderTrainer_h

#include "itkAutoencoderModel.h"
#include "itkImage.h"

#include <memory>
#include <string>
#include <vector>

namespace itk {

/** \class AutoencoderTrainerEnums
 * \brief Augmentation modes of AutoencoderTrainer.
 *
 * ToString() gives the stable name recorded in checkpoints and in the model's "training.augmentation" metadata
 * ("none", "flip", "flip+rot90", "rotate"); FromString() reads it back.
 *
 * \ingroup SSIMAutoencoder
 */
class SSIMAutoencoder_EXPORT AutoencoderTrainerEnums
{
public:
  /** None: patches as cropped. Flip: random horizontal and vertical mirroring (keeps the orientation of
   * axis-aligned structures, such as grinding marks). FlipRotate90: random mirroring and rotation by multiples of
   * 90 degrees, the paper's default for textures. SmallRotation: mirroring as Flip plus a random rotation by an
   * angle in [-MaximumRotationAngle, MaximumRotationAngle] (bilinear interpolation). */
  enum class Augmentation : uint8_t
  {
    None = 0,
    Flip = 1,
    FlipRotate90 = 2,
    SmallRotation = 3
  };

#if !defined(ITK_WRAPPING_PARSER)
  /** The stable name of a value; "unknown" for a value outside the enumeration. */
  static const char *
  ToString(Augmentation value);

  /** Sets `value` from its stable name and returns true; returns false and leaves `value` unchanged for any other
   * name (names are case-sensitive). */
  static bool
  FromString(const std::string & name, Augmentation & value);
#endif
};

/** Prints the stable name of AutoencoderTrainerEnums::ToString(). */
extern SSIMAutoencoder_EXPORT std::ostream &
                              operator<<(std::ostream & out, const AutoencoderTrainerEnums::Augmentation value);

/** \class AutoencoderTrainer
 * \brief Trains an AutoencoderModel on defect-free images, as in Bergmann et al. (VISAPP 2019).
 *
 * Every epoch draws NumberOfPatchesPerEpoch patches (default 10,000) at random positions of the training images
 * (an image is drawn with a probability proportional to its number of patch positions; images smaller than a patch
 * are mirrored up to the patch size), augmented as set by Augmentation (default: mirrored and rotated by multiples
 * of 90 degrees). Images are first resampled by the model's ImageScale (ImageGrid::Resample). A fixed set of
 * ValidationFraction x NumberOfPatchesPerEpoch further patches (default 20 %), drawn from the validation images
 * when there are any (AddValidationImage), from the training images otherwise, measures the validation loss
 * after each epoch. Adam with learning rate 2e-4 and weight decay 1e-5 on batches of
 * 128 minimises the model's loss (1 - mean SSIM by default, or l2, l1, SSIM + l1, the feature-matching loss, or the
 * negative ELBO of a Variational model) for up to 200 epochs; training
 * stops early when the validation loss has not improved for Patience epochs (default 20), and the model ends with
 * the weights of its best validation epoch.
 *
 * Intensities are normalised as the model says (AutoencoderModel::NormalizationRange): with its
 * IntensityMinimum/IntensityMaximum, which AutomaticIntensityRange (default on) first sets to the minimum and maximum
 * of the training images, or with each image's own range.
 *
 * LogFile (when set) is a CSV file rewritten atomically after every epoch: epoch, patches_seen, training_loss,
 * validation_loss, seconds (training wall time, resumed runs included).
 *
 * Reproducible: the patches of epoch e depend only on (Seed, e), and the network starts from Seed. After every epoch
 * the model, the optimizer state and the early-stopping state are written atomically to CheckpointFile (when set);
 * Resume() continues from it, so a killed run that is resumed ends with the same weights as an uninterrupted run.
 *
 * Events: an IterationEvent after every epoch (GetEpoch(), GetTrainingLoss(), GetValidationLoss(),
 * GetBestValidationLoss()) and a ProgressEvent after every batch (GetProgress()). AbortTrainingOn() from an
 * observer stops after the current batch; the last completed epoch stays in the checkpoint, and the model gets the
 * weights of the best completed epoch (GetAbortTraining() tells afterwards that the run was cut short).
 *
 * \ingroup SSIMAutoencoder
 */
class SSIMAutoencoder_EXPORT AutoencoderTrainer : public Object
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(AutoencoderTrainer);

  using Self = AutoencoderTrainer;
  using Superclass = Object;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(AutoencoderTrainer, Object);

  using ImageType = Image<float, 2>;

  /** The model to train; its architecture, patch size, channels, latent size and loss are used. */
  itkSetObjectMacro(Model, AutoencoderModel);
  itkGetModifiableObjectMacro(Model, AutoencoderModel);

  /** Adds a defect-free training image (grey values). */
  void
  AddImage(const ImageType * image);
  /** Reads a defect-free training image (any ITK-readable grey or colour file; colour is converted to grey). */
  void
  AddImageFile(const std::string & fileName);
  void
  ClearImages();
  std::size_t
  GetNumberOfImages() const;

  /** Adds a defect-free image whose patches measure the validation loss (held out from training). */
  void
  AddValidationImage(const ImageType * image);
  /** Reads a validation image (as AddImageFile). */
  void
  AddValidationImageFile(const std::string & fileName);
  void
  ClearValidationImages();
  std::size_t
  GetNumberOfValidationImages() const;

  /** Patches drawn per epoch. Default: 10000. */
  itkSetMacro(NumberOfPatchesPerEpoch, unsigned int);
  itkGetConstMacro(NumberOfPatchesPerEpoch, unsigned int);
  /** Maximum number of epochs. Default: 200. */
  itkSetMacro(NumberOfEpochs, unsigned int);
  itkGetConstMacro(NumberOfEpochs, unsigned int);
  /** Patches per optimisation step. Default: 128. */
  itkSetMacro(BatchSize, unsigned int);
  itkGetConstMacro(BatchSize, unsigned int);
  /** Adam learning rate. Default: 2e-4. */
  itkSetMacro(LearningRate, double);
  itkGetConstMacro(LearningRate, double);
  /** Adam weight decay. Default: 1e-5. */
  itkSetMacro(WeightDecay, double);
  itkGetConstMacro(WeightDecay, double);
  /** Validation patches as a fraction of the patches per epoch. Default: 0.2. */
  itkSetMacro(ValidationFraction, double);
  itkGetConstMacro(ValidationFraction, double);
  /** Epochs without validation improvement before stopping; 0 disables early stopping. Default: 20. */
  itkSetMacro(Patience, unsigned int);
  itkGetConstMacro(Patience, unsigned int);
  using AugmentationEnum = AutoencoderTrainerEnums::Augmentation;
  /** Augmentation of the training patches. Default: FlipRotate90. */
  itkSetEnumMacro(Augmentation, AugmentationEnum);
  itkGetConstMacro(Augmentation, AugmentationEnum);
  /** Largest angle of SmallRotation, in degrees. Default: 10. */
  itkSetMacro(MaximumRotationAngle, double);
  itkGetConstMacro(MaximumRotationAngle, double);
  /** Shorthand: on is FlipRotate90, off is None. */
  void
  SetAugment(bool on)
  {
    this->SetAugmentation(on ? AugmentationEnum::FlipRotate90 : AugmentationEnum::None);
  }
  /** Training log (CSV, see above; empty: none). Default: empty. */
  itkSetStringMacro(LogFile);
  itkGetStringMacro(LogFile);
  /** Mixed precision: forward and backward passes under LibTorch's CPU autocast to bfloat16 (weights, optimiser
   * and loss stay float). Default: off. */
  itkSetMacro(MixedPrecision, bool);
  itkGetConstMacro(MixedPrecision, bool);
  itkBooleanMacro(MixedPrecision);
  /** TorchScript feature extractor F of the feature-matching loss (AutoencoderModelEnums::Loss::FeatureMatching):
   * a module mapping N x C x P x P normalised patches to one floating-point tensor with N rows, e.g. the first
   * layers of a CNN pretrained on image classification (as in the paper), exported with torch.jit.save. Its weights
   * are not trained. Required by, and only allowed with, that loss. Default: empty. */
  itkSetStringMacro(FeatureExtractorFile);
  itkGetStringMacro(FeatureExtractorFile);
  /** Weight lambda of the feature term: loss = MSE(x, x^) + lambda * mean((F(x) - F(x^))^2). Default: 1. */
  itkSetMacro(FeatureWeight, double);
  itkGetConstMacro(FeatureWeight, double);
  /** Seed of the network's initial weights and of the patch sampling. Default: 0. */
  itkSetMacro(Seed, unsigned int);
  itkGetConstMacro(Seed, unsigned int);
  /** Set the model's intensity range from the training images. Default: on. */
  itkSetMacro(AutomaticIntensityRange, bool);
  itkGetConstMacro(AutomaticIntensityRange, bool);
  itkBooleanMacro(AutomaticIntensityRange);
  /** Checkpoint written after every epoch (empty: none). Default: empty. */
  itkSetStringMacro(CheckpointFile);
  itkGetStringMacro(CheckpointFile);
  /** LibTorch threads. Default: all cores. */
  itkSetMacro(NumberOfThreads, unsigned int);
  itkGetConstMacro(NumberOfThreads, unsigned int);
  /** Set from an observer to stop after the current batch. */
  itkSetMacro(AbortTraining, bool);
  itkGetConstMacro(AbortTraining, bool);
  itkBooleanMacro(AbortTraining);

  /** Trains from freshly initialised weights. */
  void
  Train();
  /** Continues from CheckpointFile when it exists (otherwise starts like Train()). The settings must match. */
  void
  Resume();

  /** Last completed epoch (1-based; 0 before the first). */
  itkGetConstMacro(Epoch, unsigned int);
  itkGetConstMacro(TrainingLoss, double);
  itkGetConstMacro(ValidationLoss, double);
  itkGetConstMacro(BestValidationLoss, double);
  itkGetConstMacro(BestEpoch, unsigned int);
  /** Fraction of the planned batches done. */
  itkGetConstMacro(Progress, double);
  /** Whether the last run stopped because the validation loss stopped improving. */
  itkGetConstMacro(StoppedEarly, bool);
  /** Training wall time so far in seconds (resumed runs include the time before the interruption). */
  itkGetConstMacro(ElapsedSeconds, double);

protected:
  AutoencoderTrainer();
  ~AutoencoderTrainer() override;

  void
  PrintSelf(std::ostream & os, Indent indent) const override;

private:
  /** The LibTorch side of one run (samplers, network, optimizer, loop state); defined in src/. */
  struct Session;

  /** Train() and Resume(): check, prepare, (read the checkpoint,) train, keep the best weights. */
  void
  Run(bool resume);
  void
  VerifySettings() const;
  /** Architecture, loss and feature extractor fit together. */
  void
  VerifyLoss() const;
  std::string
  SettingsText() const;
  void
  SetIntensityRange();
  void
  CheckIntensityRange() const;
  /** Training and validation images on the model's grid, and the fixed validation patches. */
  void
  PrepareSamplers(Session & session);
  /** The freshly initialised network, its optimizer and the settings text of the run. */
  void
  PrepareNetwork(Session & session);
  void
  ReadCheckpoint(Session & session);
  /** The feature extractor of the feature-matching loss, checked on a probe batch. */
  void
  LoadFeatureExtractor(Session & session) const;
  void
  TrainEpochs(Session & session);
  /** Mean training loss of the epoch's patches (of those trained when aborted). */
  double
  TrainEpoch(Session & session, unsigned int epoch);
  double
  TrainBatch(Session & session, std::size_t first, std::size_t count, unsigned int epoch);
  double
  ValidationLoss(Session & session) const;
  /** Losses of a completed epoch and the early-stopping state. */
  void
  EvaluateEpoch(Session & session, unsigned int epoch, double trainingLoss);
  /** Log row, progress getters, log file and checkpoint of a completed epoch. */
  void
  CompleteEpoch(Session & session, unsigned int epoch);
  void
  PublishLoopState(const Session & session);
  void
  WriteLog(const Session & session) const;
  void
  WriteCheckpoint(Session & session) const;
  /** Restores the best weights and records the training in the model's metadata. */
  void
  FinishSession(Session & session);
#if !defined(ITK_WRAPPING_PARSER)
  void
  AddTo(std::vector<ImageType::ConstPointer> & list, const ImageType * image, const char * what);
  void
  AddFileTo(std::vector<ImageType::ConstPointer> & list, const std::string & fileName, const char * kind);
#endif

  struct State;
  std::unique_ptr<State> m_State;

  AutoencoderModel::Pointer m_Model;
  unsigned int              m_NumberOfPatchesPerEpoch{ 10000 };
  unsigned int              m_NumberOfEpochs{ 200 };
  unsigned int              m_BatchSize{ 128 };
  double                    m_LearningRate{ 2e-4 };
  double                    m_WeightDecay{ 1e-5 };
  double                    m_ValidationFraction{ 0.2 };
  unsigned int              m_Patience{ 20 };
  AugmentationEnum          m_Augmentation{ AugmentationEnum::FlipRotate90 };
  double                    m_MaximumRotationAngle{ 10.0 };
  std::string               m_LogFile;
  bool                      m_MixedPrecision{ false };
  std::string               m_FeatureExtractorFile;
  double                    m_FeatureWeight{ 1.0 };
  unsigned int              m_Seed{ 0 };
  bool                      m_AutomaticIntensityRange{ true };
  std::string               m_CheckpointFile;
  unsigned int              m_NumberOfThreads;
  bool                      m_AbortTraining{ false };

  unsigned int m_Epoch{ 0 };
  double       m_TrainingLoss{ 0.0 };
  double       m_ValidationLoss{ 0.0 };
  double       m_BestValidationLoss{ 0.0 };
  unsigned int m_BestEpoch{ 0 };
  double       m_Progress{ 0.0 };
  bool         m_StoppedEarly{ false };
  double       m_ElapsedSeconds{ 0.0 };
};

} // namespace itk

#endif
