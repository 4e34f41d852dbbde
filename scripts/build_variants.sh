#!/usr/bin/env bash
# Builds and tests what the main build (scripts/build_and_test.sh) does not cover; CI runs it after that script.
#   bash scripts/build_variants.sh MAIN_BUILD_DIR [VARIANT_PREFIX]     (default prefix: MAIN_BUILD_DIR-variant)
#   1. clang: the library and its GoogleTests built with Debian's clang instead of GCC, and run. Debian's ITK
#      headers accept only GCC; scripts/clang/itk_compiler_detection_shim.h (forced include) lets clang read them.
#   2. no VTK: the module configures with find_package(VTK) disabled (its library, wrapping and GoogleTests never
#      use VTK; the main build compiles and runs them), and ssimae -- a CMake project of its own -- is built against
#      the module installed from MAIN_BUILD_DIR into a temporary prefix, without VTK, and passes its tests; its
#      plots then say that they are unavailable.
set -euo pipefail
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
main_build=$(realpath -m "${1:?usage: build_variants.sh MAIN_BUILD_DIR [VARIANT_PREFIX]}")
prefix=$(realpath -m "${2:-"$main_build-variant"}")
jobs=$(nproc)

echo "== clang: library and GoogleTests"
cmake -S "$source_dir" -B "$prefix-clang" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DSSIMAutoencoder_BUILD_APPS=OFF \
  "-DCMAKE_CXX_FLAGS=-include $source_dir/scripts/clang/itk_compiler_detection_shim.h" > /dev/null
cmake --build "$prefix-clang" -j "$jobs"
ctest --test-dir "$prefix-clang" -j "$jobs" --output-on-failure --timeout 600

echo "== without VTK: the module configures; ssimae on the installed module"
mkdir -p "$prefix-novtk"
cmake -S "$source_dir" -B "$prefix-novtk" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_DISABLE_FIND_PACKAGE_VTK=ON -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON > "$prefix-novtk/configure.log"
grep -q "built without plots" "$prefix-novtk/configure.log" || { cat "$prefix-novtk/configure.log"; exit 1; }
rm -rf "$prefix-install" "$prefix-app"
cmake --install "$main_build" --prefix "$prefix-install" > /dev/null
mkdir -p "$prefix-app"
cmake -S "$source_dir/apps/ssimae" -B "$prefix-app" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix-install" -DCMAKE_DISABLE_FIND_PACKAGE_VTK=ON -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON \
  > "$prefix-app/configure.log"
grep -q "built without plots" "$prefix-app/configure.log" || { cat "$prefix-app/configure.log"; exit 1; }
cmake --build "$prefix-app" -j "$jobs"
ssimae="$prefix-app/bin/ssimae"
ldd "$ssimae" | grep -q "$prefix-install/lib.*/libSSIMAutoencoder" || {
  echo "the standalone ssimae does not link the installed libSSIMAutoencoder" >&2; exit 1; }
if ldd "$ssimae" | grep -q libvtk; then
  echo "ssimae built without VTK links VTK" >&2
  exit 1
fi
printf 'series,x,y\nROC,0,0\nROC,1,1\n' > "$prefix-app/curve.csv"
status=0
"$ssimae" plot "$prefix-app/curve.csv" -o "$prefix-app/plot.png" > "$prefix-app/plot.log" 2>&1 || status=$?
if [ "$status" -ne 1 ] || ! grep -q "without VTK" "$prefix-app/plot.log"; then
  echo "ssimae plot without VTK: expected exit 1 and a message naming VTK, got $status:" >&2
  cat "$prefix-app/plot.log" >&2
  exit 1
fi
ctest --test-dir "$prefix-app" --output-on-failure --timeout 600
echo "variants passed: clang; without VTK (ssimae on the installed module)"
