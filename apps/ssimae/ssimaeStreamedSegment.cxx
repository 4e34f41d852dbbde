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
#include "ssimaeStreamedSegment.h"
#include "ssimaeCommandLine.h"
#include "ssimaePipeline.h"

#include "itkAtomicFile.h"
#include "itkAutoencoderReconstructionFilter.h"
#include "itkBinaryGeneratorImageFilter.h"
#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkImageIOFactory.h"
#include "itkImageSource.h"
#include "itkSSIMImageFilter.h"
#include "itkUnaryGeneratorImageFilter.h"

#include <tiffio.h>

#include <malloc.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <numeric>

namespace ssimae {

namespace {
using LabelImage2 = itk::Image<unsigned char, 2>;

// ------------------------------------------------------------------------------------------------ defect runs
// The runs of defect pixels (residual > threshold) of every row, joined into 8-connected regions by union-find.
class DefectRuns
{
public:
  explicit DefectRuns(itk::SizeValueType rows)
      : m_RowStart(rows + 1, 0)
  {}

  /** Adds the runs of row `row` (rows in order) and joins them with the touching runs of the row above. */
  void
  AddRow(const float * values, std::size_t width, std::size_t row, double threshold)
  {
    const std::size_t above = row > 0 ? m_RowStart[row - 1] : 0;
    const std::size_t aboveEnd = m_Begin.size();
    std::size_t       x = 0;
    std::size_t       next = above;
    while (x < width)
    {
      while (x < width && !(values[x] > threshold))
      {
        ++x;
      }
      if (x == width)
      {
        break;
      }
      const std::size_t begin = x;
      while (x < width && values[x] > threshold)
      {
        ++x;
      }
      const auto index = static_cast<std::uint32_t>(m_Begin.size());
      m_Begin.push_back(static_cast<std::uint32_t>(begin));
      m_End.push_back(static_cast<std::uint32_t>(x));
      m_Parent.push_back(index);
      // Runs of the row above that touch [begin, x) with 8-connectivity: begin' <= x and end' >= begin.
      while (next < aboveEnd && m_End[next] < begin)
      {
        ++next;
      }
      for (std::size_t k = next; k < aboveEnd && m_Begin[k] <= x; ++k)
      {
        this->Join(index, static_cast<std::uint32_t>(k));
      }
    }
    m_RowStart[row] = aboveEnd;
    m_RowStart[row + 1] = m_Begin.size();
  }

  /** After the last row: which runs belong to regions of at least `minimumArea` pixels. */
  void
  KeepRegionsOf(itk::SizeValueType minimumArea)
  {
    std::vector<std::uint64_t> area(m_Begin.size(), 0);
    for (std::uint32_t i = 0; i < m_Begin.size(); ++i)
    {
      area[this->Root(i)] += m_End[i] - m_Begin[i];
    }
    m_Keep.resize(m_Begin.size());
    for (std::uint32_t i = 0; i < m_Begin.size(); ++i)
    {
      m_Keep[i] = area[this->Root(i)] >= minimumArea;
    }
  }

  /** Sets the kept defect pixels of row `row` in `labels` (columns [0, width)) to 1. */
  void
  PaintRow(std::size_t row, unsigned char * labels) const
  {
    for (std::size_t i = m_RowStart[row]; i < m_RowStart[row + 1]; ++i)
    {
      if (m_Keep[i])
      {
        std::fill(labels + m_Begin[i], labels + m_End[i], static_cast<unsigned char>(1));
      }
    }
  }

  std::size_t
  NumberOfRuns() const
  {
    return m_Begin.size();
  }

private:
  std::uint32_t
  Root(std::uint32_t i)
  {
    while (m_Parent[i] != i)
    {
      m_Parent[i] = m_Parent[m_Parent[i]];
      i = m_Parent[i];
    }
    return i;
  }

  void
  Join(std::uint32_t a, std::uint32_t b)
  {
    a = this->Root(a);
    b = this->Root(b);
    if (a != b)
    {
      m_Parent[std::max(a, b)] = std::min(a, b);
    }
  }

  std::vector<std::size_t>   m_RowStart;
  std::vector<std::uint32_t> m_Begin;
  std::vector<std::uint32_t> m_End;
  std::vector<std::uint32_t> m_Parent;
  std::vector<bool>          m_Keep;
};

// The label image of the kept runs, made for whatever region a streaming writer asks for.
class RunLabelSource : public itk::ImageSource<LabelImage2>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(RunLabelSource);
  using Self = RunLabelSource;
  using Superclass = itk::ImageSource<LabelImage2>;
  using Pointer = itk::SmartPointer<Self>;
  itkNewMacro(Self);
  itkTypeMacro(RunLabelSource, ImageSource);

