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
// Private to the library (src/): the LibTorch network, its SSIM loss and the model's opaque state.
// Tensor convention: N x C x H x W, where W runs along ITK's x index and H along y.
#ifndef itkAutoencoderNetwork_h
#define itkAutoencoderNetwork_h

#include "itkAutoencoderModel.h"

#include <torch/script.h>
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace itk {

/** FNV-1a (64 bit) continued from `hash` over `size` bytes; start from Fnv1aOffset. The checksums of model and
 * checkpoint files. */
constexpr uint64_t Fnv1aOffset = 14695981039346656037ull;
inline uint64_t
Fnv1a(uint64_t hash, const void * data, std::size_t size)
{
  const auto * bytes = static_cast<const unsigned char *>(data);
  for (std::size_t i = 0; i < size; ++i)
  {
    hash = (hash ^ bytes[i]) * 1099511628211ull;
  }
  return hash;
}

/** One layer of the paper's network. Conv: k x k convolution (stride 2, padding 1 for k = 4; stride 1, padding 1
 * for k = 3; no padding for the 8 x 8 bottleneck). Transposed: the mirrored transposed convolution. */
struct AutoencoderLayerSpec
{
  int  InputChannels;
  int  OutputChannels;
  int  Kernel;
  bool Transposed;
  bool Activation; // LeakyReLU(0.2) after the layer
};

/** The layers of the paper's network (Bergmann et al. 2019, Table 1) for a patch size of 32, 64, 128 or 256. */
SSIMAutoencoder_EXPORT std::vector<AutoencoderLayerSpec>
                       PaperAutoencoderLayers(int patchSize, int channels, int latent);

/** \brief The paper's convolutional autoencoder, with PyTorch-compatible parameters.
 *
 * Parameters are those of torch.nn.Conv2d / torch.nn.ConvTranspose2d layers named "layers.<i>.weight/bias", so a
 * PyTorch module of the same layer list loads them unchanged. The computation of each stride-2, 4 x 4 transposed
 * convolution (padding 1) is a 3 x 3 convolution with four times the output channels followed by a pixel shuffle,
 * with the kernel gathered from the transposed-convolution weight (exact, differentiable, and much faster than
 * LibTorch's CPU ConvTranspose2d); the 8 x 8 transposed convolution of the 1 x 1 latent code is a matrix product.
 * Weights start from He (Kaiming) normal initialisation for LeakyReLU(0.2), biases from zero: with PyTorch's
 * default initialisation this 18-layer network without normalisation stays on the mean-image plateau for
 * thousands of steps (measured: MSE 0.105 vs 0.008 after 300 steps on checkerboards). */
class SSIMAutoencoder_EXPORT PaperAutoencoderImpl : public torch::nn::Module
{
public:
  /** With `variational`, the network is the paper's VAE baseline: the bottleneck convolution gives the mean of
   * q(z|x), a second 8 x 8 convolution of the same input ("log_variance_head") its log-variance, and the decoder
   * maps a latent sample to the mean of a Gaussian p(x|z) whose variance s^2 is one scalar for all pixels
   * ("pixel_log_variance", log s^2): in training each batch uses the variance that maximises its likelihood, its mean
   * squared error (the "optimal sigma" calibrated decoder of Rybkin et al. 2021), and the parameter keeps a running
   * average of it (FitPixelVariance; not trained by the optimiser) for validation and inference. forward()
   * decodes the posterior mean. */
  PaperAutoencoderImpl(int patchSize, int channels, int latent, bool variational = false);

  /** Without gradients (NoGradGuard or InferenceMode), the batch runs channels-last (NHWC) in chunks of at most
   * InferencePixelsPerChunk input pixels with in-place activations. Layer outputs are allocated anew by every
   * operator; with glibc's default malloc, activations of several MB are returned to the system and faulted in again
   * on every call, which on this kind of machine costs more than the convolutions (a 64-patch batch of 128 x 128
   * patches has 33 MB activations, above glibc's largest mmap threshold). Small chunks keep that cost low and the
   * working set in cache. With gradients the whole batch runs in the default layout, which measured faster for
   * the backward pass. */
  torch::Tensor
  forward(const torch::Tensor & input);

  /** Stride-2 convolutions with fewer input channels run in space-to-depth form (SpaceToDepthKernel). */
  static constexpr int SpaceToDepthChannels = 8;

  /** 8 patches of 128 x 128: the largest activation of a chunk is 4 MB. */
  static constexpr int64_t InferencePixelsPerChunk = 8 * 128 * 128;

  /** Output of every layer, for shape checks. */
  std::vector<torch::Tensor>
  LayerOutputs(const torch::Tensor & input);

  const std::vector<AutoencoderLayerSpec> &
  Specs() const
  {
    return m_Specs;
  }

  bool
  IsVariational() const
  {
    return m_Variational;
  }

  /** Latent size d. */
  int64_t
  LatentSize() const
  {
    return m_Specs[this->EncoderLayers() - 1].OutputChannels;
  }

  /** Mean and log-variance of q(z|x), each N x d x 1 x 1 (variational networks only). */
  std::pair<torch::Tensor, torch::Tensor>
  Encode(const torch::Tensor & input);

  /** Decoder and sigmoid: the reconstruction (variational: the mean of p(x|z)) of N x d x 1 x 1 latent codes. */
  torch::Tensor
  Decode(const torch::Tensor & latent);

  /** Training pass of a variational network: the reconstruction of input from z = mean + exp(log-variance / 2) *
   * noise, with noise of the latent's shape; returns reconstruction, mean and log-variance. */
  std::vector<torch::Tensor>
  VariationalForward(const torch::Tensor & input, const torch::Tensor & noise);

  /** The log of the batch's optimal decoder variance, its mean squared error (a constant for autograd), after
   * pixel_log_variance <- log(0.9 s^2 + 0.1 mean squared error): the running average kept for inference. */
  torch::Tensor
  FitPixelVariance(const torch::Tensor & reconstruction, const torch::Tensor & target);

  /** Log-variance of p(x|z), a 1-element tensor (variational networks only). */
  const torch::Tensor &
  PixelLogVariance() const
  {
    return m_PixelLogVariance;
  }

  /** Per-pixel negative log reconstruction probability (An & Cho 2015) of input under L = samples.size(0) latent
   * samples z_l = mean + exp(log-variance / 2) * samples[l]: the mean over l of
   * 0.5 * ((x - decoded_l)^2 / s^2 + log s^2 + log 2 pi), s^2 = exp(pixel_log_variance). samples: L x N x d x 1 x 1.
   * Variational networks only; runs in chunks like forward() without gradients. */
  torch::Tensor
  ReconstructionNegativeLogLikelihood(const torch::Tensor & input, const torch::Tensor & samples);

private:
  torch::Tensor
  ApplyLayer(std::size_t index, const torch::Tensor & input, bool inference);

  /** Layers [first, last) on one batch. */
  torch::Tensor
  RunLayers(std::size_t first, std::size_t last, const torch::Tensor & input, bool inference);

  /** All layers and the sigmoid on one batch (variational: encoder, posterior mean, decoder). */
  torch::Tensor
  Run(const torch::Tensor & input, bool inference);

  /** Number of encoder layers, the bottleneck included. */
  std::size_t
  EncoderLayers() const
  {
    return m_Specs.size() / 2;
  }

  std::vector<AutoencoderLayerSpec>       m_Specs;
  std::vector<torch::nn::Conv2d>          m_Convolutions;
  std::vector<torch::nn::ConvTranspose2d> m_Transposed;
  std::vector<int>                        m_Slot; // index into m_Convolutions or m_Transposed
  bool                                    m_Variational{ false };
  torch::nn::Conv2d                       m_LogVarianceHead{ nullptr };
  torch::Tensor                           m_PixelLogVariance;
};
TORCH_MODULE(PaperAutoencoder);

/** Kernel and bias of the 3 x 3 convolution whose pixel-shuffled output equals conv_transpose2d(x, weight, bias,
 * stride 2, padding 1) for a 4 x 4 weight of shape (Cin, Cout, 4, 4). */
SSIMAutoencoder_EXPORT std::pair<torch::Tensor, torch::Tensor>
                       SubPixelKernel(const torch::Tensor & weight, const torch::Tensor & bias);

/** Kernel of the 3 x 3 convolution (padding 1) of pixel_unshuffle(x, 2) that equals conv2d(x, weight, stride 2,
 * padding 1) for a 4 x 4 weight of shape (Cout, Cin, 4, 4):
 *   K[co][4 ci + 2 ry + rx][jy][jx] = weight[co][ci][2 jy + ry - 1][2 jx + rx - 1], zero outside 0..3.
 * With one or a few input channels oneDNN runs the stride-2 convolution about 40 times slower than this
 * space-to-depth form. Differentiable. */
SSIMAutoencoder_EXPORT torch::Tensor
                       SpaceToDepthKernel(const torch::Tensor & weight);

/** SSIM map of two N x C x H x W tensors with SSIMImageFilter's definition: Gaussian window (sigma, 2 radius + 1
 * taps per axis, normalised), C1 = (K1 L)^2, C2 = (K2 L)^2, borders mirrored with the edge repeated. Works in the
 * tensors' dtype and is differentiable. */
SSIMAutoencoder_EXPORT torch::Tensor
                       SSIMMap(const torch::Tensor & x,
                               const torch::Tensor & y,
                               double                sigma = 1.5,
                               int                   radius = 5,
                               double                k1 = 0.01,
                               double                k2 = 0.03,
                               double                dynamicRange = 1.0);

/** Reconstruction loss of a batch: 1 - mean SSIM, mean squared error, mean absolute error, or SSIM + l1. (The
 * ELBO and feature-matching losses need more than a reconstruction: VariationalLoss, FeatureMatchingLoss.) */
SSIMAutoencoder_EXPORT torch::Tensor
                       ReconstructionLoss(const torch::Tensor &       reconstruction,
                                          const torch::Tensor &       target,
                                          AutoencoderModelEnums::Loss loss);

/** Negative ELBO per pixel of a batch: the mean over patches of [sum over pixels of the Gaussian negative
 * log-likelihood 0.5 ((x - reconstruction)^2 / s^2 + log s^2 + log 2 pi) + KL(q(z|x) || N(0, I))], divided by the
 * pixels of a patch. */
SSIMAutoencoder_EXPORT torch::Tensor
                       VariationalLoss(const torch::Tensor & reconstruction,
                                       const torch::Tensor & target,
                                       const torch::Tensor & mean,
                                       const torch::Tensor & logVariance,
                                       const torch::Tensor & pixelLogVariance);

/** Feature-matching loss (Dosovitskiy and Brox 2016): mean squared error of reconstruction and target + weight *
 * mean over the elements of (F(target) - F(reconstruction))^2, given both feature tensors (F(target) is treated as
 * a constant). */
SSIMAutoencoder_EXPORT torch::Tensor
                       FeatureMatchingLoss(const torch::Tensor & reconstruction,
                                           const torch::Tensor & target,
                                           const torch::Tensor & reconstructionFeatures,
                                           const torch::Tensor & targetFeatures,
                                           double                weight);

/** Opaque state of AutoencoderModel. */
struct AutoencoderModel::Network
{
  // Forward passes do not change the modules; they are mutable so const models can reconstruct.
  mutable PaperAutoencoder            Paper{ nullptr };
  std::unique_ptr<torch::jit::Module> Script;

  torch::Tensor
  Forward(const torch::Tensor & input) const;
};

} // namespace itk

#endif
