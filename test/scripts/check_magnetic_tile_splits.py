#!/usr/bin/env python3
"""Checks the magnetic tile split protocol on the real data set (../shared/data/magnetic_tile).

    python3 test/scripts/check_magnetic_tile_splits.py SOURCE_DIR DATA_DIR

Exit status 77 (skipped) with a message when the data set is absent.
"""
import os
import subprocess
import sys
import tempfile

source, data = sys.argv[1], sys.argv[2]
if not os.path.isdir(os.path.join(data, "MT_Free", "Imgs")):
    print(f"SKIPPED: the magnetic tile data set is not at {data} (see ../shared/data/magnetic_tile/README.md)")
    sys.exit(77)
with tempfile.TemporaryDirectory() as out:
    printed = subprocess.run([sys.executable, os.path.join(source, "scripts", "magnetic_tile_splits.py"), data, out],
                             check=True, capture_output=True, text=True).stdout
    train = open(os.path.join(out, "train.txt")).read().split()
    validation = open(os.path.join(out, "validation.txt")).read().split()
    test = open(os.path.join(out, "test.csv")).read().splitlines()[1:]
failures = []
if (len(train), len(validation), len(test)) != (686, 76, 582):
    failures.append(f"split sizes {len(train)}, {len(validation)}, {len(test)} != 686, 76, 582 ({printed.strip()})")
if set(train) & set(validation) or any(line.split(",")[0] in set(train) | set(validation) for line in test):
    failures.append("training, validation and test images overlap")
free = sorted(name for name in os.listdir(os.path.join(data, "MT_Free", "Imgs")) if name.endswith(".jpg"))
if os.path.basename(test[0].split(",")[0]) != free[4]:
    failures.append(f"first test image {test[0]} is not MT_Free index 4 ({free[4]})")
for line in test:
    image, mask = line.split(",")[:2]
    if not (os.path.exists(image) and os.path.exists(mask)):
        failures.append(f"missing file in {line}")
        break
print("\n".join(failures) or "passed")
sys.exit(1 if failures else 0)
