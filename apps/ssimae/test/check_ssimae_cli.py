#!/usr/bin/env python3
"""End-to-end checks of the ssimae program's ssim, evaluate and plot commands on real files.

    /usr/bin/python3 apps/ssimae/test/check_ssimae_cli.py PATH/TO/ssimae

Makes small images, masks and residual maps in a temporary directory, runs ssimae, and checks
- `ssimae evaluate` metrics against scikit-learn's roc_auc_score on the same pixels (1e-9; the smoothed image
  score against SciPy's gaussian_filter, the blur reference against SciPy + scikit-image, 1e-4) and that it writes
  metrics.json, per_image.csv, roc.csv, pro.csv (and the plots when an X display or xvfb-run is available);
- `ssimae ssim` against scikit-image on the same pair (1e-5), and its map files;
- that bad input ends with exit status 1 or 2 and a message naming the file and the problem.
Exit status 77 (skipped) when numpy, scikit-learn, scikit-image or OpenCV cannot be imported.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import cv2
    import numpy as np
    from scipy import ndimage
    from skimage.metrics import structural_similarity
    from sklearn.metrics import roc_auc_score
except ImportError as error:
    print(f"SKIPPED: {error} (install python3-numpy python3-sklearn python3-skimage python3-opencv)")
    sys.exit(77)

from checks import check, failures


def run(ssimae, *args, cwd=None):
    result = subprocess.run([ssimae, *args], capture_output=True, text=True, cwd=cwd)
    return result.returncode, result.stdout + result.stderr


def main(ssimae):
    rng = np.random.default_rng(3)
    with tempfile.TemporaryDirectory() as tmp:
        lines = ["image,mask,residual,category"]
        all_scores, all_labels = [], []
        for i in range(6):
            image = (rng.random((30, 45)) * 255).astype(np.uint8)
            residual = (rng.random((30, 45)) * 0.5).astype(np.float32)
            mask = np.zeros((30, 45), np.uint8)
            if i % 2 == 0:
                mask[5 + i:15 + i, 10:22] = 255
                residual[mask > 0] += 0.3 * rng.random(int((mask > 0).sum())).astype(np.float32)
            cv2.imwrite(os.path.join(tmp, f"image{i}.png"), image)
            cv2.imwrite(os.path.join(tmp, f"residual{i}.tif"), residual)
            mask_name = ""
            if i % 2 == 0:
                mask_name = f"mask{i}.png"
                cv2.imwrite(os.path.join(tmp, mask_name), mask)
            category = "good" if i % 2 else ("scratch" if i < 3 else "dent")
            lines.append(f"image{i}.png,{mask_name},residual{i}.tif,{category}")
            all_scores.append(residual.ravel())
            all_labels.append((mask > 0).ravel())
        with open(os.path.join(tmp, "test.csv"), "w") as f:
            f.write("\n".join(lines) + "\n")

        code, output = run(ssimae, "evaluate", "--manifest", "test.csv", "-o", "out", "--threshold", "0.45",
                           "--image-score-sigma", "0", cwd=tmp)
        check(code == 0, f"evaluate failed: {output}")
        metrics = json.load(open(os.path.join(tmp, "out", "metrics.json")))
        expected = roc_auc_score(np.concatenate(all_labels), np.concatenate(all_scores))
        check(abs(metrics["pixel_auroc"] - expected) < 1e-9,
              f"pixel_auroc {metrics['pixel_auroc']} != scikit-learn {expected}")
        image_scores = [s.max() for s in all_scores]
        image_labels = [l.any() for l in all_labels]
        check(abs(metrics["image_auroc"] - roc_auc_score(image_labels, image_scores)) < 1e-9, "image_auroc")
        check(0.0 <= metrics["aupro_0.3"] <= 1.0, "aupro_0.3 out of range")
        check(set(metrics["categories"]) == {"scratch", "dent"}, f"categories {metrics.get('categories')}")
        check("at_threshold" in metrics, "thresholded metrics missing")
        for name in ["per_image.csv", "roc.csv", "pro.csv"]:
            check(os.path.exists(os.path.join(tmp, "out", name)), f"{name} not written")
        can_plot = bool(os.environ.get("DISPLAY")) or shutil.which("xvfb-run") is not None
        if "built without VTK" in output:  # an ssimae built without VTK says so and draws nothing
            for name in ["roc.png", "pro.png"]:
                check(not os.path.exists(os.path.join(tmp, "out", name)), f"{name} drawn without VTK")
        elif can_plot:
            for name in ["roc.png", "pro.png"]:
                check(os.path.exists(os.path.join(tmp, "out", name)), f"{name} not drawn")

        # RFC 4180 manifests: quoted names with commas and doubled quotes, CRLF line ends, a UTF-8 BOM; the same
        # files under such names give the same areas. An unterminated quote is an error naming file and line.
        quoted_lines = []
        for line in lines:
            if line.startswith("image,"):
                continue  # the header
            fields = line.split(",")
            renamed = []
            for field in fields[:3]:
                if field:
                    new = 'x, "' + field
                    shutil.copy(os.path.join(tmp, field), os.path.join(tmp, new))
                    field = '"' + new.replace('"', '""') + '"'
                renamed.append(field)
            quoted_lines.append(",".join(renamed + fields[3:]))
        with open(os.path.join(tmp, "quoted.csv"), "w", newline="") as f:
            f.write("\ufeffimage,mask,residual,category\r\n" + "\r\n".join(quoted_lines) + "\r\n")
        code, output = run(ssimae, "evaluate", "--manifest", "quoted.csv", "-o", "quoted", "--threshold", "0.45",
                           "--image-score-sigma", "0", "--reference", "none", cwd=tmp)
        check(code == 0, f"evaluate on a quoted manifest failed: {output}")
        if code == 0:
            quoted = json.load(open(os.path.join(tmp, "quoted", "metrics.json")))
            check(quoted["pixel_auroc"] == metrics["pixel_auroc"] and quoted["categories"] == metrics["categories"],
                  "quoted manifest gives other areas")
        with open(os.path.join(tmp, "broken.csv"), "w") as f:
            f.write('image0.png,"mask0.png\n')
        code, output = run(ssimae, "evaluate", "--manifest", "broken.csv", "-o", "broken", cwd=tmp)
        check(code == 1 and "unterminated quoted field" in output and "broken.csv" in output and "line 1" in output,
              f"unterminated quote: {code} {output}")

        # The default image score (maximum of the residual smoothed with a Gaussian of 4 px) and the blur reference
        # (1 - SSIM of each image and its Gaussian blur, L = the image's range without a model) against SciPy,
        # scikit-image and scikit-learn.
        code, output = run(ssimae, "evaluate", "--manifest", "test.csv", "-o", "ref", "--reference", "blur:2", cwd=tmp)
        check(code == 0, f"evaluate --reference failed: {output}")
        metrics = json.load(open(os.path.join(tmp, "ref", "metrics.json")))
        smoothed = [ndimage.gaussian_filter(s.reshape(30, 45).astype(np.float64), 4.0, mode="reflect").max()
                    for s in all_scores]
        check(abs(metrics["image_auroc"] - roc_auc_score(image_labels, smoothed)) < 1e-9,
              f"smoothed image_auroc {metrics['image_auroc']}")
        reference_maps = []
        for i in range(6):
            image = cv2.imread(os.path.join(tmp, f"image{i}.png"), cv2.IMREAD_GRAYSCALE).astype(np.float64)
            blurred = ndimage.gaussian_filter(image, 2.0, mode="reflect")
            _, ssim_map = structural_similarity(image, blurred, data_range=image.max() - image.min(),
                                                gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                                full=True)
            reference_maps.append((1.0 - ssim_map).ravel())
        expected_reference = roc_auc_score(np.concatenate(all_labels), np.concatenate(reference_maps))
        reference = metrics.get("reference", {})
        check(abs(reference.get("pixel_auroc", -1) - expected_reference) < 1e-4,
              f"blur reference pixel_auroc {reference.get('pixel_auroc')} != {expected_reference}")
        check(reference.get("best_sigma") == 2 and set(reference.get("sigmas", {})) == {"2"},
              f"reference sigmas {reference}")
        check(metrics.get("beats_reference") == (metrics["pixel_auroc"] > expected_reference), "beats_reference")
        check("blur sigma 2" in output and "blur reference" in output, f"reference table not printed: {output}")
        code, output = run(ssimae, "evaluate", "--manifest", "test.csv", "-o", "ref", "--reference", "blur:-1",
                           cwd=tmp)
        check(code == 2 and "--reference" in output, f"bad reference: {code} {output}")

        # A mask of another size than its image is an error naming both files.
        cv2.imwrite(os.path.join(tmp, "small_mask.png"), np.zeros((10, 10), np.uint8))
        with open(os.path.join(tmp, "bad.csv"), "w") as f:
            f.write("image0.png,small_mask.png,residual0.tif\nimage1.png,,residual1.tif\n")
        code, output = run(ssimae, "evaluate", "--manifest", "bad.csv", "-o", "bad", cwd=tmp)
        check(code == 1 and "small_mask.png" in output and "image0.png" in output, f"size mismatch: {code} {output}")
        code, output = run(ssimae, "evaluate", "--manifest", "missing.csv", "-o", "bad", cwd=tmp)
        check(code == 1 and "missing.csv" in output and "does not exist" in output, f"missing manifest: {output}")
        code, output = run(ssimae, "evaluate", "-o", "bad", cwd=tmp)
        check(code == 2 and "--mvtec" in output, f"no test set: {code} {output}")

        # ssim: map and mean against scikit-image (uint8 files, L = 255).
        a = cv2.imread(os.path.join(tmp, "image0.png"), cv2.IMREAD_GRAYSCALE)
        b = cv2.GaussianBlur(a, (5, 5), 1.0)
        cv2.imwrite(os.path.join(tmp, "blurred.png"), b)
        code, output = run(ssimae, "ssim", "image0.png", "blurred.png", "-o", "map.nrrd", "--structure", "s.png",
                           cwd=tmp)
        check(code == 0, f"ssim failed: {output}")
        mean, full = structural_similarity(a.astype(float), b.astype(float), data_range=255, gaussian_weights=True,
                                           sigma=1.5, use_sample_covariance=False, full=True)
        printed = float(output.split("mean SSIM:")[1].split()[0])
        check(abs(printed - full.mean()) < 1e-5, f"mean SSIM {printed} != scikit-image full-map mean {full.mean()}")
        check(os.path.getsize(os.path.join(tmp, "map.nrrd")) > 0 and os.path.exists(os.path.join(tmp, "s.png")),
              "ssim maps not written")
        code, output = run(ssimae, "ssim", "image0.png", "small_mask.png", cwd=tmp)
        check(code == 1 and "differ in size" in output and "small_mask.png" in output, f"ssim size: {output}")
        with open(os.path.join(tmp, "corrupt.png"), "wb") as f:
            f.write(b"\x89PNG not really")
        code, output = run(ssimae, "ssim", "image0.png", "corrupt.png", cwd=tmp)
        check(code == 1 and "corrupt.png" in output, f"corrupt file: {output}")
        open(os.path.join(tmp, "empty.png"), "w").close()
        code, output = run(ssimae, "ssim", "empty.png", "image0.png", cwd=tmp)
        check(code == 1 and "empty.png" in output and "empty" in output, f"empty file: {output}")
        code, output = run(ssimae, "ssim", "image0.png", "blurred.png", "--size", "4", cwd=tmp)
        check(code == 2 and "--size" in output, f"even window: {output}")
        code, output = run(ssimae, "frobnicate")
        check(code == 2 and "unknown command" in output, f"unknown command: {output}")
        code, output = run(ssimae, "--help")
        check(code == 0 and "evaluate" in output and "ssim" in output, "top-level help")
        code, output = run(ssimae, "evaluate", "--help")
        check(code == 0 and "--manifest" in output and "--mvtec" in output, "evaluate help")

    print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]))
