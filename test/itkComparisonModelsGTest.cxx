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
// The paper's comparison models: the variational autoencoder (ELBO, reconstruction probability) and the
// feature-matching loss, checked against an independent PyTorch implementation (test/scripts/vae_reference.py,
// Debian's python3-torch, float64) on the same weights, noise and inputs. Tolerance: 1e-4 relative (float32 here).

#include "itkAutoencoderModel.h"
#include "itkAutoencoderNetwork.h"

#include <gtest/gtest.h>
#include "itkSSIMAutoencoderTestUtilities.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace {
std::string
TemporaryPath(const std::string & name)
{
  return std::string(SSIMAE_TEST_OUTPUT) + "/" + name;
}

void
WriteTensor(const torch::Tensor & tensor, const std::string & path)
{
  const auto    values = tensor.detach().to(torch::kFloat).contiguous();
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(values.data_ptr<float>()),
            static_cast<std::streamsize>(values.numel() * sizeof(float)));
  ASSERT_TRUE(out.good()) << path;
}

// Parameters (raw float32, one file each, names and shapes in parameters.txt) and the layer table (layers.txt).
void
WriteNetwork(itk::PaperAutoencoder & network, const std::string & directory)
{
  std::ofstream names(directory + "/parameters.txt");
  for (const auto & parameter : network->named_parameters())
  {
    names << parameter.key();
    for (const auto size : parameter.value().sizes())
    {
      names << ' ' << size;
    }
    names << '\n';
    WriteTensor(parameter.value(), directory + "/" + parameter.key() + ".bin");
  }
  std::ofstream layers(directory + "/layers.txt");
  for (const auto & spec : network->Specs())
  {
    layers << spec.InputChannels << ' ' << spec.OutputChannels << ' ' << spec.Kernel << ' ' << spec.Transposed << ' '
           << spec.Activation << '\n';
  }
}

// Runs the reference script on `directory`; false (and the test skipped by the caller) without python3-torch.
bool
RunReference(const std::string & mode, const std::string & directory, const std::string & extra = "")
{
  const std::string command = std::string(SSIMAE_PYTHON) + " " + SSIMAE_SOURCE_DIR + "/test/scripts/vae_reference.py " +
                              mode + " " + directory + " " + extra;
  const int status = std::system(command.c_str());
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
  {
    return false;
  }
  EXPECT_EQ(status, 0) << command;
  return true;
}

std::string
FreshDirectory(const std::string & name)
{
  const auto directory = TemporaryPath(name);
  std::filesystem::remove_all(directory);
  std::filesystem::create_directories(directory);
  return directory;
}

// A variational network whose log-variance head is not zero (as it starts), so the samples spread.
itk::PaperAutoencoder
RandomVariationalNetwork()
{
  torch::manual_seed(11);
  itk::PaperAutoencoder network(32, 1, 8, true);
  torch::NoGradGuard    noGrad;
  for (auto & parameter : network->named_parameters())
  {
    if (parameter.key().rfind("log_variance_head", 0) == 0)
    {
      parameter.value().normal_(0.0, 0.05);
    }
  }
  network->named_parameters()["pixel_log_variance"].fill_(std::log(0.02));
  return network;
}
} // namespace

TEST(VariationalAutoencoder, ReconstructionProbabilityAndELBOEqualPyTorch)
{
  auto       network = RandomVariationalNetwork();
  const auto directory = FreshDirectory("vae_reference");
  WriteNetwork(network, directory);
  torch::manual_seed(12);
  const auto input = torch::rand({ 3, 1, 32, 32 });
  const auto samples = torch::randn({ 4, 3, 8, 1, 1 });
  WriteTensor(input, directory + "/input.bin");
  WriteTensor(samples, directory + "/samples.bin");
  const auto residual = network->ReconstructionNegativeLogLikelihood(input, samples);
  ASSERT_EQ(residual.sizes(), input.sizes());
  WriteTensor(residual, directory + "/residual.bin");
  // The ELBO of the first sample, as training computes it (with the network's pixel variance).
  const auto outputs = network->VariationalForward(input, samples[0]);
  const auto elbo = itk::VariationalLoss(outputs[0], input, outputs[1], outputs[2], network->PixelLogVariance());
  WriteTensor(elbo.reshape({ 1 }), directory + "/elbo.bin");
  // The posterior-mean reconstruction (forward) decodes z = mean.
  {
    torch::NoGradGuard noGrad;
    const auto         mean = network->Encode(input).first;
    EXPECT_LT((network->forward(input) - network->Decode(mean)).abs().max().item<float>(), 1e-6f);
  }
  if (!RunReference("vae", directory))
  {
    GTEST_SKIP() << "python3-torch is not importable by " << SSIMAE_PYTHON << ": no PyTorch reference";
  }
}

