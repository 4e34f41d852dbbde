#!/usr/bin/env python3
"""segment --pieces (gigapixel images in strips) against segment of the whole image, 8- and 16-bit.

    /usr/bin/python3 apps/ssimae/test/check_large_images.py PATH/TO/ssimae

Trains small models on generated 8-bit and 16-bit checkerboards and segments a 300 x 200 image with defects both
whole and in 7 strips (--pieces 7) from PNG (read whole), MetaImage (read strip by strip) and TIFF (copied row by row):
the residual maps must agree to 1e-6 and the labels exactly, at two thresholds chosen from the residual's quantiles
(many regions) and with a minimum defect area (regions joined across strips). Bad input: a volume, a 16-bit TIFF
given to an 8-bit model, a truncated TIFF, a per-image-normalised model, --pieces 0.
Exit status 77 (skipped) when numpy or OpenCV cannot be imported.
"""
import os
import re
import subprocess
import sys
import tempfile

try:
    import cv2
    import numpy as np
except ImportError as error:
    print(f"SKIPPED: {error} (install python3-numpy python3-opencv)")
    sys.exit(77)
from checks import check, failures
from image_files import read_mha, read_nrrd, write_mha


def run(command, cwd):
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True, cwd=cwd)
    return result.returncode, result.stdout + result.stderr


