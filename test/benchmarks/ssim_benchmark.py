#!/usr/bin/env python3
"""SSIM full-map speed: SSIMImageFilter (C++) vs scikit-image vs the classic OpenCV formulation, in one run.

    /usr/bin/python3 test/benchmarks/ssim_benchmark.py --binary build/test/benchmarks/ssimBenchmark [--size 2048]

All three compute the 11-tap Gaussian (sigma 1.5) SSIM map of the same float32 pair with K1 = 0.01, K2 = 0.03,
L = 1. Each is timed several times and the best (and median) wall time is reported, with megapixels per second
and the ratio of SSIMImageFilter's speed to each peer. The maps are also compared (interior, 5-pixel margin).

With --volume-depth D (> 0) the same run also times SSIMImageFilter on a float32 volume of --volume-size squared x D
voxels (11 x 11 x 11 Gaussian window) and reports its time per voxel relative to the 2D map's time per pixel (the
image and the volume timed alternately for --volume-rounds rounds, best of each), and
compares the volume's map with scikit-image's 3D SSIM in float64 (timed once).
"""
import argparse
import os
import subprocess
import tempfile
import time

import cv2
import numpy as np
from skimage.metrics import structural_similarity


def opencv_ssim(x, y, c1=0.01 ** 2, c2=0.03 ** 2):
    """The widely used OpenCV SSIM recipe: five 11x11 sigma-1.5 Gaussian blurs and the element-wise formula."""
    blur = lambda a: cv2.GaussianBlur(a, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)
    mu_x = blur(x)
    mu_y = blur(y)
    mu_x2 = mu_x * mu_x
    mu_y2 = mu_y * mu_y
    mu_xy = mu_x * mu_y
    sigma_x2 = blur(x * x) - mu_x2
    sigma_y2 = blur(y * y) - mu_y2
    sigma_xy = blur(x * y) - mu_xy
    return ((2 * mu_xy + c1) * (2 * sigma_xy + c2)) / ((mu_x2 + mu_y2 + c1) * (sigma_x2 + sigma_y2 + c2))


def texture(shape, rng):
    """A smooth texture plus noise and a distorted copy, float32, of any dimension."""
    grids = np.meshgrid(*[np.arange(n, dtype=np.float32) / max(shape) for n in shape], indexing="ij")
    x = 0.5 + 0.3 * np.sin(40 * grids[-1] + 25 * grids[-2] ** 2 + (10 * grids[0] if len(shape) == 3 else 0))
    x = (x + 0.05 * rng.standard_normal(shape)).astype(np.float32)
    y = (0.9 * x + 0.05 + 0.05 * rng.standard_normal(shape)).astype(np.float32)
    return x, y


def run_itk(binary, tmp, x, y, repeats, threads, components):
    """SSIMImageFilter on the pair through the benchmark program: (best s, median s, map)."""
    x.tofile(os.path.join(tmp, "x.raw"))
    y.tofile(os.path.join(tmp, "y.raw"))
    map_path = os.path.join(tmp, "map.raw")
    extent = list(reversed(x.shape)) + ([0] if x.ndim == 2 else [])
    out = subprocess.run([binary, os.path.join(tmp, "x.raw"), os.path.join(tmp, "y.raw")] + [str(e) for e in extent]
                         + [str(repeats), str(threads), str(components), map_path],
                         check=True, capture_output=True, text=True).stdout.split()
    return float(out[1]), float(out[3]), np.fromfile(map_path, dtype=np.float32).reshape(x.shape)


