#!/usr/bin/env bash
# Builds SSIMAutoencoder's Python wrapping and, with --test, runs its Python tests.
#
#   bash scripts/build_python.sh [--test] [--itk-only] [--pack DIR] [BUILD_DIR]
#
# Debian's libinsighttoolkit5-dev has no Python wrapping and PyPI is not reachable here, so this script builds
# ITK 5.2.1 with ITK_WRAP_PYTHON=ON from Debian's own source package (apt-get source insighttoolkit5), with
# Debian's castxml and swig4.0, only the ITK modules this module and its Python users need, image dimensions 2
# and 3, and the pixel types unsigned char, unsigned short and float. That build goes into a cache directory outside
# the source tree whose name records the ITK version and the options; it is reused when present. A tarball of that cache
# (made with --pack) is accepted from $SSIMAE_ITK_TARBALLS (default: ../shared/cache beside the project) when its
# recorded configuration matches. The module is then configured against the wrapped ITK build tree with wrapping
# on (BUILD_DIR, default build-python/) and built.
#
# Time on a 2-core machine: the wrapped ITK takes about 15 minutes the first time; the module then about one.
#
# Environment:
#   SSIMAE_ITK_CACHE     cache root (default /var/cache/ssimautoencoder as root, else ~/.cache/ssimautoencoder)
#   SSIMAE_ITK_TARBALLS  directory searched for <cache name>.tar.zst (default ../shared/cache)
#   SSIMAE_CXX_BUILD     the C++ build whose `ssimae` trains the model of the Python tests (default build/)
#   JOBS                 parallel jobs (default: number of cores)
set -euo pipefail

source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
run_tests=0
itk_only=0
pack_dir=""
build_dir="$source_dir/build-python"
while [ $# -gt 0 ]; do
  case "$1" in
    --test) run_tests=1 ;;
    --itk-only) itk_only=1 ;;
    --pack) pack_dir=$2; shift ;;
    -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "build_python.sh: unknown option $1" >&2; exit 2 ;;
    *) build_dir=$1 ;;
  esac
  shift
done
jobs=${JOBS:-$(nproc)}
python=/usr/bin/python3

# --- packages ---------------------------------------------------------------------------------------------------
bash "$source_dir/scripts/install_dependencies.sh"
wrap_packages=(castxml swig4.0 dpkg-dev zstd python3-dev python3-numpy
  libpng-dev zlib1g-dev libjpeg-dev libtiff-dev libeigen3-dev libdouble-conversion-dev)
missing=()
for package in "${wrap_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- the wrapped ITK: configuration, and the cache directory named after it ----------------------------------------
# (ITKIONIFTI is left out: it pulls in ITKTransform and ITKStatistics, whose wrapping is large.)
itk_modules=(ITKCommon ITKIOImageBase ITKIOPNG ITKIOJPEG ITKIOTIFF ITKIOMeta ITKIONRRD ITKBridgeNumPy)
itk_options=(
  -DCMAKE_BUILD_TYPE=Release
  -DBUILD_SHARED_LIBS=ON
  -DBUILD_TESTING=OFF
  -DBUILD_EXAMPLES=OFF
  -DITK_BUILD_DEFAULT_MODULES=OFF
  -DITKGroup_Core=OFF
  -DITK_WRAP_PYTHON=ON
  -DITK_USE_SYSTEM_CASTXML=ON -DCASTXML_EXECUTABLE=/usr/bin/castxml
  -DITK_USE_SYSTEM_SWIG=ON -DSWIG_EXECUTABLE=/usr/bin/swig4.0
  -DPython3_EXECUTABLE=$python
  "-DITK_WRAP_IMAGE_DIMS=2;3"
  -DITK_WRAP_unsigned_char=ON -DITK_WRAP_float=ON
  -DITK_WRAP_unsigned_short=ON -DITK_WRAP_signed_short=OFF -DITK_WRAP_double=OFF
  -DITK_WRAP_vector_float=ON -DITK_WRAP_covariant_vector_float=ON
  -DITK_WRAP_rgb_unsigned_char=OFF -DITK_WRAP_rgba_unsigned_char=OFF -DITK_WRAP_complex_float=OFF
  -DITK_USE_SYSTEM_PNG=ON -DITK_USE_SYSTEM_ZLIB=ON -DITK_USE_SYSTEM_JPEG=ON -DITK_USE_SYSTEM_TIFF=ON
  -DITK_USE_SYSTEM_EIGEN=ON -DITK_USE_SYSTEM_DOUBLECONVERSION=ON
)
for module in "${itk_modules[@]}"; do itk_options+=("-DModule_$module=ON"); done

