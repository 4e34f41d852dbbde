#!/usr/bin/env python3
"""End-to-end checks of the paper's comparison models through the ssimae program.

    /usr/bin/python3 apps/ssimae/test/check_comparison_models.py PATH/TO/ssimae SOURCE_DIR

On small generated checkerboards (PNG files) it trains an l2-AE, a VAE (--model vae) and a feature-matching AE
(--loss fm with the Gabor extractor of scripts/export_feature_extractor.py) for two short epochs, and checks
- that calibrate, segment and evaluate pick each model's own residual from the model file (1 - SSIM / l2 /
  reconstruction probability "model"), and that the VAE's blur reference is scored with l2;
- that scripts/compare_report.py turns the three evaluations into one Markdown table, a CSV file and a ROC plot;
- that bad combinations end with a usage error (exit 2) or an error (exit 1) naming the problem.
The positional images of calibrate and segment come right after an option's value, as users write them.
Exit status 77 (skipped) when numpy, OpenCV or Debian's python3-torch cannot be imported.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

try:
    import cv2
    import numpy as np
    import torch  # noqa: F401  (the feature extractor is exported with it)
except ImportError as error:
    print(f"SKIPPED: {error} (install python3-numpy python3-opencv python3-torch)")
    sys.exit(77)

from checks import check, failures


def run(command, cwd):
    result = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
    return result.returncode, result.stdout + result.stderr


def checkerboard(rng, defect=False):
    y, x = np.mgrid[0:64, 0:64]
    image = np.where(((x // 8) + (y // 8)) % 2, 200.0, 50.0) + rng.normal(0, 5, (64, 64))
    mask = np.zeros((64, 64), np.uint8)
    if defect:
        image[20:30, 24:40] = 125.0
        mask[20:30, 24:40] = 255
    return np.clip(image, 0, 255).astype(np.uint8), mask


def main(ssimae, source_dir):
    rng = np.random.default_rng(5)
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "train"))
        for i in range(3):
            cv2.imwrite(os.path.join(tmp, "train", f"good{i}.png"), checkerboard(rng)[0])
        lines = ["image,mask"]
        for i in range(2):
            image, mask = checkerboard(rng, defect=True)
            cv2.imwrite(os.path.join(tmp, f"test{i}.png"), image)
            cv2.imwrite(os.path.join(tmp, f"mask{i}.png"), mask)
            lines.append(f"test{i}.png,mask{i}.png")
        with open(os.path.join(tmp, "test.csv"), "w") as f:
            f.write("\n".join(lines) + "\n")
        code, output = run([sys.executable, os.path.join(source_dir, "scripts", "export_feature_extractor.py"),
                            "features.pt"], tmp)
        check(code == 0, f"export_feature_extractor failed: {output}")

        common = ["train", "--images", "train", "--patch", "32", "--latent", "16", "--patches", "64", "--batch",
                  "32", "--epochs", "2", "--seed", "3", "--threads", "1"]
        models = {"l2": ["--loss", "l2"], "vae": ["--model", "vae", "--samples", "3"],
                  "fm": ["--loss", "fm", "--features", "features.pt", "--fm-weight", "5"]}
        expected_residual = {"l2": "l2", "vae": "model", "fm": "l2"}
        for name, options in models.items():
            os.makedirs(os.path.join(tmp, name))
            code, output = run([ssimae, *common, *options, "-o", f"{name}/model.pt"], tmp)
            check(code == 0, f"train {name} failed: {output}")
            code, output = run([ssimae, "calibrate", "--model", f"{name}/model.pt", "train", "--stride", "16"], tmp)
            check(code == 0 and f"{expected_residual[name]} residual" in output, f"calibrate {name}: {output}")
            code, output = run([ssimae, "evaluate", "--manifest", "test.csv", "--model", f"{name}/model.pt",
                                "--stride", "16", "--reference", "blur:2", "--worst", "0", "-o", name], tmp)
            check(code == 0, f"evaluate {name} failed: {output}")
            if code == 0:
                metrics = json.load(open(os.path.join(tmp, name, "metrics.json")))
                check(metrics["residual"] == expected_residual[name], f"{name} residual {metrics['residual']}")
                check(metrics["reference_residual"] == ("l2" if name == "vae" else metrics["residual"]),
                      f"{name} reference residual {metrics['reference_residual']}")
                check(0.0 <= metrics["pixel_auroc"] <= 1.0, f"{name} pixel AUROC {metrics['pixel_auroc']}")
        code, output = run([ssimae, "segment", "test0.png", "--model", "vae/model.pt", "--stride", "16",
                            "-o", "segmented"], tmp)
        check(code == 0, f"segment with the VAE failed: {output}")
        for suffix in ("_labels.png", "_residual.nrrd", "_reconstruction.nrrd"):
            check(code != 0 or os.path.getsize(os.path.join(tmp, "segmented", "test0" + suffix)) > 0,
                  f"segment wrote no {suffix}")

        code, output = run([sys.executable, os.path.join(source_dir, "scripts", "compare_report.py"), tmp,
                            "l2", "vae", "fm"], tmp)
        check(code == 0, f"compare_report failed: {output}")
        if code == 0:
            table = open(os.path.join(tmp, "comparison.md")).read()
            for model in ("ℓ2-AE", "VAE", "FM-AE", "reconstruction probability"):
                check(model in table, f"{model} not in the table: {table}")
            rows = list(csv.DictReader(open(os.path.join(tmp, "comparison.csv"))))
            check([r["model"] for r in rows] == ["ℓ2-AE", "VAE", "FM-AE"], f"CSV rows {rows}")
            vae = json.load(open(os.path.join(tmp, "vae", "metrics.json")))
            check(abs(float(rows[1]["pixel_auroc"]) - vae["pixel_auroc"]) < 1e-12, "CSV pixel AUROC")
            check(os.path.getsize(os.path.join(tmp, "roc.png")) > 0, "no ROC plot")

        # Bad combinations: usage errors before any work, errors naming the file.
        code, output = run([sys.executable, os.path.join(source_dir, "scripts", "export_feature_extractor.py"),
                            "flat.pt", "--kind", "flat"], tmp)
        bad = [
            (["--model", "vae", "--loss", "ssim"], 2, "--model vae is trained with the ELBO"),
            (["--loss", "elbo"], 2, "--loss elbo needs --model vae"),
            (["--loss", "fm"], 2, "--loss fm needs --features"),
            (["--loss", "l2", "--features", "features.pt"], 2, "--features is used by --loss fm only"),
            (["--samples", "4"], 2, "--samples is for --model vae only"),
            (["--model", "vae", "--samples", "0"], 2, "--samples"),
            (["--model", "torchscript"], 2, "--model must be paper or vae"),
            (["--model", "gan"], 2, "--model"),
            (["--loss", "fm", "--features", "features.pt", "--fm-weight", "-1"], 2, "--fm-weight"),
            (["--loss", "fm", "--features", "missing.pt"], 1, "missing.pt"),
            (["--loss", "fm", "--features", "test.csv"], 1, "test.csv"),
            (["--loss", "fm", "--features", "flat.pt"], 1, "one row per patch"),
        ]
        for options, status, fragment in bad:
            code, output = run([ssimae, *common, *options, "-o", "bad/model.pt"], tmp)
            check(code == status and fragment in output, f"train {' '.join(options)}: {code} {output}")
        code, output = run([ssimae, "segment", "test0.png", "--model", "l2/model.pt", "--residual", "model",
                            "--threshold", "0.5", "-o", "bad"], tmp)
        check(code == 1 and "--residual model needs a model with a residual of its own" in output,
              f"--residual model with an l2-AE: {code} {output}")
        code, output = run([ssimae, "calibrate", "--model", "l2/model.pt", "train", "--residual", "probability"], tmp)
        check(code == 2 and "ssim, l2 or model" in output, f"unknown residual: {code} {output}")

    print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]))
