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
#include "itkAutoencoderNetwork.h"
#include "itkSSIMKernel.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace itk {

std::vector<AutoencoderLayerSpec>
PaperAutoencoderLayers(int patchSize, int channels, int latent)
{
  // Encoder above the 8 x 8 bottom, for 128 x 128 patches (Table 1): (output channels, kernel).
  std::vector<std::pair<int, int>> upper = { { 32, 4 }, { 32, 4 }, { 32, 3 }, { 64, 4 }, { 64, 3 }, { 128, 4 } };
  switch (patchSize)
  {
    case 256:
      upper.insert(upper.begin(), { 32, 4 });
      break;
    case 128:
      break;
    case 64:
      upper.erase(upper.begin());
      break;
    case 32:
      upper.erase(upper.begin(), upper.begin() + 2);
      break;
    default:
      throw std::invalid_argument("patch size " + std::to_string(patchSize) + " is not supported (32, 64, 128, 256)");
  }
  if (channels < 1 || latent < 1)
  {
    throw std::invalid_argument("channels and latent size must be positive");
  }
  std::vector<AutoencoderLayerSpec> encoder;
  int                               in = channels;
  for (const auto & layer : upper)
  {
    encoder.push_back({ in, layer.first, layer.second, false, true });
    in = layer.first;
  }
  encoder.push_back({ in, 64, 3, false, true });
  encoder.push_back({ 64, 32, 3, false, true });
  encoder.push_back({ 32, latent, 8, false, false });

  // The decoder mirrors the encoder layer by layer; the last layer has no activation (a sigmoid follows).
  std::vector<AutoencoderLayerSpec> layers = encoder;
  for (auto it = encoder.rbegin(); it != encoder.rend(); ++it)
  {
    const bool transposed = it->Kernel != 3;
    layers.push_back({ it->OutputChannels, it->InputChannels, it->Kernel, transposed, true });
  }
  layers.back().Activation = false;
  return layers;
}

PaperAutoencoderImpl::PaperAutoencoderImpl(int patchSize, int channels, int latent, bool variational)
    : m_Specs(PaperAutoencoderLayers(patchSize, channels, latent))
    , m_Variational(variational)
{
  // Parameters are named layers.<i>.weight / layers.<i>.bias, as in a PyTorch module holding an nn.ModuleList.
  auto layers = register_module("layers", torch::nn::ModuleList());
  for (std::size_t i = 0; i < m_Specs.size(); ++i)
  {
    const auto & spec = m_Specs[i];
    if (spec.Transposed)
    {
      auto options = torch::nn::ConvTranspose2dOptions(spec.InputChannels, spec.OutputChannels, spec.Kernel);
      if (spec.Kernel == 4)
      {
        options.stride(2).padding(1);
      }
      m_Slot.push_back(static_cast<int>(m_Transposed.size()));
      m_Transposed.push_back(torch::nn::ConvTranspose2d(options));
      layers->push_back(m_Transposed.back());
      // The fan of a transposed convolution's input side is dimension 0 of its weight: PyTorch's "fan_out".
      torch::nn::init::kaiming_normal_(m_Transposed.back()->weight, 0.2, torch::kFanOut, torch::kLeakyReLU);
      torch::nn::init::zeros_(m_Transposed.back()->bias);
    }
    else
    {
      auto options = torch::nn::Conv2dOptions(spec.InputChannels, spec.OutputChannels, spec.Kernel);
      if (spec.Kernel == 4)
      {
        options.stride(2).padding(1);
      }
      else if (spec.Kernel == 3)
      {
        options.padding(1);
      }
      m_Slot.push_back(static_cast<int>(m_Convolutions.size()));
      m_Convolutions.push_back(torch::nn::Conv2d(options));
      layers->push_back(m_Convolutions.back());
      torch::nn::init::kaiming_normal_(m_Convolutions.back()->weight, 0.2, torch::kFanIn, torch::kLeakyReLU);
      torch::nn::init::zeros_(m_Convolutions.back()->bias);
    }
  }
  if (m_Variational)
  {
    // The log-variance head starts at zero (q(z|x) has unit variance, as the prior), the pixel variance at 0.1^2.
    const auto & bottleneck = m_Specs[this->EncoderLayers() - 1];
    m_LogVarianceHead = register_module(
      "log_variance_head",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(bottleneck.InputChannels, bottleneck.OutputChannels, bottleneck.Kernel)));
    torch::nn::init::zeros_(m_LogVarianceHead->weight);
    torch::nn::init::zeros_(m_LogVarianceHead->bias);
    m_PixelLogVariance = register_parameter("pixel_log_variance", torch::full({ 1 }, std::log(0.01)), false);
  }
}

