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
// The network, its model files and the torch SSIM loss. This test uses LibTorch directly (through the library's
// private header) to compare with LibTorch's own transposed convolutions; tolerances: 1e-5 for float32 network
// outputs, 1e-5 for the SSIM maps computed in float64.

#include "itkAutoencoderModel.h"
#include "itkAutoencoderNetwork.h"
#include "itkAutoencoderTrainer.h"
#include "itkCheckerboardDefectGenerator.h"
#include "itkImageFileReader.h"
#include "itkSSIMImageFilter.h"

#include <gtest/gtest.h>
#include "itkSSIMAutoencoderTestUtilities.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

namespace {
std::string
TemporaryFile(const std::string & name)
{
  return std::string(SSIMAE_TEST_OUTPUT) + "/" + name;
}

std::vector<float>
RandomPatches(std::size_t count, unsigned int size, unsigned int seed)
{
  torch::manual_seed(seed);
  const auto         tensor = torch::rand({ static_cast<int64_t>(count), 1, size, size });
  std::vector<float> values(tensor.data_ptr<float>(), tensor.data_ptr<float>() + tensor.numel());
  return values;
}

void
ExpectThrowMentioning(const std::function<void()> & call, const std::vector<std::string> & fragments)
{
  try
  {
    call();
    ADD_FAILURE() << "no exception";
  }
  catch (const itk::ExceptionObject & error)
  {
    for (const auto & fragment : fragments)
    {
      EXPECT_NE(std::string(error.GetDescription()).find(fragment), std::string::npos)
        << "'" << fragment << "' not in: " << error.GetDescription();
    }
  }
}

// An initialised paper network for 32 x 32 patches.
itk::AutoencoderModel::Pointer
SmallModel(unsigned int latentSize, unsigned int seed)
{
  auto model = itk::AutoencoderModel::New();
  model->SetPatchSize(32);
  model->SetLatentSize(latentSize);
  model->Initialize(seed);
  return model;
}

std::string
FileBytes(const std::string & fileName)
{
  std::ifstream in(fileName, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Copies the model file `source` (latent size 8, 32 x 32 patches) to `destination` with some fields replaced and
// some removed; the weights are copied unchanged.
void
RewriteModelFile(const std::string &                        source,
                 const std::string &                        destination,
                 const std::map<std::string, c10::IValue> & replaced,
                 const std::set<std::string> &              removed = {},
                 bool                                       perturbWeights = false)
{
  torch::serialize::InputArchive original;
  original.load_from(source);
  torch::serialize::OutputArchive rewritten;
  for (const auto & key : original.keys())
  {
    c10::IValue value;
    if (key != "network" && removed.count(key) == 0 && original.try_read(key, value))
    {
      const auto replacement = replaced.find(key);
      rewritten.write(key, replacement == replaced.end() ? value : replacement->second);
    }
  }
  torch::serialize::InputArchive weights;
  original.read("network", weights);
  torch::serialize::OutputArchive weightsCopy;
  itk::PaperAutoencoder           network(32, 1, 8);
  network->load(weights);
  if (perturbWeights)
  {
    torch::NoGradGuard noGrad;
    network->parameters().front().add_(1.0f);
  }
  network->save(weightsCopy);
  rewritten.write("network", weightsCopy);
  rewritten.save_to(destination);
}

using itk::Testing::TemporaryFilesOf;
} // namespace

// Table 1 of the paper, written out: (input channels, output channels, kernel, output side) for 128 x 128 x 1.
TEST(AutoencoderNetwork, PaperLayersShapesAndParameterCount)
{
  const int latent = 100;
  struct Expected
  {
    int In, Out, Kernel, Side;
  };
  const std::vector<Expected> table = { { 1, 32, 4, 64 },     { 32, 32, 4, 32 }, { 32, 32, 3, 32 },
                                        { 32, 64, 4, 16 },    { 64, 64, 3, 16 }, { 64, 128, 4, 8 },
                                        { 128, 64, 3, 8 },    { 64, 32, 3, 8 },  { 32, latent, 8, 1 },
                                        { latent, 32, 8, 8 }, { 32, 64, 3, 8 },  { 64, 128, 3, 8 },
                                        { 128, 64, 4, 16 },   { 64, 64, 3, 16 }, { 64, 32, 4, 32 },
                                        { 32, 32, 3, 32 },    { 32, 32, 4, 64 }, { 32, 1, 4, 128 } };
  itk::PaperAutoencoder       network(128, 1, latent);
  ASSERT_EQ(network->Specs().size(), table.size());
  std::size_t expectedParameters = 0;
  for (const auto & layer : table)
  {
    expectedParameters += static_cast<std::size_t>(layer.In * layer.Out * layer.Kernel * layer.Kernel + layer.Out);
  }
  std::size_t parameters = 0;
  for (const auto & p : network->parameters())
  {
    parameters += static_cast<std::size_t>(p.numel());
  }
  EXPECT_EQ(parameters, expectedParameters);
  EXPECT_GT(parameters, 900000u);
  EXPECT_LT(parameters, 1200000u);

  torch::NoGradGuard noGrad;
  const auto         outputs = network->LayerOutputs(torch::rand({ 2, 1, 128, 128 }));
  ASSERT_EQ(outputs.size(), table.size());
  for (std::size_t i = 0; i < table.size(); ++i)
  {
    EXPECT_EQ(outputs[i].sizes(), torch::IntArrayRef({ 2, table[i].Out, table[i].Side, table[i].Side }))
      << "layer " << i;
  }
  const auto reconstruction = network->forward(torch::rand({ 3, 1, 128, 128 }));
  EXPECT_EQ(reconstruction.sizes(), torch::IntArrayRef({ 3, 1, 128, 128 }));
  EXPECT_GE(reconstruction.min().item<float>(), 0.0f);
  EXPECT_LE(reconstruction.max().item<float>(), 1.0f);

  for (int patch : { 32, 64, 256 })
  {
    itk::PaperAutoencoder other(patch, 2, 50);
    const auto            out = other->forward(torch::rand({ 1, 2, patch, patch }));
    EXPECT_EQ(out.sizes(), torch::IntArrayRef({ 1, 2, patch, patch })) << "patch " << patch;
  }
  EXPECT_THROW(itk::PaperAutoencoderLayers(100, 1, 100), std::invalid_argument);
}

TEST(AutoencoderNetwork, SubPixelConvolutionEqualsTransposedConvolution)
{
  torch::manual_seed(3);
  const auto weight = torch::randn({ 5, 7, 4, 4 }, torch::kDouble);
  const auto bias = torch::randn({ 7 }, torch::kDouble);
  const auto input = torch::randn({ 2, 5, 6, 9 }, torch::kDouble);
  const auto reference = torch::conv_transpose2d(input, weight, bias, 2, 1);
  const auto kernel = itk::SubPixelKernel(weight, bias);
  const auto fast = torch::pixel_shuffle(torch::conv2d(input, kernel.first, kernel.second, 1, 1), 2);
  ASSERT_EQ(fast.sizes(), reference.sizes());
  EXPECT_LT((fast - reference).abs().max().item<double>(), 1e-10);
}

TEST(AutoencoderNetwork, SubPixelGradientsEqualTransposedConvolutionGradients)
{
  // Training runs through the gathered kernel: the weight and bias gradients must be those of conv_transpose2d.
  torch::manual_seed(4);
  const auto weight = torch::randn({ 3, 4, 4, 4 }, torch::kDouble).requires_grad_(true);
  const auto bias = torch::randn({ 4 }, torch::kDouble).requires_grad_(true);
  const auto input = torch::randn({ 2, 3, 5, 7 }, torch::kDouble);
  const auto upstream = torch::randn({ 2, 4, 10, 14 }, torch::kDouble);
  (torch::conv_transpose2d(input, weight, bias, 2, 1) * upstream).sum().backward();
  const auto referenceWeight = weight.grad().clone();
  const auto referenceBias = bias.grad().clone();
  weight.grad().zero_();
  bias.grad().zero_();
  const auto kernel = itk::SubPixelKernel(weight, bias);
  (torch::pixel_shuffle(torch::conv2d(input, kernel.first, kernel.second, 1, 1), 2) * upstream).sum().backward();
  EXPECT_LT((weight.grad() - referenceWeight).abs().max().item<double>(), 1e-10);
  EXPECT_LT((bias.grad() - referenceBias).abs().max().item<double>(), 1e-10);
}

TEST(AutoencoderNetwork, SpaceToDepthConvolutionEqualsStridedConvolution)
{
  torch::manual_seed(5);
  for (int channels : { 1, 3 })
  {
    const auto weight = torch::randn({ 6, channels, 4, 4 }, torch::kDouble).requires_grad_(true);
    const auto input = torch::randn({ 2, channels, 10, 14 }, torch::kDouble);
    const auto upstream = torch::randn({ 2, 6, 5, 7 }, torch::kDouble);
    const auto reference = torch::conv2d(input, weight, torch::Tensor(), 2, 1);
    (reference * upstream).sum().backward();
    const auto referenceGradient = weight.grad().clone();
    weight.grad().zero_();
    const auto fast = torch::conv2d(torch::pixel_unshuffle(input, 2), itk::SpaceToDepthKernel(weight), {}, 1, 1);
    ASSERT_EQ(fast.sizes(), reference.sizes());
    EXPECT_LT((fast - reference).abs().max().item<double>(), 1e-10) << channels << " channels";
    (fast * upstream).sum().backward();
    EXPECT_LT((weight.grad() - referenceGradient).abs().max().item<double>(), 1e-10) << channels << " channels";
  }
}

TEST(AutoencoderNetwork, LatentTransposedConvolutionIsAMatrixProduct)
{
  // Layer 9 (ConvT 8 x 8 of the 1 x 1 code) against LibTorch's conv_transpose2d, in float32.
  itk::PaperAutoencoder network(128, 1, 100);
  torch::NoGradGuard    noGrad;
  const auto            outputs = network->LayerOutputs(torch::rand({ 3, 1, 128, 128 }));
  const auto            named = network->named_parameters();
  ASSERT_TRUE(network->Specs()[9].Transposed);
  ASSERT_EQ(network->Specs()[9].Kernel, 8);
  const auto reference =
    torch::leaky_relu(torch::conv_transpose2d(outputs[8], named["layers.9.weight"], named["layers.9.bias"], 1, 0), 0.2);
  ASSERT_EQ(outputs[9].sizes(), reference.sizes());
  EXPECT_LT((outputs[9] - reference).abs().max().item<float>(), 1e-5f);
}

TEST(AutoencoderNetwork, ChunkedChannelsLastInferenceEqualsTrainingForward)
{
  // 256 x 256 patches run in chunks of 2 without gradients: 5 patches take an uneven last chunk.
  itk::PaperAutoencoder network(256, 1, 10);
  ASSERT_EQ(itk::PaperAutoencoderImpl::InferencePixelsPerChunk / (256 * 256), 2);
  const auto    input = torch::rand({ 5, 1, 256, 256 });
  torch::Tensor withGradients = network->forward(input).detach();
  torch::Tensor inference;
  {
    c10::InferenceMode guard;
    inference = network->forward(input);
  }
  ASSERT_EQ(inference.sizes(), withGradients.sizes());
  EXPECT_TRUE(inference.is_contiguous());
  EXPECT_LT((inference - withGradients).abs().max().item<float>(), 1e-5f);
}

TEST(AutoencoderNetwork, ForwardEqualsPlainPyTorchLayers)
{
  // The same parameters through LibTorch's own Conv2d / ConvTranspose2d layers, as a PyTorch module would run them.
  itk::PaperAutoencoder network(64, 1, 20);
  torch::NoGradGuard    noGrad;
  const auto            input = torch::rand({ 3, 1, 64, 64 });
  torch::Tensor         current = input;
  const auto            specs = network->Specs();
  const auto            named = network->named_parameters();
  for (std::size_t i = 0; i < specs.size(); ++i)
  {
    const auto & weight = named["layers." + std::to_string(i) + ".weight"];
    const auto & bias = named["layers." + std::to_string(i) + ".bias"];
    const int    stride = specs[i].Kernel == 4 ? 2 : 1;
    const int    padding = specs[i].Kernel == 8 ? 0 : 1;
    current = specs[i].Transposed ? torch::conv_transpose2d(current, weight, bias, stride, padding)
                                  : torch::conv2d(current, weight, bias, stride, padding);
    if (specs[i].Activation)
    {
      current = torch::leaky_relu(current, 0.2);
    }
  }
  current = torch::sigmoid(current);
  EXPECT_LT((network->forward(input) - current).abs().max().item<float>(), 1e-5f);
}

TEST(AutoencoderModel, SaveLoadRoundTrip)
{
  auto model = itk::AutoencoderModel::New();
  model->SetPatchSize(32);
  model->SetLatentSize(16);
  model->SetLoss(itk::AutoencoderModelEnums::Loss::L2);
  model->SetIntensityMinimum(10.0);
  model->SetIntensityMaximum(200.0);
  model->SetThreshold(0.42);
  model->SetMetadataValue("training.epochs", "7");
  model->Initialize(5);
  EXPECT_TRUE(model->IsInitialized());
  const auto         patches = RandomPatches(4, 32, 1);
  std::vector<float> before(patches.size());
  model->Reconstruct(patches.data(), 4, before.data());

  const std::string file = TemporaryFile("roundtrip.pt");
  model->Save(file);
  auto loaded = itk::AutoencoderModel::New();
  loaded->Load(file);
  EXPECT_EQ(loaded->GetPatchSize(), 32u);
  EXPECT_EQ(loaded->GetLatentSize(), 16u);
  EXPECT_EQ(loaded->GetLoss(), itk::AutoencoderModelEnums::Loss::L2);
  EXPECT_DOUBLE_EQ(loaded->GetIntensityMinimum(), 10.0);
  EXPECT_DOUBLE_EQ(loaded->GetIntensityMaximum(), 200.0);
  EXPECT_DOUBLE_EQ(loaded->GetThreshold(), 0.42);
  EXPECT_EQ(loaded->GetMetadataValue("training.epochs"), "7");
  EXPECT_EQ(loaded->GetNumberOfParameters(), model->GetNumberOfParameters());
  std::vector<float> after(patches.size());
  loaded->Reconstruct(patches.data(), 4, after.data());
  EXPECT_EQ(before, after);

  // Different seeds give different networks (the comparison above can fail).
  auto               other = SmallModel(16, 6);
  std::vector<float> different(patches.size());
  other->Reconstruct(patches.data(), 4, different.data());
  EXPECT_NE(before, different);

  std::ostringstream printed;
  loaded->Print(printed);
  EXPECT_NE(printed.str().find("PatchSize: 32"), std::string::npos);
  EXPECT_NE(printed.str().find("training.epochs: 7"), std::string::npos);
}

TEST(AutoencoderModel, BadFilesGiveClearErrors)
{
  auto model = itk::AutoencoderModel::New();
  ExpectThrowMentioning([&] { model->Load(TemporaryFile("no-such-model.pt")); },
                        { "no-such-model.pt", "does not exist" });
  {
    std::ofstream(TemporaryFile("empty.pt"));
  }
  ExpectThrowMentioning([&] { model->Load(TemporaryFile("empty.pt")); }, { "empty.pt", "empty" });
  {
    std::ofstream text(TemporaryFile("text.pt"));
    text << "this is not a model\n";
  }
  ExpectThrowMentioning([&] { model->Load(TemporaryFile("text.pt")); }, { "text.pt", "damaged", "zip directory" });

  const std::string good = TemporaryFile("good.pt");
  SmallModel(8, 1)->Save(good);
  const std::string bytes = FileBytes(good);
  {
    std::ofstream truncated(TemporaryFile("truncated.pt"), std::ios::binary);
    truncated.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  }
  ExpectThrowMentioning([&] { model->Load(TemporaryFile("truncated.pt")); }, { "truncated.pt" });

  // A flipped byte inside the weights: caught by the records' CRC-32 before LibTorch parses the file.
  {
    std::string corrupt = bytes;
    const auto  position = corrupt.size() / 2; // the archive is mostly the uncompressed weights
    corrupt[position] = static_cast<char>(corrupt[position] ^ 0x5A);
    std::ofstream(TemporaryFile("corrupt.pt"), std::ios::binary) << corrupt;
  }
  ExpectThrowMentioning([&] { model->Load(TemporaryFile("corrupt.pt")); }, { "corrupt.pt", "CRC-32" });
  // A flipped byte inside a deflated record (LibTorch compresses the TorchScript code): caught by its CRC-32 too;
  // LibTorch itself crashed on such files (found by fuzzing).
  {
    std::string damaged = bytes;
    bool        flipped = false;
    for (std::size_t at = 0; at + 30 < damaged.size() && !flipped; ++at)
    {
      const auto byte = [&](std::size_t i) { return static_cast<unsigned int>(static_cast<unsigned char>(damaged[i])); };
      if (damaged.compare(at, 4, "PK\x03\x04") == 0 && byte(at + 8) == 8)
      {
        const std::size_t data = at + 30 + (byte(at + 26) | byte(at + 27) << 8) + (byte(at + 28) | byte(at + 29) << 8);
        damaged[data + 2] = static_cast<char>(damaged[data + 2] ^ 0x10);
        flipped = true;
      }
    }
    ASSERT_TRUE(flipped) << "no deflated record in the model file";
    std::ofstream(TemporaryFile("deflated.pt"), std::ios::binary) << damaged;
  }
  ExpectThrowMentioning([&] { model->Load(TemporaryFile("deflated.pt")); }, { "deflated.pt", "damaged" });
  // The classic end record saying "no records" while the zip64 record (which LibTorch reads) lists them all: a
  // directory read differently from LibTorch would leave every record unchecked (found by fuzzing).
  {
    std::string inconsistent = bytes;
    const auto  end = inconsistent.rfind("PK\x05\x06");
    ASSERT_NE(end, std::string::npos);
    inconsistent[end + 8] = inconsistent[end + 9] = inconsistent[end + 10] = inconsistent[end + 11] = 0;
    std::ofstream(TemporaryFile("inconsistent.pt"), std::ios::binary) << inconsistent;
  }
  ExpectThrowMentioning([&] { model->Load(TemporaryFile("inconsistent.pt")); }, { "inconsistent.pt", "damaged" });
  // Weights changed with intact CRCs (the archive rewritten): caught by the weights' own checksum.
  RewriteModelFile(good, TemporaryFile("perturbed.pt"), {}, {}, true);
  ExpectThrowMentioning([&] { model->Load(TemporaryFile("perturbed.pt")); }, { "perturbed.pt", "checksum" });

  // Metadata that does not match the stored weights (latent size 9 for weights of latent size 8).
  RewriteModelFile(good, TemporaryFile("mismatched.pt"), { { "ssimae.latent_size", c10::IValue(int64_t{ 9 }) } });
  ExpectThrowMentioning([&] { model->Load(TemporaryFile("mismatched.pt")); }, { "mismatched.pt", "shape" });

  // A LibTorch archive that is not a model, a model from a newer format version, and unknown enumeration names.
  {
    torch::serialize::OutputArchive foreign;
    foreign.write("weights", torch::ones({ 3 }));
    foreign.save_to(TemporaryFile("foreign.pt"));
  }
  ExpectThrowMentioning([&] { model->Load(TemporaryFile("foreign.pt")); }, { "foreign.pt", "not an SSIMAutoencoder" });
  RewriteModelFile(good, TemporaryFile("newer.pt"), { { "ssimae.format_version", c10::IValue(int64_t{ 99 }) } });
  ExpectThrowMentioning([&] { model->Load(TemporaryFile("newer.pt")); }, { "newer.pt", "format version 99" });
  RewriteModelFile(good, TemporaryFile("unknown-loss.pt"), { { "ssimae.loss", c10::IValue(std::string("SSIM")) } });
  ExpectThrowMentioning([&] { model->Load(TemporaryFile("unknown-loss.pt")); }, { "unknown loss 'SSIM'" });
  RewriteModelFile(good,
                   TemporaryFile("unknown-normalization.pt"),
                   { { "ssimae.intensity_normalization", c10::IValue(std::string("perimage")) } });
  ExpectThrowMentioning([&] { model->Load(TemporaryFile("unknown-normalization.pt")); },
                        { "unknown intensity normalisation 'perimage'" });
  RewriteModelFile(
    good, TemporaryFile("torchscript.pt"), { { "ssimae.architecture", c10::IValue(std::string("torchscript")) } });
  ExpectThrowMentioning([&] { model->Load(TemporaryFile("torchscript.pt")); }, { "architecture 'torchscript'" });

  // A failed load leaves the model as it was.
  EXPECT_FALSE(model->IsInitialized());
  auto empty = itk::AutoencoderModel::New();
  ExpectThrowMentioning([&] { empty->Save(TemporaryFile("nothing.pt")); }, { "nothing.pt" });
  float patch = 0.0f;
  EXPECT_THROW(empty->Reconstruct(&patch, 1, &patch), itk::ExceptionObject);
  auto wrong = itk::AutoencoderModel::New();
  wrong->SetPatchSize(100);
  ExpectThrowMentioning([&] { wrong->Initialize(); }, { "patch size 100" });
}

TEST(AutoencoderModel, FormatOneFilesLoadWithGlobalNormalizationAndScaleOne)
{
  const std::string current = TemporaryFile("format-2.pt");
  auto              model = SmallModel(8, 2);
  model->SetIntensityNormalization(itk::AutoencoderModelEnums::Normalization::PerImage);
  model->SetImageScale(0.5);
  model->Save(current);
  auto loaded = itk::AutoencoderModel::New();
  loaded->Load(current);
  EXPECT_EQ(loaded->GetIntensityNormalization(), itk::AutoencoderModelEnums::Normalization::PerImage);
  EXPECT_EQ(loaded->GetImageScale(), 0.5);

  // Format 1 had neither field.
  RewriteModelFile(current,
                   TemporaryFile("format-1.pt"),
                   { { "ssimae.format_version", c10::IValue(int64_t{ 1 }) } },
                   { "ssimae.intensity_normalization", "ssimae.image_scale", "ssimae.fields_checksum" });
  loaded->Load(TemporaryFile("format-1.pt"));
  EXPECT_EQ(loaded->GetIntensityNormalization(), itk::AutoencoderModelEnums::Normalization::Global);
  EXPECT_EQ(loaded->GetImageScale(), 1.0);
}

// Format 3: every setting that changes results is covered by a checksum, and sizes are checked before allocation.
TEST(AutoencoderModel, SettingsAreCoveredByAChecksum)
{
  const std::string good = TemporaryFile("integrity.pt");
  auto              model = SmallModel(8, 3);
  model->SetThreshold(0.3);
  model->SetMetadataValue("calibration", "percentile 99.5");
  model->Save(good);
  auto loaded = itk::AutoencoderModel::New();
  loaded->Load(good);
  EXPECT_EQ(loaded->GetThreshold(), 0.3);

  const auto changed = [&](const std::string &                        name,
                           const std::map<std::string, c10::IValue> & replaced,
                           const std::set<std::string> &              removed = {}) {
    RewriteModelFile(good, TemporaryFile(name), replaced, removed);
    return TemporaryFile(name);
  };
  const std::string threshold = changed("threshold.pt", { { "ssimae.threshold", c10::IValue(0.9) } });
  ExpectThrowMentioning([&] { loaded->Load(threshold); }, { "threshold.pt", "checksum" });
  const std::string range = changed("range.pt", { { "ssimae.intensity_maximum", c10::IValue(65535.0) } });
  ExpectThrowMentioning([&] { loaded->Load(range); }, { "range.pt", "checksum" });
  c10::List<std::string> values;
  values.push_back("percentile 50");
  const std::string metadata = changed("metadata.pt", { { "ssimae.metadata_values", c10::IValue(values) } });
  ExpectThrowMentioning([&] { loaded->Load(metadata); }, { "metadata.pt", "checksum" });
  // A version lowered to 2 does not switch the check off while the checksum is there; without it, 3 is refused.
  const std::string downgraded =
    changed("downgraded.pt",
            { { "ssimae.format_version", c10::IValue(int64_t{ 2 }) }, { "ssimae.threshold", c10::IValue(0.9) } });
  ExpectThrowMentioning([&] { loaded->Load(downgraded); }, { "downgraded.pt", "checksum" });
  const std::string missing = changed("missing-checksum.pt", {}, { "ssimae.fields_checksum" });
  ExpectThrowMentioning([&] { loaded->Load(missing); }, { "missing-checksum.pt", "lacks the checksum" });
  // A format-2 file (no settings checksum) still loads.
  const std::string format2 =
    changed("format-2.pt", { { "ssimae.format_version", c10::IValue(int64_t{ 2 }) } }, { "ssimae.fields_checksum" });
  loaded->Load(format2);
  EXPECT_EQ(loaded->GetThreshold(), 0.3);
  // Absurd sizes are refused before a network is built.
  const std::string huge = changed("huge-latent.pt", { { "ssimae.latent_size", c10::IValue(int64_t{ 1000000000 }) } });
  ExpectThrowMentioning([&] { loaded->Load(huge); }, { "huge-latent.pt", "latent size 1000000000" });
  const std::string patch = changed("odd-patch.pt", { { "ssimae.patch_size", c10::IValue(int64_t{ 48 }) } });
  ExpectThrowMentioning([&] { loaded->Load(patch); }, { "odd-patch.pt", "patch size 48" });
  // Sizes beyond 32 bits are refused, not wrapped into range (2^32 + 32 would read as 32, and so would its checksum).
  const std::string wrapped =
    changed("wrapped-patch.pt", { { "ssimae.patch_size", c10::IValue(int64_t{ 4294967296 } + 32) } });
  ExpectThrowMentioning([&] { loaded->Load(wrapped); }, { "wrapped-patch.pt", "patch size 4294967328, out of range" });
  const std::string negative = changed("negative-latent.pt", { { "ssimae.latent_size", c10::IValue(int64_t{ -8 }) } });
  ExpectThrowMentioning([&] { loaded->Load(negative); }, { "negative-latent.pt", "latent size -8, out of range" });
  auto big = itk::AutoencoderModel::New();
  big->SetLatentSize(itk::AutoencoderModel::MaximumLatentSize + 1);
  EXPECT_THROW(big->Initialize(), itk::ExceptionObject);
}

TEST(AutoencoderModel, SaveIntoAMissingDirectoryThrowsNamingThePath)
{
  const std::string directory = TemporaryFile("no-such-directory");
  std::filesystem::remove_all(directory);
  const std::string file = directory + "/model.pt";
  auto              model = SmallModel(8, 1);
  ExpectThrowMentioning([&] { model->Save(file); }, { file });
  EXPECT_FALSE(std::filesystem::exists(directory));
  EXPECT_TRUE(TemporaryFilesOf(SSIMAE_TEST_OUTPUT, "model").empty());
}

TEST(AutoencoderModel, SaveReplacesAFileOnlyWhenComplete)
{
  // A successful save replaces the previous file and leaves no temporary file.
  const std::string file = TemporaryFile("replaced.pt");
  SmallModel(8, 1)->Save(file);
  const std::string first = FileBytes(file);
  SmallModel(8, 2)->Save(file);
  EXPECT_NE(FileBytes(file), first);
  EXPECT_TRUE(TemporaryFilesOf(SSIMAE_TEST_OUTPUT, "replaced").empty());

  // The temporary file beside the target is ".<stem>.partial-<8 characters><extension>": for a 250-character file
  // name it exceeds the 255-byte name limit of common file systems, so the save fails after the target exists.
  const std::string stem(247, 'm');
  const std::string target = TemporaryFile(stem + ".pt");
  std::ofstream(target, std::ios::binary) << first;
  ExpectThrowMentioning([&] { SmallModel(8, 3)->Save(target); }, { target });
  EXPECT_EQ(FileBytes(target), first);
  EXPECT_TRUE(TemporaryFilesOf(SSIMAE_TEST_OUTPUT, stem).empty());
  auto loaded = itk::AutoencoderModel::New();
  EXPECT_NO_THROW(loaded->Load(target));
  std::filesystem::remove(target);
}

TEST(AutoencoderModel, BasicObjectMethods)
{
  auto model = SmallModel(8, 3);
  model->SetMetadataValue("source", "test");
  EXPECT_STREQ(model->GetNameOfClass(), "AutoencoderModel");
  std::ostringstream printed;
  model->Print(printed);
  for (const char * member : { "Architecture: paper",
                               "PatchSize: 32",
                               "NumberOfChannels: 1",
                               "LatentSize: 8",
                               "Loss: ssim",
                               "IntensityMinimum: 0",
                               "IntensityMaximum: 255",
                               "IntensityNormalization: global",
                               "ImageScale: 1",
                               "Threshold: nan",
                               "NumberOfThreads: ",
                               "Initialized: 1",
                               "NumberOfParameters: ",
                               "Metadata: 1 entries",
                               "source: test" })
  {
    EXPECT_NE(printed.str().find(member), std::string::npos) << member << " not in:\n" << printed.str();
  }
}

// Every value has a stable name that reads back as the value; operator<< prints it; other names are refused.
template<typename TEnum>
void
ExpectNamesRoundTrip(const std::vector<std::pair<TEnum, std::string>> & names, const std::string & unknownName)
{
  using Enums = itk::AutoencoderModelEnums;
  for (std::size_t i = 0; i < names.size(); ++i)
  {
    const TEnum value = names[i].first;
    EXPECT_EQ(std::string(Enums::ToString(value)), names[i].second);
    TEnum parsed = names[(i + 1) % names.size()].first;
    EXPECT_TRUE(Enums::FromString(names[i].second, parsed)) << names[i].second;
    EXPECT_EQ(parsed, value) << names[i].second;
    std::ostringstream printed;
    printed << value;
    EXPECT_EQ(printed.str(), names[i].second);
  }
  for (const std::string & unknown : { unknownName, std::string(), std::string("unknown") })
  {
    TEnum unchanged = names.back().first;
    EXPECT_FALSE(Enums::FromString(unknown, unchanged)) << "'" << unknown << "'";
    EXPECT_EQ(unchanged, names.back().first);
  }
  EXPECT_STREQ(Enums::ToString(static_cast<TEnum>(99)), "unknown");
}

TEST(AutoencoderModelEnums, StableNamesRoundTrip)
{
  using Enums = itk::AutoencoderModelEnums;
  ExpectNamesRoundTrip<Enums::Architecture>(
    { { Enums::Architecture::Paper, "paper" },
      { Enums::Architecture::TorchScript, "torchscript" },
      { Enums::Architecture::Variational, "vae" } },
    "Paper");
  ExpectNamesRoundTrip<Enums::Loss>({ { Enums::Loss::SSIM, "ssim" },
                                      { Enums::Loss::L2, "l2" },
                                      { Enums::Loss::L1, "l1" },
                                      { Enums::Loss::SSIMPlusL1, "ssim+l1" },
                                      { Enums::Loss::ELBO, "elbo" },
                                      { Enums::Loss::FeatureMatching, "fm" } },
                                    "SSIMPlusL1");
  ExpectNamesRoundTrip<Enums::Normalization>(
    { { Enums::Normalization::Global, "global" }, { Enums::Normalization::PerImage, "per-image" } }, "perimage");
}

TEST(AutoencoderModel, ConcurrentReconstructionMatchesSerial)
{
  auto model = itk::AutoencoderModel::New();
  model->SetPatchSize(64);
  model->SetLatentSize(32);
  model->Initialize(11);
  const std::size_t               count = 6;
  std::vector<std::vector<float>> inputs, serial, parallel;
  for (unsigned int t = 0; t < 4; ++t)
  {
    inputs.push_back(RandomPatches(count, 64, 20 + t));
    serial.emplace_back(inputs.back().size());
    parallel.emplace_back(inputs.back().size());
    model->Reconstruct(inputs[t].data(), count, serial[t].data());
  }
  std::vector<std::thread> threads;
  for (unsigned int t = 0; t < 4; ++t)
  {
    threads.emplace_back([&, t] {
      for (int repeat = 0; repeat < 3; ++repeat)
      {
        model->Reconstruct(inputs[t].data(), count, parallel[t].data());
      }
    });
  }
  for (auto & thread : threads)
  {
    thread.join();
  }
  for (unsigned int t = 0; t < 4; ++t)
  {
    float largest = 0.0f;
    for (std::size_t i = 0; i < serial[t].size(); ++i)
    {
      largest = std::max(largest, std::abs(serial[t][i] - parallel[t][i]));
    }
    EXPECT_LT(largest, 1e-6f) << "thread " << t;
  }
}

TEST(AutoencoderModel, LoadsTorchScriptFromPyTorch)
{
  const std::string file = TemporaryFile("blur_module.pt");
  const std::string command =
    std::string(SSIMAE_PYTHON) + " " + SSIMAE_SOURCE_DIR + "/test/scripts/export_torchscript.py " + file;
  const int status = std::system(command.c_str());
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
  {
    GTEST_SKIP() << "python3-torch is not importable by " << SSIMAE_PYTHON << ": cannot export a TorchScript module";
  }
  ASSERT_EQ(status, 0) << command;
  auto model = itk::AutoencoderModel::New();
  model->LoadTorchScript(file, 16, 1);
  EXPECT_EQ(model->GetArchitecture(), itk::AutoencoderModelEnums::Architecture::TorchScript);
  const auto         patches = RandomPatches(2, 16, 4);
  std::vector<float> output(patches.size());
  model->Reconstruct(patches.data(), 2, output.data());
  // Interior pixel (5, 7) of patch 1: box mean of 0.5 x + 0.25.
  double expected = 0.0;
  for (int dy = -1; dy <= 1; ++dy)
  {
    for (int dx = -1; dx <= 1; ++dx)
    {
      expected += (0.5 * patches[256 + (7 + dy) * 16 + 5 + dx] + 0.25) / 9.0;
    }
  }
  EXPECT_NEAR(output[256 + 7 * 16 + 5], expected, 1e-6);
  ExpectThrowMentioning([&] { model->LoadTorchScript(TemporaryFile("text.pt"), 16, 1); }, { "text.pt" });
}

TEST(TorchSSIM, MapEqualsSSIMImageFilter)
{
  using ImageType = itk::Image<float, 2>;
  const auto x = itk::ReadImage<ImageType>(std::string(SSIMAE_TEST_DATA) + "/ssim_x_2d.mha");
  const auto y = itk::ReadImage<ImageType>(std::string(SSIMAE_TEST_DATA) + "/ssim_y_2d.mha");
  auto       filter = itk::SSIMImageFilter<ImageType>::New();
  filter->SetInput1(x);
  filter->SetInput2(y);
  filter->Update();
  const auto size = x->GetLargestPossibleRegion().GetSize();
  const auto shape = std::vector<int64_t>{ 1, 1, static_cast<int64_t>(size[1]), static_cast<int64_t>(size[0]) };
  const auto tx = torch::from_blob(x->GetBufferPointer(), shape, torch::kFloat).to(torch::kDouble);
  const auto ty = torch::from_blob(y->GetBufferPointer(), shape, torch::kFloat).to(torch::kDouble);
  const auto map = itk::SSIMMap(tx, ty).to(torch::kFloat).contiguous();
  const auto expected = torch::from_blob(filter->GetOutput()->GetBufferPointer(), shape, torch::kFloat);
  EXPECT_LT((map - expected).abs().max().item<float>(), 1e-5f);

  // Gradients flow, and the losses have their closed forms.
  auto a = torch::rand({ 2, 1, 24, 20 }, torch::TensorOptions().requires_grad(true));
  auto b = torch::rand({ 2, 1, 24, 20 });
  auto loss = itk::ReconstructionLoss(a, b, itk::AutoencoderModelEnums::Loss::SSIM);
  loss.backward();
  EXPECT_GT(a.grad().abs().sum().item<float>(), 0.0f);
  EXPECT_NEAR(itk::ReconstructionLoss(b, b, itk::AutoencoderModelEnums::Loss::SSIM).item<float>(), 0.0f, 1e-6f);
  EXPECT_NEAR(itk::ReconstructionLoss(a, b, itk::AutoencoderModelEnums::Loss::L2).item<float>(),
              (a - b).pow(2).mean().item<float>(),
              1e-7f);
  EXPECT_NEAR(itk::ReconstructionLoss(a, b, itk::AutoencoderModelEnums::Loss::L1).item<float>(),
              (a - b).abs().mean().item<float>(),
              1e-7f);
}

// A checkpoint rewritten with intact CRCs but one changed value (the completed epochs) is refused by its checksum.
TEST(AutoencoderTrainer, CheckpointChecksumCoversTheLoopState)
{
  const std::string checkpoint = TemporaryFile("checksummed.checkpoint");
  std::filesystem::remove(checkpoint);
  const auto train = [&](unsigned int epochs, bool resume) {
    auto model = itk::AutoencoderModel::New();
    model->SetPatchSize(32);
    model->SetLatentSize(8);
    auto generator = itk::CheckerboardDefectGenerator::New();
    auto trainer = itk::AutoencoderTrainer::New();
    trainer->SetModel(model);
    generator->SetWidth(48);
    generator->SetHeight(48);
    trainer->AddImage(generator->MakeTexture(1));
    trainer->SetNumberOfPatchesPerEpoch(32);
    trainer->SetBatchSize(16);
    trainer->SetNumberOfEpochs(epochs);
    trainer->SetCheckpointFile(checkpoint);
    resume ? trainer->Resume() : trainer->Train();
  };
  train(1, false);
  torch::serialize::InputArchive original;
  original.load_from(checkpoint);
  torch::serialize::OutputArchive rewritten;
  for (const auto & key : original.keys())
  {
    c10::IValue value;
    ASSERT_TRUE(original.try_read(key, value)) << key;
    rewritten.write(key, key == "epoch" ? c10::IValue(int64_t{ 2 }) : value);
  }
  rewritten.save_to(checkpoint);
  ExpectThrowMentioning([&] { train(1, true); }, { "checksummed.checkpoint", "checksum" });
}
