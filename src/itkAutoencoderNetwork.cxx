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

PaperAutoencoderImpl::PaperAutoencoderImpl(int patchSize, int channels, int latent)
    : m_Specs(PaperAutoencoderLayers(patchSize, channels, latent))
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
PaperAutoencoderImpl::Run(const torch::Tensor & input, bool inference)
{
  const auto    format = inference ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  torch::Tensor current = input.contiguous(format);
  for (std::size_t i = 0; i < m_Specs.size(); ++i)
  {
    current = this->ApplyLayer(i, current, inference);
  }
  return inference ? torch::sigmoid_(current).contiguous() : torch::sigmoid(current).contiguous();
}

torch::Tensor
PaperAutoencoderImpl::forward(const torch::Tensor & input)
{
  const bool inference = c10::InferenceMode::is_enabled() || !torch::GradMode::is_enabled();
  if (!inference || input.dim() != 4)
  {
    return this->Run(input, false);
  }
  const int64_t pixels = std::max<int64_t>(1, input.size(2) * input.size(3));
  const int64_t chunk = std::max<int64_t>(1, InferencePixelsPerChunk / pixels);
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
  }
  throw std::invalid_argument("unknown loss");
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