std::pair<torch::Tensor, torch::Tensor>
SubPixelKernel(const torch::Tensor & weight, const torch::Tensor & bias)
{
  // Output pixel 2q + r of a stride-2, padding-1, 4-tap transposed convolution is
  // sum over j in {0, 1, 2} of input[q + j - 1] * w[r + 3 - 2 j] (taps outside 0..3 are zero). Padding the taps by
  // one zero on each side turns that into the gather index r + 4 - 2 j.
  const auto cout = weight.size(1);
  const auto cin = weight.size(0);
  const auto padded = torch::constant_pad_nd(weight.permute({ 1, 0, 2, 3 }), { 1, 1, 1, 1 }); // Cout Cin 6 6
  const auto index = torch::tensor({ 4, 2, 0, 5, 3, 1 }, torch::TensorOptions().dtype(torch::kLong));
  auto       kernel = padded.index_select(2, index).index_select(3, index); // Cout Cin (r j) (r j)
  kernel = kernel.view({ cout, cin, 2, 3, 2, 3 }).permute({ 0, 2, 4, 1, 3, 5 }).reshape({ cout * 4, cin, 3, 3 });
  return { kernel, bias.repeat_interleave(4) };
}

torch::Tensor
SpaceToDepthKernel(const torch::Tensor & weight)
{
  // Output q reads input samples 2 q - 1 + t (t = 0..3); sample 2 (q + j - 1) + r is unshuffled channel r at q + j - 1,
  // so tap t = 2 j + r - 1. One zero tap on each side turns that into the gather index 2 j + r.
  const auto cout = weight.size(0);
  const auto cin = weight.size(1);
  const auto padded = torch::constant_pad_nd(weight, { 1, 1, 1, 1 }); // Cout Cin 6 6
  const auto index = torch::tensor({ 0, 2, 4, 1, 3, 5 }, torch::TensorOptions().dtype(torch::kLong));
  const auto kernel = padded.index_select(2, index).index_select(3, index); // Cout Cin (r j) (r j)
  return kernel.view({ cout, cin, 2, 3, 2, 3 }).permute({ 0, 1, 2, 4, 3, 5 }).reshape({ cout, cin * 4, 3, 3 });
}

torch::Tensor
PaperAutoencoderImpl::ApplyLayer(std::size_t index, const torch::Tensor & input, bool inference)
{
  const auto &  spec = m_Specs[index];
  torch::Tensor output;
  if (!spec.Transposed && spec.Kernel == 4 && spec.InputChannels < SpaceToDepthChannels)
  {
    const auto & layer = m_Convolutions[m_Slot[index]];
    output = torch::conv2d(torch::pixel_unshuffle(input, 2).contiguous(input.suggest_memory_format()),
                           SpaceToDepthKernel(layer->weight),
                           layer->bias,
                           1,
                           1);
  }
  else if (!spec.Transposed)
  {
    output = m_Convolutions[m_Slot[index]]->forward(input);
  }
  else
  {
    const auto & layer = m_Transposed[m_Slot[index]];
    if (spec.Kernel == 4)
    {
      const auto kernel = SubPixelKernel(layer->weight, layer->bias);
      output = torch::pixel_shuffle(torch::conv2d(input, kernel.first, kernel.second, 1, 1), 2)
                 .contiguous(input.suggest_memory_format());
    }
    else
    {
      // A k x k transposed convolution of a 1 x 1 input is a matrix product with the weight (Cin, Cout k k).
      const auto n = input.size(0);
      const auto weight = layer->weight.reshape({ layer->weight.size(0), -1 });
      output = torch::addmm(layer->bias.repeat_interleave(spec.Kernel * spec.Kernel), input.reshape({ n, -1 }), weight)
                 .view({ n, spec.OutputChannels, spec.Kernel, spec.Kernel })
                 .contiguous(input.suggest_memory_format());
    }
  }
  if (spec.Activation)
  {
    output = inference ? torch::leaky_relu_(output, 0.2) : torch::leaky_relu(output, 0.2);
  }
  return output;
}

