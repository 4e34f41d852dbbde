#!/usr/bin/env python3
"""Markdown tables of the real-data experiments for Documentation/results.md.

    /usr/bin/python3 scripts/experiment_report.py nanotwice OUT_DIR   # scripts/nanotwice_experiment.sh output
    /usr/bin/python3 scripts/experiment_report.py tiles OUT_DIR       # scripts/magnetic_tile_experiment.sh output

For each model: pixel ROC AUC, AUPRO@0.3, image ROC AUC, the blur reference (best sigma) with the same residual,
and the training record from the model's CSV log (epochs, presentations, wall time, last and best validation
loss, and the relative change of the best validation loss over the second half of the run).
"""
import csv
import json
import os
import sys


def fmt(value, digits=3):
    return "—" if value is None else f"{value:.{digits}f}"


def training_record(log_path):
    with open(log_path) as stream:
        rows = list(csv.DictReader(stream))
    if not rows:
        return {}
    epochs = len(rows)
    best = [min(float(r["validation_loss"]) for r in rows[:k + 1]) for k in range(epochs)]
    half = best[epochs // 2 - 1] if epochs >= 2 else best[0]
    return {
        "epochs": epochs,
        "presentations": int(rows[-1]["patches_seen"]),
        "seconds": float(rows[-1]["seconds"]),
        "best": best[-1],
        # How much the best validation loss still fell over the second half of the run (doubling the budget).
        "second_half_change": (half - best[-1]) / half if half else None,
    }


def row(name, metrics, record, classes=None):
    reference = metrics.get("reference", {})
    cells = [name, fmt(metrics["pixel_auroc"]), fmt(reference.get("pixel_auroc")),
             f"σ {reference.get('best_sigma', '—')}", fmt(metrics["aupro_0.3"]), fmt(metrics["image_auroc"])]
    if classes:
        cells += [fmt(metrics.get("category_mean_pixel_auroc")), fmt(reference.get("category_mean_pixel_auroc"))]
        cells += [fmt(metrics["categories"][c]["pixel_auroc"]) for c in classes]
    cells += [str(record.get("epochs", "—")), f"{record.get('presentations', 0):,}",
              f"{record.get('seconds', 0) / 60:.0f} min", fmt(record.get("best"), 4),
              "—" if record.get("second_half_change") is None else f"{100 * record['second_half_change']:.1f} %"]
    return "| " + " | ".join(cells) + " |"


def main(kind, out_dir):
    if kind == "nanotwice":
        models = [(name, os.path.join(out_dir, name, "metrics.json"), os.path.join(out_dir, name, "model.pt.log.csv"))
                  for name in sorted(os.listdir(out_dir)) if os.path.isfile(os.path.join(out_dir, name, "metrics.json"))]
        classes = None
    else:
        models = [(f"{loss}-AE", os.path.join(out_dir, f"{loss}-evaluation", "metrics.json"),
                   os.path.join(out_dir, f"{loss}-ae.pt.log.csv")) for loss in ("ssim", "l2")]
        classes = None
    header = ["model", "pixel AUROC", "blur reference", "best σ", "AUPRO@0.3", "image AUROC"]
    loaded = []
    for name, metrics_path, log_path in models:
        if not os.path.isfile(metrics_path):
            continue
        metrics = json.load(open(metrics_path))
        record = training_record(log_path) if os.path.isfile(log_path) else {}
        loaded.append((name, metrics, record))
        if kind == "tiles" and classes is None:
            classes = sorted(metrics.get("categories", {}))
    if classes:
        header += ["class mean", "class mean ref."] + classes
    header += ["epochs", "presentations", "training", "best val. loss", "best val. loss fell in 2nd half"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" + "---:|" * (len(header) - 1))
    for name, metrics, record in loaded:
        print(row(name, metrics, record, classes))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