  void
  SetRuns(const DefectRuns * runs, const FloatImage2 * geometry)
  {
    m_Runs = runs;
    m_Geometry = geometry;
    this->Modified();
  }

protected:
  RunLabelSource() = default;

  void
  GenerateOutputInformation() override
  {
    this->GetOutput()->CopyInformation(m_Geometry);
  }

  void
  GenerateData() override
  {
    LabelImage2 * output = this->GetOutput();
    output->SetBufferedRegion(output->GetRequestedRegion());
    output->Allocate(true);
    const auto          region = output->GetBufferedRegion();
    const auto          width = m_Geometry->GetLargestPossibleRegion().GetSize(0);
    std::vector<unsigned char> row(width);
    for (itk::SizeValueType r = 0; r < region.GetSize(1); ++r)
    {
      const auto y = static_cast<std::size_t>(region.GetIndex(1) + static_cast<itk::IndexValueType>(r) -
                                              m_Geometry->GetLargestPossibleRegion().GetIndex(1));
      std::fill(row.begin(), row.end(), static_cast<unsigned char>(0));
      m_Runs->PaintRow(y, row.data());
      const auto x0 = static_cast<std::size_t>(region.GetIndex(0) - m_Geometry->GetLargestPossibleRegion().GetIndex(0));
      std::copy(row.begin() + x0, row.begin() + x0 + region.GetSize(0),
                output->GetBufferPointer() + r * region.GetSize(0));
    }
  }

private:
  const DefectRuns *  m_Runs{ nullptr };
  const FloatImage2 * m_Geometry{ nullptr };
};

// ------------------------------------------------------------------------------------------- streamable input
// A temporary file removed when it goes out of scope.
struct TemporaryFile
{
  std::string Path;
  ~TemporaryFile()
  {
    if (!Path.empty())
    {
      std::remove(Path.c_str());
    }
  }
};

std::string
Lowercase(std::string text)
{
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool
HasExtension(const std::string & path, const std::string & extension)
{
  const std::string lower = Lowercase(path);
  return lower.size() >= extension.size() && lower.compare(lower.size() - extension.size(), extension.size(), extension) == 0;
}

// The MetaImage element type of a TIFF's samples, or empty when the TIFF is not copied row by row.
std::string
MetaElementType(TIFF * tiff)
{
  std::uint16_t samples = 1, bits = 8, format = SAMPLEFORMAT_UINT, photometric = PHOTOMETRIC_MINISBLACK;
  TIFFGetFieldDefaulted(tiff, TIFFTAG_SAMPLESPERPIXEL, &samples);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tiff, TIFFTAG_SAMPLEFORMAT, &format);
  if (!TIFFGetField(tiff, TIFFTAG_PHOTOMETRIC, &photometric))
  {
    photometric = PHOTOMETRIC_MINISBLACK;
  }
  if (samples != 1 || photometric != PHOTOMETRIC_MINISBLACK || TIFFIsTiled(tiff))
  {
    return "";
  }
  if (format == SAMPLEFORMAT_IEEEFP)
  {
    return bits == 32 ? "MET_FLOAT" : "";
  }
  const bool isSigned = format == SAMPLEFORMAT_INT;
  switch (bits)
  {
    case 8:
      return isSigned ? "MET_CHAR" : "MET_UCHAR";
    case 16:
      return isSigned ? "MET_SHORT" : "MET_USHORT";
    default:
      return "";
  }
}

// Copies a one-channel TIFF of strips row by row into an uncompressed MetaImage with ITK's geometry of the TIFF.
// Returns false (and writes nothing) when the TIFF is not of that kind.
bool
CopyTiffRows(const std::string & tiffPath, const std::string & metaPath)
{
  // "m": read, not memory-map, the file (mapped pages would count as resident memory, the whole file of them).
  std::unique_ptr<TIFF, void (*)(TIFF *)> tiff(TIFFOpen(tiffPath.c_str(), "rm"), TIFFClose);
  if (!tiff)
  {
    throw CommandError("image '" + tiffPath + "' cannot be opened as TIFF");
  }
  const std::string type = MetaElementType(tiff.get());
  if (type.empty())
  {
    return false;
  }
  std::uint32_t width = 0, height = 0;
  TIFFGetField(tiff.get(), TIFFTAG_IMAGEWIDTH, &width);
  TIFFGetField(tiff.get(), TIFFTAG_IMAGELENGTH, &height);
  auto io = itk::ImageIOFactory::CreateImageIO(tiffPath.c_str(), itk::ImageIOFactory::FileModeEnum::ReadMode);
  io->SetFileName(tiffPath);
  io->ReadImageInformation();
  std::ofstream out(metaPath, std::ios::binary);
  out << "ObjectType = Image\nNDims = 2\nBinaryData = True\nBinaryDataByteOrderMSB = False\nCompressedData = False\n"
      << "Offset = " << io->GetOrigin(0) << " " << io->GetOrigin(1) << "\nElementSpacing = " << io->GetSpacing(0)
      << " " << io->GetSpacing(1) << "\nDimSize = " << width << " " << height << "\nElementType = " << type
      << "\nElementDataFile = LOCAL\n";
  std::vector<char> row(static_cast<std::size_t>(TIFFScanlineSize(tiff.get())));
  for (std::uint32_t y = 0; y < height; ++y)
  {
    if (TIFFReadScanline(tiff.get(), row.data(), y, 0) < 0)
    {
      throw CommandError("image '" + tiffPath + "': row " + std::to_string(y) + " cannot be read (corrupt TIFF)");
    }
    out.write(row.data(), static_cast<std::streamsize>(row.size()));
  }
  out.close();
  if (!out)
  {
    throw CommandError("cannot write the temporary copy '" + metaPath + "' (disk full?)");
  }
  return true;
}

// The file the streamed pipeline reads: the input, or a row-by-row MetaImage copy of a TIFF of strips.
std::string
StreamableInput(const std::string & input, TemporaryFile & copy, const std::string & prefix)
{
  if (HasExtension(input, ".tif") || HasExtension(input, ".tiff"))
  {
    copy.Path = prefix + ".streaming-input.mha";
    if (CopyTiffRows(input, copy.Path))
    {
      return copy.Path;
    }
    copy.Path.clear();
  }
  return input;
}

// --------------------------------------------------------------------------------------------------- passes
// Pass 1: the residual map, computed and written strip by strip.
void
WriteResidual(const std::string &     input,
              itk::AutoencoderModel * model,
              const SegmentSettings & settings,
              unsigned int            pieces,
              const std::string &     path)
{
  auto reader = itk::ImageFileReader<FloatImage2>::New();
  reader->SetFileName(input);
  auto reconstruction = itk::AutoencoderReconstructionFilter<FloatImage2>::New();
  reconstruction->SetInput(reader->GetOutput());
  reconstruction->SetModel(model);
  reconstruction->SetStride(settings.Stride);
  reconstruction->SetBatchSize(64);
  reconstruction->SetModelResidual(settings.ResidualKind == "model");
  double low = 0.0, high = 1.0;
  model->NormalizationRange(0.0, 1.0, low, high);
  const double range = high > low ? high - low : 1.0;

  // The filters of the pipeline, kept alive here (an image holds only a weak pointer to the filter that makes it).
  std::vector<itk::ProcessObject::Pointer> filters;
  itk::ImageSource<FloatImage2>::Pointer   residual = reconstruction.GetPointer();
  if (settings.ResidualKind == "ssim")
  {
    auto ssim = itk::SSIMImageFilter<FloatImage2>::New();
    ssim->SetInput1(reader->GetOutput());
    ssim->SetInput2(reconstruction->GetOutput());
    ssim->SetDynamicRange(range);
    ssim->ComputeComponentMapsOff();
    auto complement = itk::UnaryGeneratorImageFilter<FloatImage2, FloatImage2>::New();
    complement->SetInput(ssim->GetOutput());
    complement->SetFunctor([](float value) { return 1.0f - value; });
    filters.push_back(ssim.GetPointer());
    residual = complement.GetPointer();
  }
  else if (settings.ResidualKind == "l2")
  {
    auto squared = itk::BinaryGeneratorImageFilter<FloatImage2, FloatImage2, FloatImage2>::New();
    squared->SetInput1(reader->GetOutput());
    squared->SetInput2(reconstruction->GetOutput());
    squared->SetFunctor([range](float a, float b) {
      const double difference = (static_cast<double>(a) - static_cast<double>(b)) / range;
      return static_cast<float>(difference * difference);
    });
    residual = squared.GetPointer();
  }
  auto writer = itk::ImageFileWriter<FloatImage2>::New();
  writer->SetInput(residual->GetOutput());
  writer->SetNumberOfStreamDivisions(pieces);
  ProgressBar bar("segment (residual)");
  writer->AddObserver(itk::ProgressEvent(), [&](const itk::EventObject &) { bar.Update(writer->GetProgress()); });
  try
  {
    itk::AtomicFile::Write(path, [&writer](const std::string & target) {
      writer->SetFileName(target);
      writer->Update();
    });
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError("segmenting '" + input + "' failed: " + error.GetDescription());
  }
  bar.Finish();
}

// Pass 2: the residual read back strip by strip; defect runs joined into regions. Returns the residual's geometry.
FloatImage2::Pointer
CollectRuns(const std::string & residualPath, double threshold, unsigned int pieces, std::unique_ptr<DefectRuns> & runs)
{
  auto reader = itk::ImageFileReader<FloatImage2>::New();
  reader->SetFileName(residualPath);
  reader->UpdateOutputInformation();
  const auto largest = reader->GetOutput()->GetLargestPossibleRegion();
  const auto rows = largest.GetSize(1);
  const auto width = largest.GetSize(0);
  runs = std::make_unique<DefectRuns>(rows);
  const itk::SizeValueType rowsPerStrip = std::max<itk::SizeValueType>(1, (rows + pieces - 1) / pieces);
  for (itk::SizeValueType first = 0; first < rows; first += rowsPerStrip)
  {
    auto strip = largest;
    strip.SetIndex(1, largest.GetIndex(1) + static_cast<itk::IndexValueType>(first));
    strip.SetSize(1, std::min(rowsPerStrip, rows - first));
    reader->GetOutput()->SetRequestedRegion(strip);
    reader->Update();
    const auto      buffered = reader->GetOutput()->GetBufferedRegion();
    const float *   buffer = reader->GetOutput()->GetBufferPointer();
    for (itk::SizeValueType r = 0; r < strip.GetSize(1); ++r)
    {
      const auto y = strip.GetIndex(1) + static_cast<itk::IndexValueType>(r);
      runs->AddRow(buffer + (y - buffered.GetIndex(1)) * width, width, first + r, threshold);
    }
  }
  FloatImage2::Pointer geometry = FloatImage2::New();
  geometry->CopyInformation(reader->GetOutput());
  return geometry;
}

// Pass 3: the labels of the kept regions, written strip by strip.
void
WriteLabels(const DefectRuns & runs, const FloatImage2 * geometry, unsigned int pieces, const std::string & path)
{
  auto source = RunLabelSource::New();
  source->SetRuns(&runs, geometry);
  auto writer = itk::ImageFileWriter<LabelImage2>::New();
  writer->SetInput(source->GetOutput());
  writer->SetNumberOfStreamDivisions(pieces);
  try
  {
    itk::AtomicFile::Write(path, [&writer](const std::string & target) {
      writer->SetFileName(target);
      writer->Update();
    });
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError("writing '" + path + "' failed: " + error.GetDescription());
  }
}
} // namespace

