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
// Writes small seeds for ssimaeFuzzModelLoader into a directory: LibTorch archives with the fields of a model file
// (keys as src/itkAutoencoderModel.cxx writes them) but without the megabytes of weights that even the smallest
// network has, so that the fuzzer reaches the field checks of Load() quickly. scripts/sanitize_and_fuzz.sh adds a
// complete trained model.
//   ssimaeFuzzModelSeeds OUTPUT_DIR
#include <torch/serialize/output-archive.h>
#include <torch/torch.h>

#include <iostream>
#include <string>

namespace {
struct Fields
{
  int64_t     Version{ 3 };
  c10::IValue PatchSize{ int64_t{ 32 } };
  int64_t     Channels{ 1 };
  int64_t     Latent{ 1 };
  std::string Loss{ "ssim" };
  std::string Normalization{ "global" };
  double      Scale{ 1.0 };
  bool        Checksum{ true };
  bool        Network{ false };
};

void
Write(const std::string & path, const Fields & fields)
{
  torch::serialize::OutputArchive archive;
  const auto                      text = [](const std::string & value) { return c10::IValue(value); };
  archive.write("ssimae.magic", text("SSIMAutoencoder model"));
  archive.write("ssimae.format_version", c10::IValue(fields.Version));
  archive.write("ssimae.architecture", text("paper"));
  archive.write("ssimae.patch_size", fields.PatchSize);
  archive.write("ssimae.channels", c10::IValue(fields.Channels));
  archive.write("ssimae.latent_size", c10::IValue(fields.Latent));
  archive.write("ssimae.loss", text(fields.Loss));
  archive.write("ssimae.intensity_minimum", c10::IValue(0.0));
  archive.write("ssimae.intensity_maximum", c10::IValue(255.0));
  archive.write("ssimae.threshold", c10::IValue(0.25));
  if (fields.Version >= 2)
  {
    archive.write("ssimae.intensity_normalization", text(fields.Normalization));
    archive.write("ssimae.image_scale", c10::IValue(fields.Scale));
  }
  c10::List<std::string> keys({ "trainer.epochs", "calibration" });
  c10::List<std::string> values({ "1", "maximum" });
  archive.write("ssimae.metadata_keys", c10::IValue(keys));
  archive.write("ssimae.metadata_values", c10::IValue(values));
  if (fields.Checksum)
  {
    archive.write("ssimae.fields_checksum", c10::IValue(int64_t{ 1234567 }));
  }
  if (fields.Network)
  {
    // A network archive with one small tensor: Load() must refuse it (missing parameters, wrong shapes).
    torch::serialize::OutputArchive weights;
    weights.write("layers.0.weight", torch::zeros({ 32, 1, 3, 3 }));
    weights.write("layers.0.bias", torch::zeros({ 2 }));
    archive.write("network", weights);
    archive.write("ssimae.weights_checksum", c10::IValue(int64_t{ 7 }));
  }
  archive.save_to(path);
}
} // namespace

int
main(int argc, char * argv[])
{
  if (argc != 2)
  {
    std::cerr << "usage: ssimaeFuzzModelSeeds OUTPUT_DIR\n";
    return 2;
  }
  const std::string directory = argv[1];
  Fields            fields;
  Write(directory + "/fields-v3.pt", fields);
  fields.Network = true;
  Write(directory + "/small-network-v3.pt", fields);
  fields = Fields();
  fields.Version = 2;
  fields.Checksum = false;
  fields.Normalization = "per-image";
  fields.Scale = 0.5;
  fields.Loss = "ssim+l1";
  Write(directory + "/fields-v2.pt", fields);
  fields.Version = 1;
  fields.Loss = "l2";
  Write(directory + "/fields-v1.pt", fields);
  fields = Fields();
  fields.PatchSize = c10::IValue(std::string("32"));
  Write(directory + "/patch-size-text.pt", fields);
  fields = Fields();
  fields.PatchSize = c10::IValue(int64_t{ 4294967328 }); // 2^32 + 32
  fields.Latent = 16385;
  Write(directory + "/sizes-out-of-range.pt", fields);
  return 0;
}
