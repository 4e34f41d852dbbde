#!/usr/bin/env python3
"""Reference ROC AUC values from scikit-learn for the SegmentationEvaluation tests.

    /usr/bin/python3 test/scripts/metrics_reference.py test/Input/roc_reference.csv

Each line of the output: case name, scikit-learn's roc_auc_score with 17 significant digits, then the labels and
scores of the case ("label:score" pairs). Cases: continuous random scores, heavily tied scores (one decimal),
all-tied scores, and perfectly separated scores.
"""
import sys

import numpy as np
from sklearn.metrics import roc_auc_score


def main(path):
    rng = np.random.default_rng(5)
    cases = []
    labels = rng.integers(0, 2, 500)
    cases.append(("random", labels, rng.random(500) + 0.3 * labels))
    labels = rng.integers(0, 2, 400)
    cases.append(("ties", labels, np.round(rng.random(400) + 0.2 * labels, 1)))
    labels = np.array([0, 1, 1, 0, 1, 0, 0])
    cases.append(("all_tied", labels, np.full(7, 0.5)))
    labels = np.array([0, 0, 1, 1, 0, 1])
    cases.append(("separated", labels, np.array([0.1, 0.2, 0.9, 0.8, 0.3, 0.7])))
    labels = rng.integers(0, 2, 300)
    cases.append(("few_levels", labels, rng.integers(0, 4, 300).astype(float) + labels * rng.integers(0, 2, 300)))
    with open(path, "w") as f:
        for name, labels, scores in cases:
            pairs = " ".join(f"{int(l)}:{s!r}" for l, s in zip(labels, scores))
            f.write(f"{name} {roc_auc_score(labels, scores)!r} {pairs}\n")


if __name__ == "__main__":
    main(sys.argv[1])
