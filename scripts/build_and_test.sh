#!/usr/bin/env bash
# Installs the dependencies, builds SSIMAutoencoder and runs its whole test suite: the C++ build against Debian's
# ITK with its GoogleTests and program tests, then the Python wrapping (scripts/build_python.sh: a wrapped ITK
# built from Debian's source package, about 15 minutes the first time, then cached) with its Python tests.
#   bash scripts/build_and_test.sh [BUILD_DIR]
# Environment: SSIMAE_SKIP_PYTHON=1 runs the C++ part only. SSIMAE_DEADLINE (seconds since the epoch) bounds the
# first build of the wrapped ITK; if it cannot finish by then, the Python tests are reported as not run.
set -euo pipefail
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=$(realpath -m "${1:-"$source_dir/build"}")

bash "$source_dir/scripts/install_dependencies.sh"
cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build_dir" -j "$(nproc)"
ctest --test-dir "$build_dir" -j "$(nproc)" --output-on-failure --timeout 600

if [ "${SSIMAE_SKIP_PYTHON:-0}" = 1 ]; then
  echo "Python wrapping and its tests skipped (SSIMAE_SKIP_PYTHON=1)."
  exit 0
fi
SSIMAE_CXX_BUILD="$build_dir" bash "$source_dir/scripts/build_python.sh" --test "$build_dir-python"
