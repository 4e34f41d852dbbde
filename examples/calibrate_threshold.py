#!/usr/bin/env python3
"""Chooses the defect threshold on defect-free validation images: the Python twin of `ssimae calibrate`.

    python3 calibrate_threshold.py IMAGE... --model model.pt [--residual ssim|l2|model]
                                   [--rule percentile|max|min-area] [--percentile 99.5] [--min-area 50] [--stride 30]

The threshold, the rule and the residual kind are stored in the model file (written atomically). Needs the
wrapped ITK (scripts/build_python.sh).
"""
import argparse
import sys

import itk
from segment_defects import RESIDUALS, own_residual, segment

RULES = {"percentile": "Rule_Percentile", "max": "Rule_Maximum", "min-area": "Rule_MinimumArea"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("images", nargs="+", help="defect-free validation images")
    parser.add_argument("--model", required=True)
    parser.add_argument("--residual", choices=sorted(RESIDUALS), help="default: the model's own kind")
    parser.add_argument("--rule", choices=sorted(RULES), default="percentile")
    parser.add_argument("--percentile", type=float, default=99.5)
    parser.add_argument("--min-area", type=int, default=50)
    parser.add_argument("--stride", type=int, default=30)
    args = parser.parse_args(argv)

    model = itk.AutoencoderModel.New()
    model.Load(args.model)
    calibrator = itk.ResidualThresholdCalibrator.New()
    calibrator.SetRule(getattr(itk.ResidualThresholdCalibratorEnums, RULES[args.rule]))
    calibrator.SetPercentile(args.percentile)
    calibrator.SetMinimumDefectArea(args.min_area)

    args.residual = args.residual or own_residual(model)
    for path in args.images:
        image = itk.imread(path, itk.F)
        residual_map = segment(image, model, threshold=0.0, residual=args.residual, stride=args.stride)[1]
        calibrator.AddResidualMap(residual_map)

    threshold = calibrator.Compute()
    model.SetThreshold(threshold)
    model.SetMetadataValue("calibration.rule", calibrator.Describe())
    model.SetMetadataValue("calibration.residual", args.residual)
    if args.rule == "min-area":
        model.SetMetadataValue("calibration.min_area", str(args.min_area))
    model.Save(args.model)
    print(f"threshold {threshold:.6g} ({calibrator.Describe()}, {args.residual} residual) stored in {args.model}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
