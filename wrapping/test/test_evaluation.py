#!/usr/bin/env python3
"""SegmentationEvaluation and ResidualThresholdCalibrator from Python, on itk.Image objects, against scikit-learn's
roc_auc_score (1e-9) and numpy.percentile (1e-6)."""
import sys

import numpy as np
from sklearn.metrics import roc_auc_score

import itk
from checks import check, exit_status


def main():
    rng = np.random.default_rng(11)
    evaluation = itk.SegmentationEvaluation.New()
    scores, labels, image_scores, image_labels = [], [], [], []
    for i in range(6):
        residual = rng.random((20, 31)).astype(np.float32)
        residual = np.round(residual * 50) / 50  # ties
        mask = np.zeros(residual.shape, np.uint8)
        if i % 2:
            mask[3 + i:9 + i, 5:14] = 255
            residual[mask > 0] += 0.2
        evaluation.AddImage(itk.image_from_array(residual.astype(np.float32)), itk.image_from_array(mask), f"image{i}")
        scores.append(residual.astype(np.float32).ravel())
        labels.append((mask > 0).ravel())
        image_scores.append(residual.astype(np.float32).max())
        image_labels.append(bool(mask.any()))
    evaluation.Compute()
    expected = roc_auc_score(np.concatenate(labels), np.concatenate(scores))
    check(evaluation.GetNumberOfImages() == 6, "six images")
    check(abs(evaluation.GetPixelAUROC() - expected) < 1e-9,
          f"pixel AUROC {evaluation.GetPixelAUROC():.12f} vs scikit-learn {expected:.12f}")
    expected_image = roc_auc_score(image_labels, image_scores)
    check(abs(evaluation.GetImageAUROC() - expected_image) < 1e-9,
          f"image AUROC {evaluation.GetImageAUROC():.12f} vs scikit-learn {expected_image:.12f}")
    check(0 < evaluation.GetAUPRO() <= 1, f"AUPRO@0.3 {evaluation.GetAUPRO():.4f} in (0, 1]")

    calibrator = itk.ResidualThresholdCalibrator.New()
    calibrator.SetRule(itk.ResidualThresholdCalibratorEnums.Rule_Percentile)
    calibrator.SetPercentile(98.0)
    maps = [rng.random((15, 22)).astype(np.float32) for _ in range(3)]
    for residual in maps:
        calibrator.AddResidualMap(itk.image_from_array(residual))
    expected_threshold = np.percentile(np.concatenate([m.ravel() for m in maps]).astype(np.float64), 98.0)
    check(abs(calibrator.Compute() - expected_threshold) < 1e-6,
          f"98th percentile {calibrator.Compute():.7f} vs numpy {expected_threshold:.7f}")
    volume = rng.random((4, 5, 6)).astype(np.float32)
    calibrator.Clear()
    calibrator.SetRule(itk.ResidualThresholdCalibratorEnums.Rule_Maximum)
    calibrator.AddResidualMap(itk.image_from_array(volume))
    check(abs(calibrator.Compute() - float(volume.max())) < 1e-7, "maximum rule on a 3D residual map")
    return exit_status()


if __name__ == "__main__":
    sys.exit(main())