torch::Tensor
PaperAutoencoderImpl::RunLayers(std::size_t first, std::size_t last, const torch::Tensor & input, bool inference)
{
  torch::Tensor current = input;
  for (std::size_t i = first; i < last; ++i)
  {
    current = this->ApplyLayer(i, current, inference);
  }
  return current;
}

torch::Tensor
PaperAutoencoderImpl::Run(const torch::Tensor & input, bool inference)
{
  const auto    format = inference ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  // A variational network's bottleneck convolution is its posterior mean, so all layers decode that mean (the
  // log-variance head is not needed).
  torch::Tensor current = this->RunLayers(0, m_Specs.size(), input.contiguous(format), inference);
  return inference ? torch::sigmoid_(current).contiguous() : torch::sigmoid(current).contiguous();
}

namespace {
// Patches per inference chunk for a batch of `input`'s patch size (see InferencePixelsPerChunk).
int64_t
InferenceChunk(const torch::Tensor & input)
{
  const int64_t pixels = std::max<int64_t>(1, input.size(2) * input.size(3));
  return std::max<int64_t>(1, PaperAutoencoderImpl::InferencePixelsPerChunk / pixels);
}

bool
InferenceEnabled()
{
  return c10::InferenceMode::is_enabled() || !torch::GradMode::is_enabled();
}

void
RequireVariational(bool variational, const char * what)
{
  if (!variational)
  {
    throw std::logic_error(std::string(what) + " needs the variational network");
  }
}
} // namespace

std::pair<torch::Tensor, torch::Tensor>
PaperAutoencoderImpl::Encode(const torch::Tensor & input)
{
  RequireVariational(m_Variational, "Encode");
  const bool inference = InferenceEnabled();
  const auto format = inference ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  const auto hidden = this->RunLayers(0, this->EncoderLayers() - 1, input.contiguous(format), inference);
  auto       mean = this->ApplyLayer(this->EncoderLayers() - 1, hidden, inference);
  auto       logVariance = m_LogVarianceHead->forward(hidden);
  return { mean.contiguous(), logVariance.contiguous() };
}

torch::Tensor
PaperAutoencoderImpl::Decode(const torch::Tensor & latent)
{
  const bool inference = InferenceEnabled();
  const auto format = inference ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  auto output = this->RunLayers(this->EncoderLayers(), m_Specs.size(), latent.contiguous(format), inference);
  return inference ? torch::sigmoid_(output).contiguous() : torch::sigmoid(output).contiguous();
}

std::vector<torch::Tensor>
PaperAutoencoderImpl::VariationalForward(const torch::Tensor & input, const torch::Tensor & noise)
{
  RequireVariational(m_Variational, "VariationalForward");
  const auto posterior = this->Encode(input);
  const auto latent = posterior.first + torch::exp(0.5 * posterior.second) * noise;
  return { this->Decode(latent), posterior.first, posterior.second };
}

torch::Tensor
PaperAutoencoderImpl::FitPixelVariance(const torch::Tensor & reconstruction, const torch::Tensor & target)
{
  RequireVariational(m_Variational, "FitPixelVariance");
  const auto         meanSquare = (target - reconstruction).square().mean().detach().clamp_min(1e-8);
  torch::NoGradGuard noGrad;
  m_PixelLogVariance.copy_(torch::log(0.9 * torch::exp(m_PixelLogVariance) + 0.1 * meanSquare.to(torch::kFloat)));
  return meanSquare.log();
}

