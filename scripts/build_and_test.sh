#!/usr/bin/env bash
# Installs the dependencies, builds SSIMAutoencoder and runs its whole test suite.
#   bash scripts/build_and_test.sh [BUILD_DIR]
set -euo pipefail
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${1:-"$source_dir/build"}

bash "$source_dir/scripts/install_dependencies.sh"
cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build_dir" -j "$(nproc)"
ctest --test-dir "$build_dir" -j "$(nproc)" --output-on-failure --timeout 600
