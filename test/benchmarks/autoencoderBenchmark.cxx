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
// Times the paper network (128 x 128 x 1, d = 100) in this library: inference per patch (batch 64) and one Adam
// training step with the SSIM loss per patch (batch 32). Driven by autoencoder_benchmark.py, which times the same
// network with the same weights in PyTorch eager in the same run.
//   autoencoderBenchmark DIR THREADS REPEATS [RETAIN_MEMORY]
// With RETAIN_MEMORY = 1 glibc keeps freed memory (mallopt: no trimming, no mmap below 256 MB), as the Python side
// does with the same flag.
// writes DIR/weights/<name>.bin (float32) and DIR/names.txt, reads DIR/input.bin (64 x 1 x 128 x 128 float32),
// writes DIR/output.bin, and prints "inference_s_per_patch X training_s_per_patch Y ..." and the per-patch training
// step of the l2-AE and of the VAE (ELBO), measured alternately.
#include "itkAutoencoderNetwork.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <malloc.h>

int
main(int argc, char * argv[])
{
  if (argc < 4)
  {
    std::cerr << "usage: " << argv[0] << " DIR THREADS REPEATS" << std::endl;
    return 2;
  }
  const std::string directory = argv[1];
  const int         threads = std::stoi(argv[2]);
  const int         repeats = std::stoi(argv[3]);
  if (argc > 4 && std::string(argv[4]) == "1")
  {
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
  }
  at::set_num_threads(threads);
  torch::manual_seed(0);
  itk::PaperAutoencoder network(128, 1, 100);

  std::ofstream names(directory + "/names.txt");
  for (const auto & parameter : network->named_parameters())
  {
    names << parameter.key() << "\n";
    const auto    tensor = parameter.value().contiguous();
    std::ofstream file(directory + "/weights/" + parameter.key() + ".bin", std::ios::binary);
    file.write(reinterpret_cast<const char *>(tensor.data_ptr<float>()), tensor.numel() * sizeof(float));
  }
  names.close();

  auto          input = torch::empty({ 64, 1, 128, 128 });
  std::ifstream in(directory + "/input.bin", std::ios::binary);
  in.read(reinterpret_cast<char *>(input.data_ptr<float>()), input.numel() * sizeof(float));
  if (!in)
  {
    std::cerr << "cannot read " << directory << "/input.bin" << std::endl;
    return 1;
  }
  const auto seconds = [](auto start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };

  std::vector<double> inference;
  torch::Tensor       output;
  {
    c10::InferenceMode guard;
    network->forward(input); // warm-up
    for (int r = 0; r < repeats; ++r)
    {
      const auto start = std::chrono::steady_clock::now();
      output = network->forward(input);
      inference.push_back(seconds(start) / 64.0);
    }
  }
  std::ofstream out(directory + "/output.bin", std::ios::binary);
  out.write(reinterpret_cast<const char *>(output.contiguous().data_ptr<float>()), output.numel() * sizeof(float));

  torch::optim::Adam  optimizer(network->parameters(), torch::optim::AdamOptions(2e-4).weight_decay(1e-5));
  const auto          batch = input.narrow(0, 0, 32).clone();
  std::vector<double> training;
  for (int r = 0; r <= repeats; ++r)
  {
    const auto start = std::chrono::steady_clock::now();
    optimizer.zero_grad();
    auto loss = itk::ReconstructionLoss(network->forward(batch), batch, itk::AutoencoderModelEnums::Loss::SSIM);
    loss.backward();
    optimizer.step();
    if (r > 0) // the first step allocates the optimizer state
    {
      training.push_back(seconds(start) / 32.0);
    }
  }
  // The paper's comparison models, steps interleaved so that both see the same machine load: the plain network with
  // the l2 loss, and its variational form with the ELBO (latent noise, the pixel-variance update, the KL term).
  torch::manual_seed(0);
  itk::PaperAutoencoder variational(128, 1, 100, true);
  torch::optim::Adam    variationalOptimizer(variational->parameters(), torch::optim::AdamOptions(2e-4).weight_decay(1e-5));
  std::vector<double>   l2Training;
  std::vector<double>   vaeTraining;
  for (int r = 0; r <= repeats; ++r)
  {
    auto start = std::chrono::steady_clock::now();
    optimizer.zero_grad();
    auto loss = itk::ReconstructionLoss(network->forward(batch), batch, itk::AutoencoderModelEnums::Loss::L2);
    loss.backward();
    optimizer.step();
    const double l2 = seconds(start) / 32.0;
    start = std::chrono::steady_clock::now();
    variationalOptimizer.zero_grad();
    const auto outputs = variational->VariationalForward(batch, torch::randn({ 32, 100, 1, 1 }));
    auto elbo = itk::VariationalLoss(
      outputs[0], batch, outputs[1], outputs[2], variational->FitPixelVariance(outputs[0], batch));
    elbo.backward();
    variationalOptimizer.step();
    if (r > 0)
    {
      l2Training.push_back(l2);
      vaeTraining.push_back(seconds(start) / 32.0);
    }
  }
  for (auto * times : { &inference, &training, &l2Training, &vaeTraining })
  {
    std::sort(times->begin(), times->end());
  }
  std::cout << "inference_s_per_patch " << inference[inference.size() / 2] << " training_s_per_patch "
            << training[training.size() / 2] << " inference_min " << inference.front() << " training_min "
            << training.front() << " l2_training_s_per_patch " << l2Training[l2Training.size() / 2]
            << " vae_training_s_per_patch " << vaeTraining[vaeTraining.size() / 2] << std::endl;
  return 0;
}
