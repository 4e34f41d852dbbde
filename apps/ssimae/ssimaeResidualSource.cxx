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
#include "ssimaeCommandLine.h"
#include "ssimaeEvaluate.h"
#include "ssimaePipeline.h"
#include "ssimaeSegmentation.h"

#include "itkResidualSegmentationFilter.h"

#include <limits>

namespace ssimae {

struct ResidualSource::Model
{
  itk::AutoencoderModel::Pointer Network;
};

ResidualSource::ResidualSource(const std::string & modelPath,
                               const std::string & residual,
                               unsigned int        stride,
                               unsigned int        windowSize)
    : m_ModelPath(modelPath), m_Residual(residual), m_Stride(stride), m_WindowSize(windowSize)
{
  if (!modelPath.empty())
  {
    m_Model = new Model{ LoadModel(modelPath) };
  }
  if (m_Model)
  {
    m_Residual = ChooseResidual(m_Residual, *m_Model->Network, modelPath);
  }
  else
  {
    m_Residual = m_Residual.empty() ? "ssim" : m_Residual;
    ParseEnumOption<itk::ResidualSegmentationFilterEnums, itk::ResidualSegmentationFilterEnums::Residual>(
      "residual", m_Residual, ResidualChoices);
  }
}

std::string
ReferenceResidual(const std::string & residual)
{
  return residual == "model" ? "l2" : residual;
}

ResidualSource::~ResidualSource() { delete m_Model; }

std::string
CaseName(const TestCase & testCase)
{
  if (testCase.Slice < 0)
  {
    return testCase.Image;
  }
  return testCase.Image + "[axis " + std::to_string(testCase.Axis) + " slice " + std::to_string(testCase.Slice) + "]";
}

FloatImage2::Pointer
ResidualSource::Compute(const FloatImage2 * image, const TestCase & testCase)
{
  FloatImage2::Pointer residual;
  if (!testCase.Residual.empty() && testCase.Slice >= 0)
  {
    if (m_SlicedFile != testCase.Residual)
    {
      m_FileSlices = ReadImageOrSlices(testCase.Residual, testCase.Axis);
      m_SlicedFile = testCase.Residual;
    }
    if (static_cast<std::size_t>(testCase.Slice) >= m_FileSlices.size())
    {
      throw CommandError("residual map '" + testCase.Residual + "' has " + std::to_string(m_FileSlices.size()) +
                         " slices along axis " + std::to_string(testCase.Axis) + ", fewer than image '" +
                         testCase.Image + "'");
    }
    residual = m_FileSlices[static_cast<std::size_t>(testCase.Slice)];
  }
  else if (!testCase.Residual.empty())
  {
    residual = ReadFloatImage<2>(testCase.Residual);
  }
  else if (m_Model)
  {
    residual = ScoreImage(image, m_Model->Network, m_Residual, m_Stride, CaseName(testCase), m_WindowSize);
  }
  else
  {
    throw CommandError("no residual map for '" + CaseName(testCase) + "' and no model to compute one (--model)");
  }
  m_Cache.push_back(residual);
  return residual;
}

FloatImage2::Pointer
ResidualSource::Reference(const FloatImage2 * image, double sigma) const
{
  const itk::AutoencoderModel * model = this->GetModel();
  return ResidualMap(
    image, BlurReconstruction(image, model, sigma), model, ReferenceResidual(m_Residual), m_WindowSize);
}

const itk::AutoencoderModel *
ResidualSource::GetModel() const
{
  return m_Model ? m_Model->Network.GetPointer() : nullptr;
}

double
ResidualSource::ModelThreshold() const
{
  return m_Model ? m_Model->Network->GetThreshold() : std::numeric_limits<double>::quiet_NaN();
}

} // namespace ssimae
