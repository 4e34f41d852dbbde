#!/usr/bin/env bash
# Peak memory of `ssimae reconstruct` on a 16384 x 16384 8-bit MetaImage streamed in pieces (Documentation/benchmarks.md).
#   bash scripts/streaming_benchmark.sh [WORK_DIR]
# Needs about 1.3 GB of disk in WORK_DIR (the 256 MiB input and the 1 GiB float output) and GNU time (/usr/bin/time).
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
