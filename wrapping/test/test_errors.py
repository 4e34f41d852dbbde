#!/usr/bin/env python3
"""ITK errors raised by SSIMAutoencoder's classes reach Python as exceptions that carry the ITK message."""
import os
import sys
import tempfile

import numpy as np

import itk

failures = []


def check_raises(action, expected, what):
    try:
        action()
    except RuntimeError as error:
        message = str(error)
        ok = all(text in message for text in expected)
        print(("ok   " if ok else "FAIL ") + f"{what}: {message.strip().splitlines()[-1][:200]}")
        if not ok:
            failures.append(f"{what}: message lacks {expected}: {message}")
        return
    print(f"FAIL {what}: no exception")
    failures.append(what + ": no exception")


def main():
    image_type = itk.Image[itk.F, 2]
    with tempfile.TemporaryDirectory() as tmp:
        missing = os.path.join(tmp, "missing-model.pt")
        check_raises(lambda: itk.AutoencoderModel.New().Load(missing), [missing], "loading a missing model file")
        corrupt = os.path.join(tmp, "corrupt.pt")
        with open(corrupt, "wb") as stream:
            stream.write(b"this is not a model file" * 10)
        check_raises(lambda: itk.AutoencoderModel.New().Load(corrupt), [corrupt], "loading a corrupt model file")

    a = itk.image_from_array(np.zeros((10, 12), np.float32))
    b = itk.image_from_array(np.zeros((10, 13), np.float32))
    check_raises(lambda: itk.ssim_image_filter(a, b), ["SSIMImageFilter"], "SSIM of images of different sizes")
    check_raises(lambda: itk.ssim_image_filter(a, a, window_size=4), ["SSIMImageFilter", "4"], "even window size")

    reconstruction = itk.AutoencoderReconstructionFilter[image_type, image_type].New(Input=a)
    check_raises(reconstruction.Update, ["AutoencoderReconstructionFilter"], "reconstruction without a model")

    evaluation = itk.SegmentationEvaluation.New()
    mask = itk.image_from_array(np.zeros((10, 13), np.uint8))
    check_raises(lambda: evaluation.AddImage(a, mask, "tile7"), ["tile7", "mask"], "mask of another size")

    calibrator = itk.ResidualThresholdCalibrator.New()
    check_raises(calibrator.Compute, ["ResidualThresholdCalibrator"], "calibration without residual maps")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
