#!/usr/bin/env bash
# Builds and tests the module in the configurations the main build does not cover (CI runs it after
# scripts/build_and_test.sh):
#   1. with Debian's clang instead of GCC: the library and its GoogleTests (no ssimae). Debian's ITK headers accept
#      only GCC; scripts/clang/itk_compiler_detection_shim.h (forced include) lets clang read them;
#   2. without VTK (find_package(VTK) disabled): the library, the GoogleTests and ssimae, whose plots then
#      report that they are unavailable while everything else works;
#   3. ssimae as a project of its own (apps/ssimae) against the module installed into a temporary prefix, with its
#      command-line tests.
#   bash scripts/build_variants.sh [BUILD_PREFIX]      (default: build-variant → build-variant-clang, -novtk)
set -euo pipefail
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=$(realpath -m "${1:-"$source_dir/build-variant"}")
jobs=$(nproc)
export CCACHE_BASEDIR="$source_dir"

echo "== clang: library and GoogleTests"
cmake -S "$source_dir" -B "$prefix-clang" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DSSIMAutoencoder_BUILD_APPS=OFF \
  "-DCMAKE_CXX_FLAGS=-include $source_dir/scripts/clang/itk_compiler_detection_shim.h" > /dev/null
cmake --build "$prefix-clang" -j "$jobs"
ctest --test-dir "$prefix-clang" -j "$jobs" --output-on-failure --timeout 600

echo "== without VTK: library, GoogleTests and ssimae"
mkdir -p "$prefix-novtk"
cmake -S "$source_dir" -B "$prefix-novtk" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_DISABLE_FIND_PACKAGE_VTK=ON -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON > "$prefix-novtk/configure.log"
grep -q "built without plots" "$prefix-novtk/configure.log" || { cat "$prefix-novtk/configure.log"; exit 1; }
cmake --build "$prefix-novtk" -j "$jobs"
if ldd "$prefix-novtk/bin/ssimae" | grep -q libvtk; then
  echo "ssimae of the build without VTK links VTK" >&2
  exit 1
fi
status=0
printf 'series,x,y\nROC,0,0\nROC,1,1\n' > "$prefix-novtk/curve.csv"
"$prefix-novtk/bin/ssimae" plot "$prefix-novtk/curve.csv" -o "$prefix-novtk/plot.png" > "$prefix-novtk/plot.log" 2>&1 || status=$?
if [ "$status" -ne 1 ] || ! grep -q "without VTK" "$prefix-novtk/plot.log"; then
  echo "ssimae plot without VTK: expected exit 1 and a message naming VTK, got $status:" >&2
  cat "$prefix-novtk/plot.log" >&2
  exit 1
fi
ctest --test-dir "$prefix-novtk" -j "$jobs" --output-on-failure --timeout 600 -R "ssimae\.|InstalledPackage|SSIMImageFilter"
echo "== ssimae against the installed module"
rm -rf "$prefix-install" "$prefix-app"
cmake --install "$prefix-novtk" --prefix "$prefix-install" > /dev/null
cmake -S "$source_dir/apps/ssimae" -B "$prefix-app" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix-install" > /dev/null
cmake --build "$prefix-app" -j "$jobs"
ldd "$prefix-app/bin/ssimae" | grep -q "$prefix-install/lib.*/libSSIMAutoencoder" || {
  echo "the standalone ssimae does not link the installed libSSIMAutoencoder" >&2; exit 1; }
ctest --test-dir "$prefix-app" --output-on-failure --timeout 600
echo "variants passed: clang, without VTK, ssimae on the installed module"
