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
// Times SSIMImageFilter's full map on a pair of raw float32 images. Driven by ssim_benchmark.py, which times
// scikit-image and OpenCV on the same data in the same run.
//   ssimBenchmark X.raw Y.raw WIDTH HEIGHT REPEATS THREADS COMPONENTS(0|1) [MAP.raw]
#include "itkSSIMImageFilter.h"
#include "itkMultiThreaderBase.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {
using ImageType = itk::Image<float, 2>;

ImageType::Pointer
ReadRaw(const std::string & path, unsigned long width, unsigned long height)
{
  auto image = ImageType::New();
  image->SetRegions(ImageType::SizeType{ { width, height } });
  image->Allocate();
  std::ifstream stream(path, std::ios::binary);
  stream.read(reinterpret_cast<char *>(image->GetBufferPointer()),
              static_cast<std::streamsize>(width * height * sizeof(float)));
  if (!stream)
  {
    throw std::runtime_error("cannot read " + path);
  }
  return image;
}
} // namespace

int
main(int argc, char * argv[])
{
  if (argc < 8)
  {
    std::cerr << "usage: " << argv[0] << " X.raw Y.raw WIDTH HEIGHT REPEATS THREADS COMPONENTS [MAP.raw]" << std::endl;
    return 2;
  }
  const unsigned long width = std::stoul(argv[3]);
  const unsigned long height = std::stoul(argv[4]);
  const int           repeats = std::stoi(argv[5]);
  const int           threads = std::stoi(argv[6]);
  const bool          components = std::stoi(argv[7]) != 0;
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(threads);
  const auto x = ReadRaw(argv[1], width, height);
  const auto y = ReadRaw(argv[2], width, height);

  std::vector<double> seconds;
  double              mean = 0.0;
  auto                filter = itk::SSIMImageFilter<ImageType>::New();
  for (int r = 0; r < repeats; ++r)
  {
    filter = itk::SSIMImageFilter<ImageType>::New();
    filter->SetInput1(x);
    filter->SetInput2(y);
    filter->SetComputeComponentMaps(components);
    const auto start = std::chrono::steady_clock::now();
    filter->Update();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    mean = filter->GetMeanSSIM();
  }
  std::sort(seconds.begin(), seconds.end());
  std::cout << "best " << seconds.front() << " median " << seconds[seconds.size() / 2] << " mean_ssim " << mean
            << std::endl;
  if (argc > 8)
  {
    std::ofstream out(argv[8], std::ios::binary);
    out.write(reinterpret_cast<const char *>(filter->GetOutput()->GetBufferPointer()),
              static_cast<std::streamsize>(width * height * sizeof(float)));
  }
  return 0;
}
