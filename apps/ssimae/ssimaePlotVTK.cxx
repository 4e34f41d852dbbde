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
// The VTK half of the plots: draws curves with VTK's charts into a PNG (built only when VTK is found).
#include "ssimaeCommandLine.h"
#include "ssimaePlot.h"

#include "itkAtomicFile.h"
#include "itkMacro.h"

#include <vtkAxis.h>
#include <vtkChartLegend.h>
#include <vtkChartXY.h>
#include <vtkContextScene.h>
#include <vtkContextView.h>
#include <vtkFloatArray.h>
#include <vtkNew.h>
#include <vtkPNGWriter.h>
#include <vtkPen.h>
#include <vtkPlot.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkTable.h>
#include <vtkTextProperty.h>
#include <vtkWindowToImageFilter.h>

#include <stdexcept>

namespace ssimae {

bool
PlotsAvailable()
{
  return true;
}

void
DrawChart(const std::vector<Curve> & curves, const ChartSettings & settings, const std::string & output)
{
  vtkNew<vtkContextView> view;
  view->GetRenderWindow()->SetOffScreenRendering(1);
  view->GetRenderWindow()->SetSize(settings.Width, settings.Height);
  view->GetRenderer()->SetBackground(1.0, 1.0, 1.0);
  vtkNew<vtkChartXY> chart;
  view->GetScene()->AddItem(chart);
  chart->SetTitle(settings.Title);
  chart->GetTitleProperties()->SetFontSize(18);
  chart->SetShowLegend(curves.size() > 1);
  chart->GetAxis(vtkAxis::BOTTOM)->SetTitle(settings.XLabel);
  chart->GetAxis(vtkAxis::LEFT)->SetTitle(settings.YLabel);
  chart->GetAxis(vtkAxis::BOTTOM)->SetBehavior(vtkAxis::FIXED);
  chart->GetAxis(vtkAxis::BOTTOM)->SetRange(0.0, settings.XMaximum);
  chart->GetAxis(vtkAxis::LEFT)->SetBehavior(vtkAxis::FIXED);
  chart->GetAxis(vtkAxis::LEFT)->SetRange(0.0, 1.0);

  static const unsigned char             colours[][3] = { { 31, 119, 180 }, { 214, 39, 40 },   { 44, 160, 44 },
                                                          { 255, 127, 14 }, { 148, 103, 189 }, { 23, 190, 207 } };
  std::vector<vtkSmartPointer<vtkTable>> tables;
  for (std::size_t c = 0; c < curves.size(); ++c)
  {
    auto                  table = vtkSmartPointer<vtkTable>::New();
    vtkNew<vtkFloatArray> x;
    x->SetName("x");
    vtkNew<vtkFloatArray> y;
    y->SetName(curves[c].Name.c_str());
    table->AddColumn(x);
    table->AddColumn(y);
    const Curve & series = curves[c];
    table->SetNumberOfRows(static_cast<vtkIdType>(series.X.size()));
    for (std::size_t i = 0; i < series.X.size(); ++i)
    {
      table->SetValue(static_cast<vtkIdType>(i), 0, series.X[i]);
      table->SetValue(static_cast<vtkIdType>(i), 1, series.Y[i]);
    }
    // A curve of one point (a training log of one epoch) as a marker: VTK draws no line through one point.
    vtkPlot * line = chart->AddPlot(series.X.size() < 2 ? vtkChart::POINTS : vtkChart::LINE);
    line->SetInputData(table, 0, 1);
    const auto * colour = colours[c % 6];
    line->SetColor(colour[0], colour[1], colour[2], 255);
    line->SetWidth(2.0);
    tables.push_back(table);
  }
  view->GetRenderWindow()->Render();
  vtkNew<vtkWindowToImageFilter> capture;
  capture->SetInput(view->GetRenderWindow());
  capture->Update();
  try
  {
    itk::AtomicFile::Write(output, [&capture](const std::string & temporary) {
      vtkNew<vtkPNGWriter> writer;
      writer->SetFileName(temporary.c_str());
      writer->SetInputConnection(capture->GetOutputPort());
      writer->Write();
      if (writer->GetErrorCode() != 0)
      {
        throw std::runtime_error("VTK's PNG writer failed");
      }
    });
  }
  catch (const itk::ExceptionObject & error)
  {
    throw CommandError(std::string("cannot write plot: ") + error.GetDescription());
  }
}

} // namespace ssimae
