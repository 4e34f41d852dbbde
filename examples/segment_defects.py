#!/usr/bin/env python3
"""Segments defects with a trained, calibrated model: the Python twin of `ssimae segment`.

    python3 segment_defects.py IMAGE... --model model.pt -o OUTDIR [--residual ssim|l2|model] [--threshold T]
                               [--min-area A] [--stride 30]

Per image: OUTDIR/<name>_reconstruction.nrrd, <name>_residual.nrrd and <name>_labels.png (0 good, 255 defect),
the same files `ssimae segment` writes. The pipeline is AutoencoderReconstructionFilter followed by
ResidualSegmentationFilter (residual 1 - SSIM, or l2; for a variational model its own residual, the reconstruction
probability: the reconstruction filter with ModelResidual on feeds the segmentation filter's Model residual).
Needs the wrapped ITK (scripts/build_python.sh).
"""
import argparse
import math
import os
import sys

import numpy as np

import itk


def load_model(path):
    model = itk.AutoencoderModel.New()
    model.Load(path)
    return model


RESIDUALS = {"ssim": "Residual_SSIM", "l2": "Residual_L2", "model": "Residual_Model"}


def own_residual(model):
    """A model's own residual kind, as `ssimae` picks it: "model" for a VAE, "ssim" after an SSIM loss, else "l2"."""
    if model.ProvidesResidual():
        return "model"
    ssim_losses = (itk.AutoencoderModelEnums.Loss_SSIM, itk.AutoencoderModelEnums.Loss_SSIMPlusL1)
    return "ssim" if model.GetLoss() in ssim_losses else "l2"


def segment(image, model, threshold, residual="ssim", minimum_area=0, stride=30):
    """Reconstruction, residual map and label map (0/1) of a 2D float image, as ITK images."""
    image_type = type(image)
    label_type = itk.Image[itk.UC, image.GetImageDimension()]
    reconstruct = itk.AutoencoderReconstructionFilter[image_type, image_type].New(Input=image, Model=model,
                                                                                   Stride=stride)
    reconstruct.Update()  # the intensity range it normalised with is the residual's dynamic range
    second = reconstruct.GetOutput()
    if residual == "model":
        own = itk.AutoencoderReconstructionFilter[image_type, image_type].New(Input=image, Model=model, Stride=stride,
                                                                               ModelResidual=True)
        own.Update()
        second = own.GetOutput()
    segmentation = itk.ResidualSegmentationFilter[image_type, label_type].New(
        Input1=image, Input2=second, Threshold=threshold, MinimumDefectArea=minimum_area,
        DynamicRange=reconstruct.GetIntensityMaximum() - reconstruct.GetIntensityMinimum())
    segmentation.SetResidual(getattr(itk.ResidualSegmentationFilterEnums, RESIDUALS[residual]))
    segmentation.Update()
    return reconstruct.GetOutput(), segmentation.GetResidualOutput(), segmentation.GetOutput()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("images", nargs="+")
    parser.add_argument("--model", required=True)
    parser.add_argument("-o", "--output", required=True, help="output directory")
    parser.add_argument("--residual", choices=sorted(RESIDUALS),
                        help="default: the one the model was calibrated with, else the model's own kind")
    parser.add_argument("--threshold", type=float, help="default: the model's calibrated threshold")
    parser.add_argument("--min-area", type=int, help="default: from calibration, or 0")
    parser.add_argument("--stride", type=int, default=30)
    args = parser.parse_args(argv)

    model = load_model(args.model)
    threshold = args.threshold if args.threshold is not None else model.GetThreshold()
    if not math.isfinite(threshold):
        raise SystemExit("segment_defects.py: the model has no calibrated threshold: calibrate it or give --threshold")
    residual = args.residual or model.GetMetadataValue("calibration.residual") or own_residual(model)
    minimum_area = args.min_area
    if minimum_area is None:
        minimum_area = int(model.GetMetadataValue("calibration.min_area") or 0)
    os.makedirs(args.output, exist_ok=True)
    for path in args.images:
        image = itk.imread(path, itk.F)
        reconstruction, residual_map, labels = segment(image, model, threshold, residual, minimum_area, args.stride)
        prefix = os.path.join(args.output, os.path.splitext(os.path.basename(path))[0])
        itk.imwrite(reconstruction, prefix + "_reconstruction.nrrd")
        itk.imwrite(residual_map, prefix + "_residual.nrrd")
        shown = itk.image_from_array((itk.array_view_from_image(labels) * 255).astype(np.uint8))
        shown.CopyInformation(labels)
        itk.imwrite(shown, prefix + "_labels.png")
        defect = int(itk.array_view_from_image(labels).sum())
        print(f"{path}: {defect} defect pixels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
