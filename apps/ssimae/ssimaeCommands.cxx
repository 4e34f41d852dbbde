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
#include "ssimaeCommands.h"
#include "ssimaeCommandLine.h"

namespace ssimae {

const std::vector<Command> &
Commands()
{
  static const std::vector<Command> commands = {
    { "demo", "the paper's checkerboard problem: l2-AE vs SSIM-AE, trained and evaluated on generated data", &RunDemo },
    { "train", "train an autoencoder on defect-free images (checkpoints, --resume)", &RunTrain },
    { "reconstruct", "reconstruct an image with a model (streams MetaImage/NRRD)", &RunReconstruct },
    { "calibrate",
      "choose the defect threshold on defect-free validation images; store it in the model",
      &RunCalibrate },
    { "segment", "reconstruction, residual and defect labels for images", &RunSegment },
    { "ssim", "SSIM map (and luminance/contrast/structure maps) of two images", &RunSSIM },
    { "evaluate", "pixel ROC AUC, AUPRO, image AUROC, curves and plots on a labelled test set", &RunEvaluate },
    { "plot", "draw curves from a CSV file to a PNG (VTK charts; needs an X display or xvfb-run)", &RunPlot },
  };
  return commands;
}

} // namespace ssimae
