#!/usr/bin/env python3
"""Markdown tables of a magnetic tile experiment (scripts/magnetic_tile_experiment.sh) for Documentation/results.md.

    /usr/bin/python3 scripts/magnetic_tile_report.py OUT_DIR

Reads OUT_DIR/{ssim,l2}-evaluation/metrics.json and OUT_DIR/timing.txt; prints the overall and per-class areas
(pixel ROC AUC, AUPRO@0.3, image ROC AUC) and the metrics at each model's calibrated threshold, both models side
by side.
"""
import json
import os
import sys


def fmt(value):
    return "—" if value is None else f"{value:.3f}"


def main(out_dir):
    models = {}
    for loss in ("ssim", "l2"):
        with open(os.path.join(out_dir, f"{loss}-evaluation", "metrics.json")) as stream:
            models[loss] = json.load(stream)
    classes = ["overall"] + sorted(models["ssim"].get("categories", {}))

    def entry(loss, name):
        return models[loss] if name == "overall" else models[loss]["categories"][name]

    print("| class | pixel ROC AUC SSIM | ℓ2 | AUPRO@0.3 SSIM | ℓ2 | image ROC AUC SSIM | ℓ2 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in classes:
        cells = []
        for key in ("pixel_auroc", "aupro_0.3", "image_auroc"):
            cells += [fmt(entry("ssim", name).get(key)), fmt(entry("l2", name).get(key))]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
    print("At the calibrated threshold (each class: its defective images with all good test images):")
    print()
    print("| class | model | threshold | PRO | pixel precision | pixel recall | pixel FPR | good images right |"
          " defective images found |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in classes:
        for loss in ("ssim", "l2"):
            metrics = entry(loss, name).get("at_threshold")
            if metrics is None:
                continue
            print(f"| {name} | {loss} | {metrics['threshold']:.4f} | {fmt(metrics['per_region_overlap'])} | "
                  f"{fmt(metrics['pixel_precision'])} | {fmt(metrics['pixel_recall'])} | {metrics['pixel_fpr']:.4f} | "
                  f"{fmt(metrics['good_image_accuracy'])} | {fmt(metrics['defective_image_accuracy'])} |")
    timing = os.path.join(out_dir, "timing.txt")
    if os.path.exists(timing):
        print()
        print("Training wall time: " + "; ".join(line.strip() for line in open(timing)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