torch::Tensor
PaperAutoencoderImpl::ReconstructionNegativeLogLikelihood(const torch::Tensor & input, const torch::Tensor & samples)
{
  RequireVariational(m_Variational, "ReconstructionNegativeLogLikelihood");
  torch::NoGradGuard noGrad;
  const int64_t      count = input.size(0);
  const int64_t      chunk = InferenceChunk(input);
  const auto         pixelVariance = torch::exp(m_PixelLogVariance.detach());
  const double       constant = m_PixelLogVariance.item<double>() + std::log(2.0 * M_PI);
  auto               output = torch::empty(input.sizes(), input.options().memory_format(at::MemoryFormat::Contiguous));
  for (int64_t first = 0; first < count; first += chunk)
  {
    const int64_t n = std::min(chunk, count - first);
    const auto    x = input.narrow(0, first, n).contiguous();
    const auto    posterior = this->Encode(x);
    const auto    deviation = torch::exp(0.5 * posterior.second);
    auto          squares = torch::zeros_like(x);
    for (int64_t l = 0; l < samples.size(0); ++l)
    {
      const auto decoded = this->Decode(posterior.first + deviation * samples[l].narrow(0, first, n));
      squares.add_((x - decoded).square());
    }
    output.narrow(0, first, n).copy_(0.5 * (squares / (static_cast<double>(samples.size(0)) * pixelVariance) + constant));
  }
  return output;
}

torch::Tensor
PaperAutoencoderImpl::forward(const torch::Tensor & input)
{
  const bool inference = InferenceEnabled();
  if (!inference || input.dim() != 4)
  {
    return this->Run(input, false);
  }
  const int64_t chunk = InferenceChunk(input);
  if (input.size(0) <= chunk)
  {
    return this->Run(input, true);
  }
  auto output = torch::empty(input.sizes(), input.options().memory_format(at::MemoryFormat::Contiguous));
  for (int64_t first = 0; first < input.size(0); first += chunk)
  {
    const int64_t count = std::min(chunk, input.size(0) - first);
    output.narrow(0, first, count).copy_(this->Run(input.narrow(0, first, count), true));
  }
  return output;
}

std::vector<torch::Tensor>
PaperAutoencoderImpl::LayerOutputs(const torch::Tensor & input)
{
  std::vector<torch::Tensor> outputs;
  torch::Tensor              current = input;
  for (std::size_t i = 0; i < m_Specs.size(); ++i)
  {
    current = this->ApplyLayer(i, current, false);
    outputs.push_back(current);
  }
  return outputs;
}

namespace {
// Indices of a mirrored padding with the edge repeated (d c b a | a b c d | d c b a).
torch::Tensor
MirrorIndices(int64_t size, int64_t radius)
{
  std::vector<int64_t> index;
  for (int64_t k = -radius; k < size + radius; ++k)
  {
    index.push_back(SSIMKernel::MirrorIndex(k, size));
  }
  return torch::tensor(index, torch::TensorOptions().dtype(torch::kLong));
}
} // namespace

