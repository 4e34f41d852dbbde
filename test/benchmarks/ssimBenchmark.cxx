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
//   ssimBenchmark X.raw Y.raw WIDTH HEIGHT DEPTH(0: 2D) REPEATS THREADS COMPONENTS(0|1) [MAP.raw]
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
template<unsigned int VDimension>
std::size_t
Voxels(const itk::Size<VDimension> & size)
{
  std::size_t count = 1;
  for (unsigned int d = 0; d < VDimension; ++d)
  {
    count *= size[d];
  }
  return count;
}

template<unsigned int VDimension>
typename itk::Image<float, VDimension>::Pointer
ReadRaw(const std::string & path, const itk::Size<VDimension> & size)
{
  auto image = itk::Image<float, VDimension>::New();
  image->SetRegions(size);
  image->Allocate();
  std::ifstream stream(path, std::ios::binary);
  stream.read(reinterpret_cast<char *>(image->GetBufferPointer()),
              static_cast<std::streamsize>(Voxels(size) * sizeof(float)));
  if (!stream)
  {
    throw std::runtime_error("cannot read " + path);
  }
  return image;
}

// Times `repeats` updates of a new filter each and prints the best and median seconds and the mean SSIM; writes the
// last map to `mapPath` unless it is empty.
template<unsigned int VDimension>
void
Run(const std::string &             xPath,
    const std::string &             yPath,
    const itk::Size<VDimension> &   size,
    int                             repeats,
    bool                            components,
    const std::string &             mapPath)
{
  using ImageType = itk::Image<float, VDimension>;
  const auto          x = ReadRaw<VDimension>(xPath, size);
  const auto          y = ReadRaw<VDimension>(yPath, size);
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
  if (!mapPath.empty())
  {
    std::ofstream out(mapPath, std::ios::binary);
    out.write(reinterpret_cast<const char *>(filter->GetOutput()->GetBufferPointer()),
              static_cast<std::streamsize>(Voxels(size) * sizeof(float)));
  }
}
} // namespace

int
main(int argc, char * argv[])
{
  if (argc < 9)
  {
    std::cerr << "usage: " << argv[0] << " X.raw Y.raw WIDTH HEIGHT DEPTH REPEATS THREADS COMPONENTS [MAP.raw]\n"
              << "  DEPTH 0: a 2D image; DEPTH >= 1: a volume of DEPTH slices" << std::endl;
    return 2;
  }
  const unsigned long width = std::stoul(argv[3]);
  const unsigned long height = std::stoul(argv[4]);
  const unsigned long depth = std::stoul(argv[5]);
  const int           repeats = std::stoi(argv[6]);
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(std::stoi(argv[7]));
  const bool        components = std::stoi(argv[8]) != 0;
  const std::string mapPath = argc > 9 ? argv[9] : "";
  if (depth == 0)
  {
    Run<2>(argv[1], argv[2], itk::Size<2>{ { width, height } }, repeats, components, mapPath);
  }
  else
  {
    Run<3>(argv[1], argv[2], itk::Size<3>{ { width, height, depth } }, repeats, components, mapPath);
  }
  return 0;
}
