#!/usr/bin/env python3
"""numpy array -> ITK image -> AutoencoderReconstructionFilter -> ResidualSegmentationFilter -> numpy, with a model
trained and calibrated by the C++ program `ssimae`, checked against `ssimae segment` on the same image and model,
against scikit-image's SSIM of image and reconstruction, and through the Python twins examples/calibrate_threshold.py
and examples/segment_defects.py.

    test_pipeline_round_trip.py EXAMPLES_DIR SSIMAE

Tolerances: 1e-5 between the C++ program and Python (the same code compiled twice; LibTorch may order float sums
differently), 1e-4 against scikit-image (float32 inputs, float64 reference).
"""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from skimage.metrics import structural_similarity

import itk
from checks import check, exit_status


def run(*command):
    # The C++ program links Debian's ITK: it must not see the wrapped ITK's libraries of the same names, which
    # LD_LIBRARY_PATH puts first for this Python process (it crashes on the mix).
    environment = dict(os.environ)
    if command[0] != sys.executable:
        environment.pop("LD_LIBRARY_PATH", None)
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({result.returncode}): {result.stdout}{result.stderr}")
    return result.stdout


def write_uint8(array, path):
    itk.imwrite(itk.image_from_array(np.clip(array, 0, 255).astype(np.uint8)), path)


def main(examples, ssimae):
    sys.path.insert(0, examples)
    import segment_defects

    generator = itk.CheckerboardDefectGenerator.New(Width=96, Height=80, Seed=2)
    with tempfile.TemporaryDirectory() as tmp:
        train = os.path.join(tmp, "train")
        os.makedirs(train)
        for i in range(4):
            write_uint8(itk.array_view_from_image(generator.MakeTexture(i)), os.path.join(train, f"good{i}.png"))
        validation = [os.path.join(tmp, f"validation{i}.png") for i in range(2)]
        for i, path in enumerate(validation):
            write_uint8(itk.array_view_from_image(generator.MakeTexture(10 + i)), path)
        test_path = os.path.join(tmp, "test.png")
        write_uint8(itk.array_view_from_image(generator.MakeDefectImage(0)), test_path)

        model_path = os.path.join(tmp, "model.pt")
        run(ssimae, "train", "--images", train, "-o", model_path, "--patch", "32", "--latent", "16", "--patches",
            "512", "--epochs", "3", "--batch", "32", "--seed", "1", "--lr", "1e-3")
        twin_model = os.path.join(tmp, "twin.pt")
        shutil.copy(model_path, twin_model)
        run(ssimae, "calibrate", *validation, "--model", model_path, "--rule", "percentile", "--percentile", "99")
        run(sys.executable, os.path.join(examples, "calibrate_threshold.py"), *validation, "--model", twin_model,
            "--rule", "percentile", "--percentile", "99")
        model = segment_defects.load_model(model_path)
        twin = segment_defects.load_model(twin_model)
        threshold = model.GetThreshold()
        check(abs(twin.GetThreshold() - threshold) < 1e-5,
              f"calibrated threshold: Python twin {twin.GetThreshold():.7f}, ssimae {threshold:.7f}")

        # numpy -> ITK -> pipeline -> numpy
        array = itk.array_from_image(itk.imread(test_path, itk.F))
        image = itk.image_from_array(array)
        reconstruction, residual, labels = segment_defects.segment(image, model, threshold)
        reconstruction, residual, labels = (np.asarray(reconstruction), np.asarray(residual), np.asarray(labels))
        check(reconstruction.shape == array.shape and reconstruction.dtype == np.float32, "reconstruction: float32")
        check(labels.dtype == np.uint8 and set(np.unique(labels)) <= {0, 1}, f"labels {np.unique(labels)}")
        span = model.GetIntensityMaximum() - model.GetIntensityMinimum()
        _, ssim = structural_similarity(array.astype(np.float64), reconstruction.astype(np.float64), data_range=span,
                                        gaussian_weights=True, sigma=1.5, use_sample_covariance=False, full=True)
        check(np.abs(residual - (1 - ssim)).max() < 1e-4,
              f"residual = 1 - SSIM (scikit-image): {np.abs(residual - (1 - ssim)).max():.2e}")
        check(np.array_equal(labels, (residual > threshold).astype(np.uint8)), "labels = residual > threshold")

        cxx_dir = os.path.join(tmp, "cxx")
        run(ssimae, "segment", test_path, "--model", model_path, "-o", cxx_dir)
        cxx_reconstruction = itk.array_from_image(itk.imread(os.path.join(cxx_dir, "test_reconstruction.nrrd")))
        cxx_residual = itk.array_from_image(itk.imread(os.path.join(cxx_dir, "test_residual.nrrd")))
        cxx_labels = itk.array_from_image(itk.imread(os.path.join(cxx_dir, "test_labels.png")))
        check(np.abs(cxx_reconstruction - reconstruction).max() < 1e-5 * span,
              f"reconstruction vs ssimae segment: {np.abs(cxx_reconstruction - reconstruction).max():.2e}")
        check(np.abs(cxx_residual - residual).max() < 1e-5,
              f"residual vs ssimae segment: {np.abs(cxx_residual - residual).max():.2e}")
        differing = (cxx_labels > 0) != (labels > 0)
        check(np.all(np.abs(residual[differing] - threshold) < 1e-5),
              f"labels vs ssimae segment: {int(differing.sum())} pixels differ, all within 1e-5 of the threshold")

        python_dir = os.path.join(tmp, "python")
        run(sys.executable, os.path.join(examples, "segment_defects.py"), test_path, "--model", model_path,
            "-o", python_dir)
        for name in ("test_reconstruction.nrrd", "test_residual.nrrd", "test_labels.png"):
            ours = itk.array_from_image(itk.imread(os.path.join(python_dir, name))).astype(np.float64)
            theirs = itk.array_from_image(itk.imread(os.path.join(cxx_dir, name))).astype(np.float64)
            tolerance = 1e-5 * span if "reconstruction" in name else 1e-5
            close = ours.shape == theirs.shape and (np.abs(ours - theirs).max() <= tolerance or name.endswith(".png"))
            if name.endswith(".png"):
                close = ours.shape == theirs.shape and np.all(np.abs(residual[ours != theirs] - threshold) < 1e-5)
            check(close, f"examples/segment_defects.py writes {name} as ssimae segment does")
    return exit_status()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