# The source package of the same version as Debian's installed ITK.
debian_version=$(dpkg-query -W -f='${Version}' libinsighttoolkit5-dev)
python_version=$($python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
configuration=$(printf '%s\n' "insighttoolkit5 $debian_version" "python $python_version" \
  "$(g++ -dumpfullversion)" "$(castxml --version | head -n 1)" "$(swig4.0 -version | grep -m1 Version)" \
  "${itk_options[@]}" "patches: numpy-bool, no-ios_base_sync_with_stdio")
cache_name="itk-5.2.1-py$python_version-$(printf '%s' "$configuration" | sha256sum | cut -c1-12)"
if [ -z "${SSIMAE_ITK_CACHE:-}" ]; then
  if [ "$(id -u)" -eq 0 ]; then SSIMAE_ITK_CACHE=/var/cache/ssimautoencoder; else SSIMAE_ITK_CACHE=$HOME/.cache/ssimautoencoder; fi
fi
itk_root="$SSIMAE_ITK_CACHE/$cache_name"
itk_build="$itk_root/build"
tarballs=${SSIMAE_ITK_TARBALLS:-"$source_dir/../shared/cache"}
mkdir -p "$SSIMAE_ITK_CACHE"

check_itk() {
  # `import itk` must load the wrapped libraries of this build tree, not Debian's copies of the same name.
  PYTHONPATH="$itk_build/Wrapping/Generators/Python" LD_LIBRARY_PATH="$itk_build/lib" "$python" - "$itk_build" <<'PY'
import sys
import numpy as np
import itk
build = sys.argv[1]
image = itk.image_from_array(np.arange(12, dtype=np.float32).reshape(3, 4))
assert itk.array_from_image(image).sum() == 66
maps = open("/proc/self/maps").read().split("\n")
common = sorted({line.split()[-1] for line in maps if "libITKCommon" in line})
if not common or not all(path.startswith(build) for path in common):
    raise SystemExit("import itk loaded libITKCommon from %s, not from %s" % (common, build))
print("import itk: ITK %s from %s" % (itk.Version.GetITKVersion(), common[0]))
PY
}

if [ -f "$itk_root/complete" ]; then
  echo "Wrapped ITK: reusing $itk_root"
else
  tarball="$tarballs/$cache_name.tar.zst"
  if [ -f "$tarball" ]; then
    echo "Wrapped ITK: unpacking $tarball"
    rm -rf "$itk_root"
    tar --zstd -xf "$tarball" -C "$SSIMAE_ITK_CACHE"
    if [ "$(cat "$itk_root/configuration.txt" 2>/dev/null)" != "$configuration" ]; then
      echo "$tarball does not hold the configuration this script builds; building instead." >&2
      rm -rf "$itk_root"
    fi
  fi
fi

if [ ! -f "$itk_root/complete" ]; then
  echo "Wrapped ITK: building $itk_root (about 15 minutes on 2 cores)"
  start=$(date +%s)
  # With SSIMAE_DEADLINE (seconds since the epoch), the build gets the time left before it minus 10 minutes for
  # the module and its tests; when that is not enough the Python tests are reported as not run (exit status 0).
  build_limit=()
  if [ -n "${SSIMAE_DEADLINE:-}" ]; then
    budget=$(( SSIMAE_DEADLINE - start - 600 ))
    if [ "$budget" -lt 300 ]; then
      echo "PYTHON TESTS NOT RUN: only $(( budget / 60 )) minutes left for the wrapped ITK build (SSIMAE_DEADLINE)."
      exit 0
    fi
    build_limit=(timeout "$budget")
  fi
  # Paths relative to the cache directory, so a rebuild under another configuration name reuses compiled objects.
  export CCACHE_BASEDIR="$itk_root"
  if [ -f "$itk_build/build.ninja" ] && [ "$(cat "$itk_root/configuration.txt" 2>/dev/null)" = "$configuration" ]; then
    echo "Wrapped ITK: continuing the interrupted build in $itk_build"
  else
    rm -rf "$itk_root"
    mkdir -p "$itk_root/download"
    if ! apt-cache showsrc insighttoolkit5 2>/dev/null | grep -qx "Version: $debian_version"; then
      printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        > /etc/apt/sources.list.d/ssimautoencoder-src.sources
      apt-get update -qq
    fi
    (cd "$itk_root/download" && apt-get source --download-only "insighttoolkit5=$debian_version" >/dev/null 2>&1)
    dpkg-source -x "$itk_root"/download/insighttoolkit5_*.dsc "$itk_root/src" >/dev/null
    rm -rf "$itk_root/download" "$itk_root"/insighttoolkit5_* "$itk_root/src/.ExternalData" "$itk_root/src/Testing/Data"
    # ITK 5.2.1 uses np.bool, which NumPy 1.24 (Debian bookworm) removed.
    sed -i 's/np\.bool)/np.bool_)/' "$itk_root/src/Wrapping/Generators/Python/itk/support/types.py"
    # swig 4.1 does not wrap std::ios_base::sync_with_stdio and xalloc; without this every `import itk` prints a warning.
    sed -i -e '/"ios_base_sync_with_stdio"/d' -e '/"ios_base_xalloc"/d' "$itk_root/src/Wrapping/Generators/Python/PyBase/CMakeLists.txt"
    # ITKCommon's wrapping names itk::MeshRegion, whose header belongs to ITKMesh (left out here).
    sed -i '/itk_wrap_simple_class("itk::MeshRegion")/d' "$itk_root/src/Modules/Core/Common/wrapping/ITKCommonBase.wrap"
    launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake -S "$itk_root/src" -B "$itk_build" -G Ninja "${itk_options[@]}" "${launcher[@]}" > "$itk_root/configure.log"
    printf '%s\n' "$configuration" > "$itk_root/configuration.txt"
  fi
  status=0
  "${build_limit[@]}" cmake --build "$itk_build" -j "$jobs" > "$itk_root/build.log" 2>&1 || status=$?
  if [ "$status" -eq 124 ]; then
    echo "PYTHON TESTS NOT RUN: the wrapped ITK build did not finish in the $(( budget / 60 )) minutes left" \
      "($(tail -n 1 "$itk_root/build.log" | cut -c1-20)); run scripts/build_python.sh again to continue it."
    exit 0
  elif [ "$status" -ne 0 ]; then
    tail -n 40 "$itk_root/build.log" >&2
    exit 1
  fi
  check_itk
  touch "$itk_root/complete"
  echo "Wrapped ITK built in $(( ($(date +%s) - start) / 60 )) min"
fi
check_itk

if [ -n "$pack_dir" ]; then
  # Object files, castxml XML, generated swig sources and this module's own files are not needed to build or run
  # against the tree; the rest (with the source tree it points to) restores at the same absolute path.
  mkdir -p "$pack_dir"
  pack_dir=$(cd "$pack_dir" && pwd)
  (cd "$SSIMAE_ITK_CACHE" && tar --zstd -cf "$pack_dir/$cache_name.tar.zst.tmp" \
      --exclude='*.o' --exclude='*.xml' --exclude='*Python.cpp' --exclude='*SSIMAutoencoder*' "$cache_name")
  mv "$pack_dir/$cache_name.tar.zst.tmp" "$pack_dir/$cache_name.tar.zst"
  echo "Packed $(du -h "$pack_dir/$cache_name.tar.zst" | cut -f1) into $pack_dir/$cache_name.tar.zst"
fi

[ "$itk_only" -eq 1 ] && exit 0

# --- this module against the wrapped ITK -------------------------------------------------------------------------
cxx_build=$(realpath -m "${SSIMAE_CXX_BUILD:-"$source_dir/build"}")
ssimae_option=()
[ -x "$cxx_build/bin/ssimae" ] && ssimae_option=(-DSSIMAutoencoder_SSIMAE_EXECUTABLE="$cxx_build/bin/ssimae")
cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DITK_DIR="$itk_build" \
  -DBUILD_TESTING=ON -DSSIMAutoencoder_BUILD_APPS=OFF -DSSIMAutoencoder_BUILD_CXX_TESTS=OFF \
  -DITK_FORBID_DOWNLOADS=ON -DITK_USE_KWSTYLE=OFF -DITK_USE_CLANG_FORMAT=OFF \
  -DITK_USE_SYSTEM_CASTXML=ON -DCASTXML_EXECUTABLE=/usr/bin/castxml \
  -DITK_USE_SYSTEM_SWIG=ON -DSWIG_EXECUTABLE=/usr/bin/swig4.0 -DPython3_EXECUTABLE=$python "${ssimae_option[@]}"
cmake --build "$build_dir" -j "$jobs"
echo "Python: PYTHONPATH=$itk_build/Wrapping/Generators/Python LD_LIBRARY_PATH=$itk_build/lib $python"
if [ "$run_tests" -eq 1 ]; then
  ctest --test-dir "$build_dir" -L Python -j "$jobs" --output-on-failure --timeout 900
fi
