#!/usr/bin/env python3
"""The comparison table of scripts/compare_models.sh: one row per model, each against its blur reference.

    /usr/bin/python3 scripts/compare_report.py OUT_DIR [MODEL ...]      # default models: l2 ssim vae fm

Reads OUT_DIR/<model>/metrics.json (ssimae evaluate), roc.csv and model.pt.log.csv (ssimae train) and writes
OUT_DIR/comparison.md (Markdown), OUT_DIR/comparison.csv and OUT_DIR/roc.png (pixel ROC curves of all models and of
the best blur reference of each residual kind, matplotlib).
"""
import csv
import json
import os
import sys

NAMES = {
    "l2": ("ℓ2-AE", "ℓ2"),
    "ssim": ("SSIM-AE", "1 − SSIM"),
    "vae": ("VAE", "reconstruction probability"),
    "fm": ("FM-AE", "ℓ2"),
}
COLUMNS = ["model", "residual", "pixel_auroc", "aupro_0.3", "image_auroc", "blur_pixel_auroc", "blur_sigma",
           "beats_blur_by", "epochs", "presentations", "training_minutes", "best_validation_loss"]


def training_record(log_path):
    with open(log_path) as stream:
        rows = list(csv.DictReader(stream))
    if not rows:
        return {"epochs": 0, "presentations": 0, "seconds": 0.0, "best": None}
    return {
        "epochs": len(rows),
        "presentations": int(rows[-1]["patches_seen"]),
        "seconds": float(rows[-1]["seconds"]),
        "best": min(float(r["validation_loss"]) for r in rows),
    }


def roc_curve(path):
    fpr, tpr = [], []
    with open(path) as stream:
        for row in csv.DictReader(stream):
            if row["series"] == "ROC":
                fpr.append(float(row["false_positive_rate"]))
                tpr.append(float(row["value"]))
    return fpr, tpr


def fmt(value, digits=3):
    return "—" if value is None else f"{value:.{digits}f}"


def collect(out_dir, models):
    rows = []
    for model in models:
        directory = os.path.join(out_dir, model)
        with open(os.path.join(directory, "metrics.json")) as stream:
            metrics = json.load(stream)
        record = training_record(os.path.join(directory, "model.pt.log.csv"))
        reference = metrics.get("reference", {})
        blur = reference.get("pixel_auroc")
        rows.append({
            "key": model,
            "model": NAMES.get(model, (model, ""))[0],
            "residual": NAMES.get(model, ("", metrics.get("residual", "")))[1],
            "reference_residual": metrics.get("reference_residual", metrics.get("residual")),
            "pixel_auroc": metrics["pixel_auroc"],
            "aupro_0.3": metrics["aupro_0.3"],
            "image_auroc": metrics["image_auroc"],
            "blur_pixel_auroc": blur,
            "blur_sigma": reference.get("best_sigma"),
            "beats_blur_by": None if blur is None else metrics["pixel_auroc"] - blur,
            "epochs": record["epochs"],
            "presentations": record["presentations"],
            "training_minutes": record["seconds"] / 60.0,
            "best_validation_loss": record["best"],
        })
    return rows


def write_markdown(rows, path):
    lines = [
        "| model | residual | pixel ROC AUC | AUPRO@0.3 | image ROC AUC | best blur reference (σ px) | beats it by |"
        " epochs × patches | training time | best validation loss |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        sigma = "—" if r["blur_sigma"] is None else f"{r['blur_sigma']:g}"
        beats = "—" if r["beats_blur_by"] is None else f"{r['beats_blur_by']:+.3f}"
        per_epoch = r["presentations"] // r["epochs"] if r["epochs"] else 0
        lines.append(
            f"| {r['model']} | {r['residual']} | {fmt(r['pixel_auroc'])} | {fmt(r['aupro_0.3'])} | "
            f"{fmt(r['image_auroc'])} | {fmt(r['blur_pixel_auroc'])} ({sigma}) | {beats} | "
            f"{r['epochs']} × {per_epoch:,} | {r['training_minutes']:.1f} min | {fmt(r['best_validation_loss'], 4)} |")
    with open(path, "w") as stream:
        stream.write("\n".join(lines) + "\n")
    return lines


def write_csv(rows, path):
    with open(path, "w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: ("" if r[k] is None else r[k]) for k in COLUMNS})


def plot(rows, out_dir, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not importable: no ROC plot", file=sys.stderr)
        return
    figure, axes = plt.subplots(figsize=(6, 5))
    for r in rows:
        fpr, tpr = roc_curve(os.path.join(out_dir, r["key"], "roc.csv"))
        axes.plot(fpr, tpr, label=f"{r['model']} ({r['pixel_auroc']:.3f})")
    axes.plot([0, 1], [0, 1], color="grey", linewidth=0.5, linestyle=":")
    axes.set_xlabel("false-positive rate (pixels)")
    axes.set_ylabel("true-positive rate (pixels)")
    axes.set_title("Pixel ROC, NanoTWICE test images")
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    out_dir = sys.argv[1]
    models = sys.argv[2:] or ["l2", "ssim", "vae", "fm"]
    missing = [m for m in models if not os.path.isfile(os.path.join(out_dir, m, "metrics.json"))]
    if missing:
        print(f"no metrics.json for {', '.join(missing)} in {out_dir}: training or evaluation did not finish "
              f"(see {out_dir}/<model>/train.txt and evaluate.txt)", file=sys.stderr)
        sys.exit(1)
    rows = collect(out_dir, models)
    lines = write_markdown(rows, os.path.join(out_dir, "comparison.md"))
    write_csv(rows, os.path.join(out_dir, "comparison.csv"))
    plot(rows, out_dir, os.path.join(out_dir, "roc.png"))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
