#!/usr/bin/env python3
"""Splits of the Magnetic Tile Surface Defect data set for the results in Documentation/results.md.

    python3 scripts/magnetic_tile_splits.py ../shared/data/magnetic_tile OUTDIR

Protocol: the MT_Free images sorted by file name; every fifth (index 4, 9, 14, ...) is a defect-free test image;
of the remaining list every tenth (index 9, 19, ...) is a validation image (threshold calibration only); the rest
is training. All images of the five defect folders are test images. Writes
  OUTDIR/train.txt        one training image path per line
  OUTDIR/validation.txt   one validation image path per line
  OUTDIR/test.csv         manifest 'image,mask,,category' for ssimae evaluate (masks are the data set's PNGs,
                          category 'good' or the defect folder name)
"""
import os
import sys

DEFECT_FOLDERS = ["MT_Blowhole", "MT_Break", "MT_Crack", "MT_Fray", "MT_Uneven"]


def images(folder):
    directory = os.path.join(folder, "Imgs")
    return sorted(os.path.join(directory, name) for name in os.listdir(directory) if name.endswith(".jpg"))


def mask_of(image):
    return image[: -len(".jpg")] + ".png"


def main(root, out):
    root = os.path.abspath(root)
    if not os.path.isdir(os.path.join(root, "MT_Free", "Imgs")):
        sys.exit(f"{root} does not look like the magnetic tile data set (no MT_Free/Imgs)")
    os.makedirs(out, exist_ok=True)
    free = images(os.path.join(root, "MT_Free"))
    test_good = [path for i, path in enumerate(free) if i % 5 == 4]
    rest = [path for i, path in enumerate(free) if i % 5 != 4]
    validation = [path for j, path in enumerate(rest) if j % 10 == 9]
    train = [path for j, path in enumerate(rest) if j % 10 != 9]
    with open(os.path.join(out, "train.txt"), "w") as f:
        f.write("\n".join(train) + "\n")
    with open(os.path.join(out, "validation.txt"), "w") as f:
        f.write("\n".join(validation) + "\n")
    with open(os.path.join(out, "test.csv"), "w") as f:
        f.write("image,mask,residual,category\n")
        for path in test_good:
            f.write(f"{path},{mask_of(path)},,good\n")
        for folder in DEFECT_FOLDERS:
            for path in images(os.path.join(root, folder)):
                f.write(f"{path},{mask_of(path)},,{folder[3:]}\n")
    defects = sum(len(images(os.path.join(root, folder))) for folder in DEFECT_FOLDERS)
    print(f"train {len(train)}, validation {len(validation)}, test {len(test_good)} good + {defects} defective")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