TEST(VariationalAutoencoder, ModelResidualIsReproducibleSavedAndRefusedForOtherModels)
{
  auto model = itk::AutoencoderModel::New();
  model->SetArchitecture(itk::AutoencoderModelEnums::Architecture::Variational);
  model->SetLoss(itk::AutoencoderModelEnums::Loss::ELBO);
  model->SetPatchSize(32);
  model->SetLatentSize(8);
  model->Initialize(3);
  model->SetNumberOfSamples(7);
  EXPECT_TRUE(model->ProvidesResidual());
  torch::manual_seed(4);
  const auto         input = torch::rand({ 2, 1, 32, 32 });
  std::vector<float> first(input.numel());
  std::vector<float> second(input.numel());
  model->ComputeResidual(input.data_ptr<float>(), 2, first.data());
  model->ComputeResidual(input.data_ptr<float>(), 2, second.data());
  EXPECT_EQ(first, second);
  // The second patch alone has the residual it has in the batch (its noise depends on its values only).
  std::vector<float> alone(32 * 32);
  model->ComputeResidual(input.data_ptr<float>() + 32 * 32, 1, alone.data());
  for (std::size_t i = 0; i < alone.size(); ++i)
  {
    ASSERT_NEAR(alone[i], first[32 * 32 + i], 1e-4 * std::max(1.0f, std::abs(alone[i]))) << i;
  }
  const auto file = TemporaryPath("vae_model.pt");
  model->Save(file);
  auto loaded = itk::AutoencoderModel::New();
  loaded->Load(file);
  EXPECT_EQ(loaded->GetArchitecture(), itk::AutoencoderModelEnums::Architecture::Variational);
  EXPECT_EQ(loaded->GetLoss(), itk::AutoencoderModelEnums::Loss::ELBO);
  EXPECT_EQ(loaded->GetNumberOfSamples(), 7u);
  loaded->ComputeResidual(input.data_ptr<float>(), 2, second.data());
  EXPECT_EQ(first, second);
  // The parameters of the variational heads are part of the weights and their checksum.
  EXPECT_EQ(loaded->GetNumberOfParameters(), model->GetNumberOfParameters());
  EXPECT_THROW(model->SetNumberOfSamples(0), itk::ExceptionObject);

  auto plain = itk::AutoencoderModel::New();
  plain->SetPatchSize(32);
  plain->SetLatentSize(8);
  plain->Initialize(3);
  EXPECT_FALSE(plain->ProvidesResidual());
  try
  {
    plain->ComputeResidual(input.data_ptr<float>(), 2, first.data());
    ADD_FAILURE() << "a plain autoencoder computed a residual of its own";
  }
  catch (const itk::ExceptionObject & error)
  {
    EXPECT_NE(std::string(error.GetDescription()).find("no residual of its own"), std::string::npos)
      << error.GetDescription();
  }
}

TEST(FeatureMatching, LossEqualsPyTorchOnTheSameExtractorAndWeights)
{
  const auto directory = FreshDirectory("fm_reference");
  const auto features = directory + "/features.pt";
  const std::string command =
    std::string(SSIMAE_PYTHON) + " " + SSIMAE_SOURCE_DIR + "/scripts/export_feature_extractor.py " + features;
  const int status = std::system(command.c_str());
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
  {
    GTEST_SKIP() << "python3-torch is not importable by " << SSIMAE_PYTHON << ": cannot export a feature extractor";
  }
  ASSERT_EQ(status, 0) << command;
  auto extractor = torch::jit::load(features);
  torch::manual_seed(13);
  itk::PaperAutoencoder network(32, 1, 8);
  WriteNetwork(network, directory);
  const auto input = torch::rand({ 3, 1, 32, 32 });
  WriteTensor(input, directory + "/input.bin");
  const auto reconstruction = network->forward(input);
  const auto loss = itk::FeatureMatchingLoss(reconstruction,
                                             input,
                                             extractor.forward({ reconstruction }).toTensor(),
                                             extractor.forward({ input }).toTensor(),
                                             2.5);
  WriteTensor(loss.reshape({ 1 }), directory + "/loss.bin");
  // The feature term is not zero for these weights (else the check would not test it).
  EXPECT_GT(loss.item<double>(), torch::mse_loss(reconstruction, input).item<double>() + 1e-6);
  EXPECT_TRUE(RunReference("fm", directory, "2.5"));
}
