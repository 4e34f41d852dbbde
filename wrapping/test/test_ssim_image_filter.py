#!/usr/bin/env python3
"""SSIMImageFilter from Python: the functional and object forms against scikit-image (whole map and interior,
2D, 3D, 8-bit), the factor maps against the SSIM map, and against the C++ program `ssimae ssim` and the Python
twin examples/ssim_map.py on the same files.

    test_ssim_image_filter.py EXAMPLES_DIR [SSIMAE]

Tolerances: 1e-5 against scikit-image in float64 (the filter accumulates in double and stores float), 1e-6
between the C++ program and Python (the same kernel, compiled twice).
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
from skimage.metrics import structural_similarity

import itk
from checks import check, exit_status


def skimage_ssim(a, b, data_range):
    mean, full = structural_similarity(a.astype(np.float64), b.astype(np.float64), data_range=data_range,
                                       gaussian_weights=True, sigma=1.5, use_sample_covariance=False, full=True)
    return mean, full


def main(examples, ssimae=None):
    rng = np.random.default_rng(7)
    a = rng.random((48, 71)).astype(np.float32)  # 48 rows (y), 71 columns (x): catches swapped axes
    b = np.clip(a + 0.1 * rng.standard_normal(a.shape), 0, 1).astype(np.float32)
    b[10:20, 30:50] = 0.5
    image_a = itk.image_from_array(a)
    image_b = itk.image_from_array(b)

    # The functional form returns every output: the SSIM map, then the luminance, contrast and structure maps.
    outputs = itk.ssim_image_filter(image_a, image_b)
    check(len(outputs) == 4, f"functional form returns 4 outputs: {len(outputs)}")
    result = np.asarray(outputs[0])
    mean, expected = skimage_ssim(a, b, 1.0)
    check(result.shape == a.shape and result.dtype == np.float32, f"functional form: map {result.shape} float32")
    check(np.abs(result - expected).max() < 1e-5, f"whole 2D map vs scikit-image: {np.abs(result - expected).max():.2e}")
    interior = (slice(5, -5), slice(5, -5))
    check(np.abs(result[interior] - expected[interior]).max() < 1e-5, "interior 2D map vs scikit-image")

    ssim = itk.SSIMImageFilter.New(image_a, image_b)
    ssim.Update()
    # GetMeanSSIM() averages the whole map; scikit-image's mean leaves out a border of (11 - 1) / 2 pixels.
    check(abs(ssim.GetMeanSSIM() - expected.mean()) < 1e-6,
          f"mean SSIM {ssim.GetMeanSSIM():.7f} vs mean of scikit-image's map {expected.mean():.7f}")
    check(abs(expected[5:-5, 5:-5].mean() - mean) < 1e-12, "scikit-image's mean is its map's interior mean")
    product = (np.asarray(ssim.GetLuminanceOutput()) * np.asarray(ssim.GetContrastOutput())
               * np.asarray(ssim.GetStructureOutput()))
    check(np.abs(product - result).max() < 1e-5, "luminance x contrast x structure = SSIM")

    uniform = itk.ssim_image_filter(image_a, image_b, window=itk.SSIMImageFilterEnums.Window_Uniform, window_size=7)
    _, expected_uniform = structural_similarity(a.astype(np.float64), b.astype(np.float64), data_range=1.0,
                                                win_size=7, use_sample_covariance=False, full=True)
    check(np.abs(np.asarray(uniform[0])[3:-3, 3:-3] - expected_uniform[3:-3, 3:-3]).max() < 1e-5,
          "uniform 7x7 window (snake_case keyword arguments), interior vs scikit-image")

    volume_a = rng.random((14, 17, 19)).astype(np.float32)
    volume_b = (0.7 * volume_a + 0.3 * rng.random(volume_a.shape)).astype(np.float32)
    volume = np.asarray(itk.ssim_image_filter(itk.image_from_array(volume_a), itk.image_from_array(volume_b))[0])
    _, expected_volume = skimage_ssim(volume_a, volume_b, 1.0)
    check(np.abs(volume - expected_volume).max() < 1e-5, "3D map vs scikit-image")

    bytes_a = (a * 255).astype(np.uint8)
    bytes_b = (b * 255).astype(np.uint8)
    image_type = itk.Image[itk.UC, 2]
    filter_uc = itk.SSIMImageFilter[image_type, itk.Image[itk.F, 2]].New(
        Input1=itk.image_from_array(bytes_a), Input2=itk.image_from_array(bytes_b))
    filter_uc.Update()
    _, expected_uc = skimage_ssim(bytes_a, bytes_b, 255.0)
    check(filter_uc.GetDynamicRange() == 255.0, "unsigned char input: dynamic range 255")
    check(np.abs(np.asarray(filter_uc.GetOutput()) - expected_uc).max() < 1e-5, "unsigned char map vs scikit-image")

    with tempfile.TemporaryDirectory() as tmp:
        path_a, path_b = os.path.join(tmp, "a.mha"), os.path.join(tmp, "b.mha")
        itk.imwrite(image_a, path_a)
        itk.imwrite(image_b, path_b)
        twin = subprocess.run([sys.executable, os.path.join(examples, "ssim_map.py"), path_a, path_b,
                               "-o", os.path.join(tmp, "python.mha")], capture_output=True, text=True)
        check(twin.returncode == 0, "examples/ssim_map.py runs: " + twin.stdout.strip() + twin.stderr.strip()[-500:])
        if twin.returncode == 0:
            twin_map = itk.array_from_image(itk.imread(os.path.join(tmp, "python.mha")))
            check(np.abs(twin_map - result).max() == 0, "examples/ssim_map.py writes the same map")
        if ssimae:
            # The C++ program links Debian's ITK: keep the wrapped ITK's libraries (same names) out of its way.
            environment = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
            program = subprocess.run([ssimae, "ssim", path_a, path_b, "-o", os.path.join(tmp, "cxx.mha")],
                                     capture_output=True, text=True, env=environment)
            check(program.returncode == 0, "ssimae ssim runs")
            cxx = itk.array_from_image(itk.imread(os.path.join(tmp, "cxx.mha")))
            check(np.abs(cxx - result).max() < 1e-6, f"C++ program vs Python: {np.abs(cxx - result).max():.2e}")
            check(program.stdout.split() == twin.stdout.split(), f"same mean printed: {program.stdout.strip()}")
        else:
            print("not compared with the C++ program: no ssimae given")
    return exit_status()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