torch::Tensor
SSIMMap(const torch::Tensor & x,
        const torch::Tensor & y,
        double                sigma,
        int                   radius,
        double                k1,
        double                k2,
        double                dynamicRange)
{
  const auto channels = x.size(1);
  const auto weights = SSIMKernel::GaussianWeights(sigma, static_cast<unsigned int>(radius));
  const auto options = x.options();
  const auto taps = torch::tensor(weights, torch::TensorOptions().dtype(torch::kDouble)).to(options.dtype());
  // Five moment maps per channel, filtered together as 5 C groups.
  auto moments = torch::cat({ x, y, x * x, y * y, x * y }, 1);
  moments = moments.index_select(2, MirrorIndices(x.size(2), radius)).index_select(3, MirrorIndices(x.size(3), radius));
  const auto groups = 5 * channels;
  const auto vertical = taps.view({ 1, 1, -1, 1 }).expand({ groups, 1, 2 * radius + 1, 1 }).contiguous();
  const auto horizontal = taps.view({ 1, 1, 1, -1 }).expand({ groups, 1, 1, 2 * radius + 1 }).contiguous();
  const std::vector<int64_t> one = { 1, 1 };
  const std::vector<int64_t> none = { 0, 0 };
  moments = torch::conv2d(moments, vertical, torch::Tensor(), one, torch::IntArrayRef(none), one, groups);
  moments = torch::conv2d(moments, horizontal, torch::Tensor(), one, torch::IntArrayRef(none), one, groups);
  const auto   parts = moments.split(channels, 1);
  const auto & mx = parts[0];
  const auto & my = parts[1];
  const auto   c1 = (k1 * dynamicRange) * (k1 * dynamicRange);
  const auto   c2 = (k2 * dynamicRange) * (k2 * dynamicRange);
  const auto   mxmy = mx * my;
  const auto   mx2my2 = mx * mx + my * my;
  return ((2 * mxmy + c1) * (2 * (parts[4] - mxmy) + c2)) / ((mx2my2 + c1) * ((parts[2] + parts[3]) - mx2my2 + c2));
}

torch::Tensor
ReconstructionLoss(const torch::Tensor & reconstruction, const torch::Tensor & target, AutoencoderModelEnums::Loss loss)
{
  switch (loss)
  {
    case AutoencoderModelEnums::Loss::SSIM:
      return 1.0 - SSIMMap(reconstruction, target).mean();
    case AutoencoderModelEnums::Loss::L2:
      return torch::mse_loss(reconstruction, target);
    case AutoencoderModelEnums::Loss::L1:
      return torch::l1_loss(reconstruction, target);
    case AutoencoderModelEnums::Loss::SSIMPlusL1:
      return 1.0 - SSIMMap(reconstruction, target).mean() + torch::l1_loss(reconstruction, target);
    case AutoencoderModelEnums::Loss::ELBO:
      throw std::invalid_argument("the ELBO needs the posterior (VariationalLoss)");
    case AutoencoderModelEnums::Loss::FeatureMatching:
      throw std::invalid_argument("the feature-matching loss needs a feature extractor (FeatureMatchingLoss)");
  }
  throw std::invalid_argument("unknown loss");
}

torch::Tensor
VariationalLoss(const torch::Tensor & reconstruction,
                const torch::Tensor & target,
                const torch::Tensor & mean,
                const torch::Tensor & logVariance,
                const torch::Tensor & pixelLogVariance)
{
  const auto   batch = target.size(0);
  const double pixels = static_cast<double>(target.numel() / std::max<int64_t>(1, batch));
  const auto   squares = (target - reconstruction).square().sum();
  const auto   negativeLogLikelihood =
    0.5 * (squares * torch::exp(-pixelLogVariance) + (pixelLogVariance + std::log(2.0 * M_PI)) * pixels * batch);
  const auto divergence = -0.5 * (1.0 + logVariance - mean.square() - torch::exp(logVariance)).sum();
  return ((negativeLogLikelihood + divergence) / (pixels * static_cast<double>(batch))).squeeze();
}

torch::Tensor
FeatureMatchingLoss(const torch::Tensor & reconstruction,
                    const torch::Tensor & target,
                    const torch::Tensor & reconstructionFeatures,
                    const torch::Tensor & targetFeatures,
                    double                weight)
{
  return torch::mse_loss(reconstruction, target) + weight * torch::mse_loss(reconstructionFeatures, targetFeatures.detach());
}

torch::Tensor
AutoencoderModel::Network::Forward(const torch::Tensor & input) const
{
  if (Script)
  {
    return Script->forward({ input }).toTensor();
  }
  return Paper->forward(input);
}

} // namespace itk