void
SegmentStreamed(const std::string &     input,
                itk::AutoencoderModel * model,
                const std::string &     modelPath,
                const SegmentSettings & settings,
                unsigned int            pieces,
                const std::string &     prefix)
{
  if (model->GetIntensityNormalization() != itk::AutoencoderModel::NormalizationEnum::Global ||
      model->GetImageScale() != 1.0)
  {
    throw CommandError("segment --pieces needs a model with global intensity normalisation and image scale 1; '" +
                       modelPath + "' normalises each image or rescales it, which needs the whole image: segment "
                       "without --pieces");
  }
  ImageFileInfo info = RequireReadableAs(input, 2);
  RequireModelPixelType(input, info, model, modelPath);
  // Strip buffers of several megabytes are allocated and freed once per strip by many threads. glibc raises its mmap
  // threshold after the first such buffer is freed and then serves them from its heaps, where they fragment and are
  // kept: the resident set grew with the number of strips (807 MiB for 64 strips of a 16384^2 image). A fixed
  // threshold keeps every large buffer in its own mapping, returned when freed (377 MiB).
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  TemporaryFile     copy;
  const std::string source = StreamableInput(input, copy, prefix);
  const std::string residualPath = prefix + "_residual.mha";
  WriteResidual(source, model, settings, pieces, residualPath);
  std::unique_ptr<DefectRuns> runs;
  const auto                  geometry = CollectRuns(residualPath, settings.Threshold, pieces, runs);
  runs->KeepRegionsOf(static_cast<itk::SizeValueType>(std::max(0L, settings.MinimumArea)));
  WriteLabels(*runs, geometry, pieces, prefix + "_labels.mha");
}

} // namespace ssimae