def volume_benchmark(args, rng, image_pair, best_2d):
    """The 3D map's time per voxel against the 2D map's time per pixel, and its accuracy against scikit-image.

    The shared cores slow down for seconds at a time, so the 2D image and the volume are timed alternately for
    --volume-rounds rounds and the best time of each is compared."""
    shape = (args.volume_depth, args.volume_size, args.volume_size)
    x, y = texture(shape, rng)
    best, median = float("inf"), float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.volume_rounds):
            best_2d = min(best_2d, run_itk(args.binary, tmp, *image_pair, args.repeats, args.threads, 0)[0])
            round_best, round_median, itk_map = run_itk(args.binary, tmp, x, y, args.repeats, args.threads, 0)
            best, median = min(best, round_best), min(median, round_median)
    pixels_2d = image_pair[0].size
    start = time.perf_counter()
    _, sk64_map = structural_similarity(x.astype(np.float64), y.astype(np.float64), data_range=1.0,
                                        gaussian_weights=True, sigma=1.5, use_sample_covariance=False, full=True)
    sk_seconds = time.perf_counter() - start
    per_voxel = best / x.size
    per_pixel = best_2d / pixels_2d
    print(f"volume {shape[2]}x{shape[1]}x{shape[0]} float32, SSIM map only, best of {args.volume_rounds} rounds "
          f"alternating with the 2D image: best {best:.4f} s, median {median:.4f} s,"
          f" {per_voxel * 1e9:.2f} ns/voxel against {per_pixel * 1e9:.2f} ns/pixel in 2D:"
          f" 3D/2D cost per voxel {per_voxel / per_pixel:.2f} (target <= 1.5)")
    print(f"  scikit-image 3D (float64, once): {sk_seconds:.2f} s ({sk_seconds / best:.1f}x slower); "
          f"max |ITK - skimage float64| over the whole volume: {np.abs(itk_map - sk64_map).max():.2e}")


def time_call(function, repeats):
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[0], times[len(times) // 2], result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="path of the built ssimBenchmark program")
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--volume-size", type=int, default=256, help="width and height of the volume")
    parser.add_argument("--volume-depth", type=int, default=0, help="slices of the volume; 0: no volume benchmark")
    parser.add_argument("--volume-rounds", type=int, default=4,
                        help="rounds of timing the 2D image and the volume alternately (best of each)")
    args = parser.parse_args()

    cv2.setNumThreads(args.threads)
    rng = np.random.default_rng(7)
    n = args.size
    x, y = texture((n, n), rng)

    with tempfile.TemporaryDirectory() as tmp:
        itk_best, itk_median, itk_map = run_itk(args.binary, tmp, x, y, args.repeats, args.threads, 0)
        itk_all_best, itk_all_median, itk_all_map = run_itk(args.binary, tmp, x, y, args.repeats, args.threads, 1)

    sk_best, sk_median, (_, sk_map) = time_call(
        lambda: structural_similarity(x, y, data_range=1.0, gaussian_weights=True, sigma=1.5,
                                      use_sample_covariance=False, full=True), max(2, args.repeats // 3))
    cv_best, cv_median, cv_map = time_call(lambda: opencv_ssim(x, y), args.repeats)

    _, sk64_map = structural_similarity(x.astype(np.float64), y.astype(np.float64), data_range=1.0,
                                        gaussian_weights=True, sigma=1.5, use_sample_covariance=False, full=True)
    interior = (slice(5, -5), slice(5, -5))
    megapixels = n * n / 1e6
    print(f"SSIM map {n}x{n} float32, Gaussian 11 taps sigma 1.5, {args.threads} threads, best of repeats")
    print(f"{'implementation':<38}{'best s':>9}{'median s':>10}{'MP/s':>9}{'speed-up':>10}")
    for name, best, median in [("SSIMImageFilter, SSIM map only", itk_best, itk_median),
                               ("SSIMImageFilter, + l, c, s maps", itk_all_best, itk_all_median),
                               ("scikit-image structural_similarity", sk_best, sk_median),
                               ("OpenCV GaussianBlur formulation", cv_best, cv_median)]:
        print(f"{name:<38}{best:>9.4f}{median:>10.4f}{megapixels / best:>9.1f}{best / itk_best:>9.1f}x")
    print(f"max |ITK - skimage float64| interior: {np.abs(itk_map - sk64_map)[interior].max():.2e}, "
          f"whole map: {np.abs(itk_map - sk64_map).max():.2e}; "
          f"skimage float32 vs float64: {np.abs(sk_map - sk64_map).max():.2e}")
    print(f"SSIM map identical with and without component maps: {bool(np.array_equal(itk_map, itk_all_map))}")
    print(f"max |ITK - OpenCV| interior: {np.abs(itk_map - cv_map)[interior].max():.2e}")
    print(f"ratio vs scikit-image: {sk_best / itk_best:.1f}x (target >= 25x); "
          f"ratio vs OpenCV: {cv_best / itk_best:.1f}x (target >= 3x)")
    if args.volume_depth > 0:
        volume_benchmark(args, rng, (x, y), itk_best)


if __name__ == "__main__":
    main()
