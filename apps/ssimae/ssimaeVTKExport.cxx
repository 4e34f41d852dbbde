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
#include "ssimaeVTKExport.h"
#include "ssimaeCommandLine.h"

#include "itkAtomicFile.h"

#ifdef SSIMAE_WITH_VTK
#  include "itkConnectedComponentImageFilter.h"
#  include "itkRelabelComponentImageFilter.h"

#  include <vtkCellData.h>
#  include <vtkDiscreteFlyingEdges2D.h>
#  include <vtkDiscreteFlyingEdges3D.h>
#  include <vtkDoubleArray.h>
#  include <vtkFloatArray.h>
#  include <vtkImageData.h>
#  include <vtkIntArray.h>
#  include <vtkMatrix3x3.h>
#  include <vtkPointData.h>
#  include <vtkPoints.h>
#  include <vtkPolyData.h>
#  include <vtkSmartPointer.h>
#  include <vtkUnsignedIntArray.h>
#  include <vtkXMLImageDataWriter.h>
#  include <vtkXMLPolyDataWriter.h>
#endif

namespace ssimae {

#ifdef SSIMAE_WITH_VTK
bool
CanWriteVTK()
{
  return true;
}

namespace {
// Writes with a VTK XML writer through a temporary file renamed into place.
template<typename TWriter>
void
WriteAtomically(TWriter * writer, const std::string & path)
{
  writer->SetDataModeToAppended();
  writer->SetCompressorTypeToZLib();
  try
  {
    itk::AtomicFile::Write(path, [writer](const std::string & target) {
      writer->SetFileName(target.c_str());
      if (writer->Write() != 1)
      {
        throw std::runtime_error("VTK could not write '" + target + "' (disk full or not writable?)");
      }
    });
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError(error.GetDescription());
  }
}

// The region map (1..n, largest first, 0 background) of the labels, and the pixel count of each region.
template<unsigned int VDimension>
typename itk::Image<unsigned int, VDimension>::Pointer
RegionMap(const itk::Image<unsigned char, VDimension> * labels, std::vector<std::size_t> & pixels)
{
  using RegionImage = itk::Image<unsigned int, VDimension>;
  auto components = itk::ConnectedComponentImageFilter<itk::Image<unsigned char, VDimension>, RegionImage>::New();
  components->SetInput(labels);
  components->FullyConnectedOn();
  auto relabel = itk::RelabelComponentImageFilter<RegionImage, RegionImage>::New();
  relabel->SetInput(components->GetOutput());
  relabel->Update();
  pixels.assign(1, 0);
  for (const auto count : relabel->GetSizeOfObjectsInPixels())
  {
    pixels.push_back(static_cast<std::size_t>(count));
  }
  typename RegionImage::Pointer map = relabel->GetOutput();
  map->DisconnectPipeline();
  return map;
}
} // namespace

namespace {
// The region map in index space, padded by one background pixel on every side so that outlines close.
template<unsigned int VDimension>
vtkSmartPointer<vtkImageData>
PaddedRegionImage(const itk::Image<unsigned int, VDimension> * map)
{
  const auto region = map->GetLargestPossibleRegion();
  int        dims[3] = { 1, 1, 1 };
  for (unsigned int d = 0; d < VDimension; ++d)
  {
    dims[d] = static_cast<int>(region.GetSize(d)) + 2;
  }
  auto padded = vtkSmartPointer<vtkImageData>::New();
  padded->SetDimensions(dims);
  padded->SetOrigin(-1.0, -1.0, VDimension == 3 ? -1.0 : 0.0);
  auto scalars = vtkSmartPointer<vtkUnsignedIntArray>::New();
  scalars->SetNumberOfValues(static_cast<vtkIdType>(dims[0]) * dims[1] * dims[2]);
  scalars->Fill(0);
  const unsigned int * values = map->GetBufferPointer();
  std::size_t          p = 0;
  for (int z = (VDimension == 3 ? 1 : 0); z < (VDimension == 3 ? dims[2] - 1 : 1); ++z)
  {
    for (int y = 1; y < dims[1] - 1; ++y)
    {
      for (int x = 1; x < dims[0] - 1; ++x)
      {
        scalars->SetValue((static_cast<vtkIdType>(z) * dims[1] + y) * dims[0] + x, values[p++]);
      }
    }
  }
  padded->GetPointData()->SetScalars(scalars);
  return padded;
}

// Outlines (2D) or surfaces (3D) of regions 1..n by discrete flying edges, with the region as point scalars.
template<typename TEdges>
vtkSmartPointer<vtkPolyData>
RegionBoundaries(vtkImageData * padded, std::size_t regions)
{
  auto edges = vtkSmartPointer<TEdges>::New();
  edges->SetInputData(padded);
  edges->GenerateValues(static_cast<int>(regions), 1.0, static_cast<double>(regions));
  edges->ComputeScalarsOn();
  edges->Update();
  return edges->GetOutput();
}

// Moves the points from index space to the physical space of `labels`.
template<unsigned int VDimension>
void
ToPhysical(vtkPoints * points, const itk::Image<unsigned char, VDimension> * labels)
{
  const auto start = labels->GetLargestPossibleRegion().GetIndex();
  for (vtkIdType i = 0; points && i < points->GetNumberOfPoints(); ++i)
  {
    double                                   xyz[3];
    itk::ContinuousIndex<double, VDimension> index;
    points->GetPoint(i, xyz);
    for (unsigned int d = 0; d < VDimension; ++d)
    {
      index[d] = xyz[d] + static_cast<double>(start[d]);
    }
    typename itk::Image<unsigned char, VDimension>::PointType physical;
    labels->TransformContinuousIndexToPhysicalPoint(index, physical);
    for (unsigned int d = 0; d < 3; ++d)
    {
      xyz[d] = d < VDimension ? physical[d] : 0.0;
    }
    points->SetPoint(i, xyz);
  }
}

// Per-cell region id, pixel count and area or volume (from the region in the point scalars of the cell's points).
void
AddRegionCellData(vtkPolyData * surface, const std::vector<std::size_t> & pixels, double pixelSize, bool volume)
{
  auto regionIds = vtkSmartPointer<vtkIntArray>::New();
  regionIds->SetName("region");
  auto counts = vtkSmartPointer<vtkIntArray>::New();
  counts->SetName("pixels");
  auto measure = vtkSmartPointer<vtkDoubleArray>::New();
  measure->SetName(volume ? "volume" : "area");
  vtkDataArray * pointRegion = surface->GetPointData()->GetScalars();
  for (vtkIdType c = 0; c < surface->GetNumberOfCells(); ++c)
  {
    vtkIdType         count = 0;
    const vtkIdType * ids = nullptr;
    surface->GetCellPoints(c, count, ids);
    const auto id = count > 0 && pointRegion ? static_cast<std::size_t>(pointRegion->GetTuple1(ids[0])) : 0;
    const auto n = id < pixels.size() ? pixels[id] : 0;
    regionIds->InsertNextValue(static_cast<int>(id));
    counts->InsertNextValue(static_cast<int>(n));
    measure->InsertNextValue(static_cast<double>(n) * pixelSize);
  }
  if (pointRegion)
  {
    surface->GetPointData()->RemoveArray(pointRegion->GetName());
  }
  surface->GetCellData()->AddArray(regionIds);
  surface->GetCellData()->AddArray(counts);
  surface->GetCellData()->AddArray(measure);
}
} // namespace

template<unsigned int VDimension>
std::size_t
WriteDefectRegions(const itk::Image<unsigned char, VDimension> * labels, const std::string & path)
{
  std::vector<std::size_t> pixels;
  const auto               map = RegionMap<VDimension>(labels, pixels);
  const std::size_t        regions = pixels.size() - 1;
  auto                     surface = vtkSmartPointer<vtkPolyData>::New();
  if (regions > 0)
  {
    const auto padded = PaddedRegionImage<VDimension>(map);
    surface = VDimension == 3 ? RegionBoundaries<vtkDiscreteFlyingEdges3D>(padded, regions)
                              : RegionBoundaries<vtkDiscreteFlyingEdges2D>(padded, regions);
  }
  ToPhysical<VDimension>(surface->GetPoints(), labels);
  double pixelSize = 1.0;
  for (unsigned int d = 0; d < VDimension; ++d)
  {
    pixelSize *= labels->GetSpacing()[d];
  }
  AddRegionCellData(surface, pixels, pixelSize, VDimension == 3);
  auto writer = vtkSmartPointer<vtkXMLPolyDataWriter>::New();
  writer->SetInputData(surface);
  WriteAtomically(writer.GetPointer(), path);
  return regions;
}

template<unsigned int VDimension>
void
WriteVTKImage(const itk::Image<float, VDimension> * image, const std::string & path, const std::string & name)
{
  const auto region = image->GetLargestPossibleRegion();
  int        dims[3] = { 1, 1, 1 };
  double     origin[3] = { 0, 0, 0 };
  double     spacing[3] = { 1, 1, 1 };
  auto       direction = vtkSmartPointer<vtkMatrix3x3>::New();
  // VTK's origin is the first pixel's position: ITK's origin moved to the buffer's start index.
  typename itk::Image<float, VDimension>::PointType first;
  image->TransformIndexToPhysicalPoint(region.GetIndex(), first);
  for (unsigned int d = 0; d < VDimension; ++d)
  {
    dims[d] = static_cast<int>(region.GetSize(d));
    origin[d] = first[d];
    spacing[d] = image->GetSpacing()[d];
    for (unsigned int e = 0; e < VDimension; ++e)
    {
      direction->SetElement(static_cast<int>(d), static_cast<int>(e), image->GetDirection()[d][e]);
    }
  }
  auto data = vtkSmartPointer<vtkImageData>::New();
  data->SetDimensions(dims);
  data->SetOrigin(origin);
  data->SetSpacing(spacing);
  data->SetDirectionMatrix(direction);
  auto values = vtkSmartPointer<vtkFloatArray>::New();
  values->SetName(name.c_str());
  values->SetNumberOfValues(static_cast<vtkIdType>(region.GetNumberOfPixels()));
  std::copy(image->GetBufferPointer(), image->GetBufferPointer() + region.GetNumberOfPixels(), values->GetPointer(0));
  data->GetPointData()->SetScalars(values);
  auto writer = vtkSmartPointer<vtkXMLImageDataWriter>::New();
  writer->SetInputData(data);
  WriteAtomically(writer.GetPointer(), path);
}

#else

bool
CanWriteVTK()
{
  return false;
}

template<unsigned int VDimension>
std::size_t
WriteDefectRegions(const itk::Image<unsigned char, VDimension> *, const std::string & path)
{
  throw CommandError("cannot write '" + path + "': ssimae was built without VTK");
}

template<unsigned int VDimension>
void
WriteVTKImage(const itk::Image<float, VDimension> *, const std::string & path, const std::string &)
{
  throw CommandError("cannot write '" + path + "': ssimae was built without VTK");
}

#endif

template std::size_t
WriteDefectRegions<2>(const itk::Image<unsigned char, 2> *, const std::string &);
template std::size_t
WriteDefectRegions<3>(const itk::Image<unsigned char, 3> *, const std::string &);
template void
WriteVTKImage<2>(const itk::Image<float, 2> *, const std::string &, const std::string &);
template void
WriteVTKImage<3>(const itk::Image<float, 3> *, const std::string &, const std::string &);

} // namespace ssimae
