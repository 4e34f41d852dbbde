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
// libFuzzer target: itk::AutoencoderModel::Load() on arbitrary bytes (the model file format: a LibTorch archive).
// Load() must either succeed or throw itk::ExceptionObject; anything else -- a crash, a sanitizer report, a leak,
// another exception -- is a finding. A model that loads is also used once (one patch reconstructed), so that
// settings Load() accepted are settings the model can work with.
#include "ssimaeFuzzTemporaryFile.h"

#include "itkAutoencoderModel.h"

#include <c10/util/Logging.h>

#include <vector>

// LibTorch's errors carry a symbolised stack trace by default: three quarters of the time of a rejected file went
// into dladdr(). Load() keeps only the first line of an error's message, so the trace is left out here.
extern "C" int
LLVMFuzzerInitialize(int *, char ***)
{
  c10::SetStackTraceFetcher([] { return std::string(); });
  return 0;
}

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t * data, std::size_t size)
{
  static const ssimae::FuzzTemporaryFile file("model.pt");
  const std::string &                    path = file.Write(data, size);
  auto                                   model = itk::AutoencoderModel::New();
  model->SetNumberOfThreads(1);
  try
  {
    model->Load(path);
  }
  catch (const itk::ExceptionObject &)
  {
    file.Remove();
    return 0;
  }
  file.Remove();
  const std::size_t  values = static_cast<std::size_t>(model->GetNumberOfChannels()) * model->GetPatchSize() *
                             model->GetPatchSize();
  std::vector<float> patch(values, 0.5f);
  std::vector<float> output(values);
  model->Reconstruct(patch.data(), 1, output.data());
  double low = 0.0;
  double high = 0.0;
  model->NormalizationRange(0.0, 255.0, low, high);
  return 0;
}
