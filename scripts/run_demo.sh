#!/usr/bin/env bash
# Installs the dependencies, builds ssimae and runs the demo: the paper's checkerboard problem, l2-AE vs SSIM-AE.
#   bash scripts/run_demo.sh [OUTPUT_DIR]
set -euo pipefail
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir="$source_dir/build"
output_dir=${1:-"$PWD/demo-output"}

bash "$source_dir/scripts/install_dependencies.sh"
cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build_dir" -j "$(nproc)" --target ssimae
"$build_dir/bin/ssimae" demo --out "$output_dir"