def checkerboard(rng, shape, scale=1):
    y, x = np.mgrid[0:shape[0], 0:shape[1]]
    image = np.where(((x // 8) + (y // 8)) % 2, 200.0, 50.0) + rng.normal(0, 5, shape)
    return (np.clip(image, 0, 255) * scale).astype(np.uint8 if scale == 1 else np.uint16)


def train(ssimae, tmp, name, images, extra=()):
    code, output = run([ssimae, "train", "--images", *images, "--patch", "32", "--latent", "16", "--patches", "64",
                        "--batch", "32", "--epochs", "2", "--seed", "3", "--threads", "1", *extra, "-o", name], tmp)
    check(code == 0, f"train {name} failed: {output}")
    code, output = run([ssimae, "calibrate", "--model", name, *images, "--stride", "16"], tmp)
    check(code == 0, f"calibrate {name} failed: {output}")


def compare(ssimae, tmp, model, image, streamed_inputs, tag):
    """segment whole vs --pieces 7 for each input file of the same image."""
    code, output = run([ssimae, "segment", image, "--model", model, "--stride", "16", "-o", f"whole_{tag}"], tmp)
    if not check(code == 0, f"segment {image} failed: {output}"):
        return
    stem = os.path.splitext(os.path.basename(image))[0]
    residual = read_nrrd(os.path.join(tmp, f"whole_{tag}", f"{stem}_residual.nrrd"))[0]
    for quantile, area in ((0.9, 0), (0.97, 6)):
        threshold = float(np.quantile(residual, quantile))
        options = ["--threshold", f"{threshold:.9g}", "--min-area", str(area), "--stride", "16"]
        code, output = run([ssimae, "segment", image, "--model", model, *options, "-o", f"w_{tag}"], tmp)
        check(code == 0, f"segment {image} {options}: {output}")
        labels = cv2.imread(os.path.join(tmp, f"w_{tag}", f"{stem}_labels.png"), cv2.IMREAD_UNCHANGED) // 255
        regions = cv2.connectedComponents(labels.astype(np.uint8), connectivity=8)[0] - 1
        for source in streamed_inputs:
            out = f"s_{tag}_{os.path.basename(source).replace('.', '_')}"
            code, output = run([ssimae, "segment", source, "--model", model, *options, "--pieces", "7", "-o", out],
                               tmp)
            if not check(code == 0, f"segment {source} --pieces 7 {options}: {output}"):
                continue
            streamed = read_mha(os.path.join(tmp, out, f"{stem}_residual.mha"))
            streamed_labels = read_mha(os.path.join(tmp, out, f"{stem}_labels.mha"))
            difference = float(np.abs(streamed - residual).max())
            check(difference <= 1e-6, f"{source} --pieces 7: residual differs by {difference}")
            check(np.array_equal(streamed_labels, labels),
                  f"{source} --pieces 7 {options}: {int((streamed_labels != labels).sum())} labels differ "
                  f"({int(labels.sum())} defect pixels, {regions} regions)")
        print(f"{tag}: threshold at quantile {quantile}, min-area {area}: {int(labels.sum())} defect pixels in "
              f"{regions} regions, whole = streamed for {len(streamed_inputs)} input formats")


def main(ssimae):
    rng = np.random.default_rng(17)
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(3):
            cv2.imwrite(os.path.join(tmp, f"good{i}.png"), checkerboard(rng, (64, 64)))
            cv2.imwrite(os.path.join(tmp, f"good16_{i}.tif"), checkerboard(rng, (64, 64), 257))
        train(ssimae, tmp, "model8.pt", [f"good{i}.png" for i in range(3)])
        train(ssimae, tmp, "model16.pt", [f"good16_{i}.tif" for i in range(3)])
        train(ssimae, tmp, "per_image.pt", [f"good{i}.png" for i in range(3)], ["--normalize", "per-image"])
        image = checkerboard(rng, (200, 300))
        image[50:70, 100:140] = 125
        image[150:153, 20:200] = 90
        cv2.imwrite(os.path.join(tmp, "big.png"), image)
        write_mha(os.path.join(tmp, "big.mha"), image)
        cv2.imwrite(os.path.join(tmp, "big.tif"), image)
        compare(ssimae, tmp, "model8.pt", "big.png", ["big.png", "big.mha", "big.tif"], "8bit")
        image16 = image.astype(np.uint16) * 257 + rng.integers(0, 200, image.shape).astype(np.uint16)
        cv2.imwrite(os.path.join(tmp, "big16.tif"), image16)
        write_mha(os.path.join(tmp, "big16.mha"), image16)
        compare(ssimae, tmp, "model16.pt", "big16.tif", ["big16.tif", "big16.mha"], "16bit")

        # Bad input.
        with open(os.path.join(tmp, "volume.nrrd"), "wb") as f:
            f.write(b"NRRD0004\ntype: uint8\ndimension: 3\nsizes: 64 64 2\nencoding: raw\n\n" + bytes(64 * 64 * 2))
        data = open(os.path.join(tmp, "big16.tif"), "rb").read()
        open(os.path.join(tmp, "truncated.tif"), "wb").write(data[: len(data) // 2])
        cases = [
            (["volume.nrrd", "--model", "model8.pt"], 1, r"3D; this command reads 2D"),
            (["big16.tif", "--model", "model8.pt"], 1, r"16-bit integers.*8-bit images"),
            (["truncated.tif", "--model", "model16.pt"], 1, r"truncated\.tif"),
            (["big.png", "--model", "per_image.pt"], 1, r"global intensity normalisation"),
            (["big.png", "--model", "model8.pt", "--pieces", "0"], 2, r"--pieces"),
        ]
        for arguments, status, pattern in cases:
            pieces = [] if "--pieces" in arguments else ["--pieces", "4"]
            code, output = run([ssimae, "segment", *arguments, *pieces, "-o", "bad"], tmp)
            check(code == status and re.search(pattern, output) is not None,
                  f"segment {' '.join(arguments)}: exit {code} (expected {status}), output {output.strip()[-300:]!r}")
            leftovers = [f for f in os.listdir(tmp) if "streaming-input" in f] + (
                [f for f in os.listdir(os.path.join(tmp, "bad")) if f.endswith(".mha")]
                if os.path.isdir(os.path.join(tmp, "bad")) else [])
            check(not leftovers, f"segment {' '.join(arguments)} left {leftovers}")
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all large-image checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(os.path.abspath(sys.argv[1])))
