#!/usr/bin/env bash
# Peak memory of `ssimae reconstruct` on a 16384 x 16384 8-bit MetaImage streamed in pieces, and of `ssimae segment
# --pieces` on a 16384 x 16384 16-bit TIFF (Documentation/benchmarks.md).
#   bash scripts/streaming_benchmark.sh [WORK_DIR]
# Needs about 4 GB of disk in WORK_DIR (inputs, the float outputs, the temporary copy of the TIFF) and GNU time
# (/usr/bin/time).
set -euo pipefail
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${1:-"$PWD/streaming-benchmark"}
ssimae=${SSIMAE:-"$source_dir/build/bin/ssimae"}
mkdir -p "$work"
/usr/bin/python3 - "$work" <<'PY'
import sys
import numpy as np
n = 16384
header = ("ObjectType = Image\nNDims = 2\nBinaryData = True\nBinaryDataByteOrderMSB = False\n"
          f"CompressedData = False\nDimSize = {n} {n}\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n")
with open(f"{sys.argv[1]}/huge.mha", "wb") as f:
    f.write(header.encode())
    x = np.arange(n)[None, :]
    for block in range(16):
        y = np.arange(block * 1024, (block + 1) * 1024)[:, None]
        f.write(((((x // 8) + (y // 8)) % 2) * 130 + 60).astype(np.uint8).tobytes())
PY
# A 128 x 128 paper network (one short epoch on a generated texture is enough to measure memory and time).
"$ssimae" demo --quick --out "$work/demo" > /dev/null
"$ssimae" train --images "$work/demo/test0_input.png" --patch 128 --patches 32 --epochs 1 --batch 16 \
  -o "$work/model.pt" > /dev/null
/usr/bin/time -v "$ssimae" reconstruct "$work/huge.mha" --model "$work/model.pt" -o "$work/huge_reconstruction.mha" \
  --stride 128 --pieces 64 2> "$work/time.txt"
grep -E "Maximum resident|Elapsed" "$work/time.txt"
ls -l "$work/huge.mha" "$work/huge_reconstruction.mha"

# segment --pieces on a 16384 x 16384 16-bit TIFF (512 MiB of pixels; strips of 64 rows, LZW), with a model trained on
# 16-bit images (the TIFF's top-left 1024 x 1024): residual and labels are written strip by strip.
/usr/bin/python3 - "$work" <<'PY'
import sys
import numpy as np
import cv2
n = 16384
rng = np.random.default_rng(3)
y, x = np.mgrid[0:n, 0:n].astype(np.float32)
image = 20000 + 15000 * np.sin(x / 9.0) * np.cos(y / 7.0)
del x, y
image[9000:9400, 4000:4600] = 12000  # a defect
image = (image + rng.normal(0, 500, (n, n)).astype(np.float32)).clip(0, 65535).astype(np.uint16)
cv2.imwrite(f"{sys.argv[1]}/huge16.tif", image)
cv2.imwrite(f"{sys.argv[1]}/train16.tif", np.ascontiguousarray(image[:1024, :1024]))
PY
"$ssimae" train --images "$work/train16.tif" --patch 128 --patches 64 --epochs 1 --batch 16 -o "$work/model16.pt" \
  > /dev/null
"$ssimae" calibrate --model "$work/model16.pt" "$work/train16.tif" --stride 64 > /dev/null
mkdir -p "$work/segmented"
/usr/bin/time -v "$ssimae" segment "$work/huge16.tif" --model "$work/model16.pt" --stride 128 --pieces 64 \
  -o "$work/segmented" 2> "$work/time_segment.txt" > /dev/null
grep -E "Maximum resident|Elapsed" "$work/time_segment.txt"
ls -l "$work/huge16.tif" "$work/segmented"
