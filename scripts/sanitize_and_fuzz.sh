#!/usr/bin/env bash
# Sanitizers and fuzzing (Documentation/sanitizers-and-fuzzing.md); CI runs it after scripts/build_and_test.sh.
#   bash scripts/sanitize_and_fuzz.sh BUILD_DIR [--fuzz-runs N] [--no-tests] [--no-fuzz] [--targets "A B"] [--keep-going]
#   1. Configures BUILD_DIR with Debian's clang, -fsanitize=address,undefined (every UBSan report fatal) and
#      -fsanitize=fuzzer-no-link, so that the same build serves the tests and libFuzzer, and builds the library, the
#      GoogleTests, ssimae and the fuzz targets of apps/ssimae/fuzz (SSIMAE_BUILD_FUZZERS=ON). LibTorch, ITK and VTK
#      are Debian's uninstrumented libraries: their own code is not checked, their allocations are.
#   2. Runs the whole ctest suite under the sanitizers. Reports go to BUILD_DIR/sanitizer-reports; any report there,
#      whatever a test made of its exit status, fails the run. Leak suppressions: scripts/sanitizers/lsan.supp.
#   3. Runs each fuzz target for N executions (default 1,000,000) on a copy of its seed corpus (the committed seeds,
#      and for the model loader a small model trained and calibrated by the ssimae just built), one process each,
#      and prints executions, wall time, executions per second and findings (crash, leak, timeout, out-of-memory
#      inputs in BUILD_DIR/fuzz/<target>/findings). Logs: BUILD_DIR/fuzz/<target>.log. libFuzzer stops at the first
#      finding; with --keep-going it fuzzes in a child process (-fork=1), restarts it after each finding and keeps
#      every finding's input, until N executions.
# Exits non-zero on a failed test, a sanitizer report or a fuzzing finding. Builds with one job unless JOBS is set.
set -euo pipefail
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
usage="usage: sanitize_and_fuzz.sh BUILD_DIR [--fuzz-runs N] [--no-tests] [--no-fuzz] [--targets \"A B\"] [--keep-going]"
build=$(realpath -m "${1:?$usage}")
shift
runs=1000000
run_tests=1
run_fuzz=1
targets="ssimaeFuzzManifest ssimaeFuzzArguments ssimaeFuzzModelLoader"
keep_going=()
while [ $# -gt 0 ]; do
  case "$1" in
    --fuzz-runs) runs=${2:?$usage}; shift 2 ;;
    --no-tests) run_tests=0; shift ;;
    --no-fuzz) run_fuzz=0; shift ;;
    --targets) targets=${2:?$usage}; shift 2 ;;
    --keep-going) keep_going=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1); shift ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
jobs=${JOBS:-1}

# -O1 -g for readable reports; _GLIBCXX_ASSERTIONS adds bounds checks to the standard containers; the forced include
# lets clang read Debian's ITK headers (see scripts/build_variants.sh). UBSan leaves out what
# scripts/sanitizers/ubsan-ignorelist.txt lists (code of ITK's headers, each entry with its reason).
supp="$source_dir/scripts/sanitizers"
sanitize="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
sanitize="$sanitize -fsanitize-ignorelist=$supp/ubsan-ignorelist.txt"
flags="-include $source_dir/scripts/clang/itk_compiler_detection_shim.h -O1 -g $sanitize -D_GLIBCXX_ASSERTIONS"
reports="$build/sanitizer-reports"
# Every report is fatal: the process exits with status 86 (no test expects that one) and the report is written to a
# file of its own in $reports (log_path), which is checked after the build and after the tests -- so a report
# counts even where a test expects ssimae to fail and checks only that it did.
checks="detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export ASAN_OPTIONS="$checks:strict_init_order=1:exitcode=86:log_path=$reports/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=86:log_path=$reports/ubsan"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
export OMP_WAIT_POLICY=PASSIVE

echo "== configure $build (clang, ASan + UBSan, libFuzzer coverage)"
mkdir -p "$build"
cmake -S "$source_dir" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  "-DCMAKE_C_FLAGS=$sanitize" "-DCMAKE_CXX_FLAGS=$flags -fsanitize=fuzzer-no-link" \
  -DSSIMAE_BUILD_FUZZERS=ON > "$build/configure.log"
echo "== build (-j $jobs)"
rm -rf "$reports"
mkdir -p "$reports"
cmake --build "$build" -j "$jobs"

status=0
# Sanitizer reports written since the last check: printed, counted, moved aside.
check_reports() {
  local found
  found=$(find "$reports" -maxdepth 1 -type f | sort)
  [ -z "$found" ] && return 0
  mkdir -p "$reports/$1"
  for report in $found; do
    echo "---- $(basename "$report")"
    cat "$report"
    mv "$report" "$reports/$1/"
  done
  echo "$(echo "$found" | wc -l) sanitizer report(s) during $1 (kept in $reports/$1)" >&2
  status=1
}
check_reports build

if [ "$run_tests" = 1 ]; then
  echo "== ctest under ASan + UBSan"
  # The installed-package test builds the README example against this build's library: with the same compiler and
  # sanitizer flags, through CMake's CC/CXX/CXXFLAGS/LDFLAGS environment variables.
  start=$(date +%s)
  if ! CC=clang CXX=clang++ CXXFLAGS="$flags" LDFLAGS="$sanitize" \
    ctest --test-dir "$build" --output-on-failure --timeout 1500 2>&1 | tee "$build/ctest-sanitizers.log"; then
    status=1
  fi
  echo "ctest under sanitizers: $(grep -E 'tests passed' "$build/ctest-sanitizers.log"), $(( $(date +%s) - start )) s"
  check_reports ctest
fi

# Seeds for the model loader that are not committed: small archives with the fields of a model file but without
# weights (ssimaeFuzzModelSeeds), and a complete model trained for one epoch on a generated texture (patch 32,
# latent 1, 2.3 MB) and calibrated.
make_model_seeds() {
  local corpus=$1 work="$build/fuzz/model-seed"
  rm -rf "$work"
  mkdir -p "$work"
  "$build/bin/fuzz/ssimaeFuzzModelSeeds" "$corpus"
  /usr/bin/python3 - "$work" <<'EOF'
import sys
import cv2
import numpy as np
rng = np.random.default_rng(7)
y, x = np.mgrid[0:64, 0:80]
texture = 128 + 60 * np.sin(2 * np.pi * (x + 0.5 * y) / 12.0) + rng.normal(0, 6, x.shape)
for name in ("train", "calibrate"):
    cv2.imwrite("%s/%s.png" % (sys.argv[1], name), np.clip(texture + rng.normal(0, 3, x.shape), 0, 255).astype(np.uint8))
EOF
  "$build/bin/ssimae" train --images "$work/train.png" --patch 32 --latent 1 --patches 16 --epochs 1 --batch 16 \
    --threads 1 -o "$work/model.pt" > "$work/train.log" 2>&1
  "$build/bin/ssimae" calibrate "$work/calibrate.png" --model "$work/model.pt" > "$work/calibrate.log" 2>&1
  cp "$work/model.pt" "$corpus/trained-calibrated.pt"
}

if [ "$run_fuzz" = 1 ]; then
  # Fuzzing reports go to each target's log (libFuzzer reads the report to name the finding).
  export ASAN_OPTIONS="$checks:strict_init_order=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  # One LibTorch thread per process (two processes share two cores).
  export OMP_NUM_THREADS=1
  summary="$build/fuzz/summary.txt"
  mkdir -p "$build/fuzz"
  printf '%-24s %12s %10s %10s %9s\n' target executions seconds exec/s findings > "$summary"
  for target in $targets; do
    case "$target" in
      ssimaeFuzzModelLoader) corpus_name=model; options=(-max_len=4194304) ;;
      ssimaeFuzzManifest) corpus_name=manifest; options=(-max_len=4096) ;;
      ssimaeFuzzArguments) corpus_name=arguments; options=(-max_len=1024 -close_fd_mask=1) ;;
      *) echo "unknown fuzz target $target" >&2; exit 2 ;;
    esac
    work="$build/fuzz/$target"
    rm -rf "$work"
    mkdir -p "$work/corpus" "$work/findings"
    cp "$source_dir/apps/ssimae/fuzz/corpus/$corpus_name"/* "$work/corpus/"
    if [ "$target" = ssimaeFuzzModelLoader ]; then
      make_model_seeds "$work/corpus"
    fi
    echo "== fuzz $target: $runs executions on $(ls "$work/corpus" | wc -l) seeds (log: $build/fuzz/$target.log)"
    start=$(date +%s.%N)
    fuzz_status=0
    "$build/bin/fuzz/$target" "$work/corpus" -runs="$runs" -timeout=60 -print_final_stats=1 \
      -artifact_prefix="$work/findings/" "${options[@]}" "${keep_going[@]}" > "$build/fuzz/$target.log" 2>&1 \
      || fuzz_status=$?
    seconds=$(awk -v start="$start" -v end="$(date +%s.%N)" 'BEGIN { printf "%.1f", end - start }')
    executions=$(sed -n -e 's/^stat::number_of_executed_units: *//p' \
      -e 's/^INFO: fuzzed for \([0-9]*\) iterations.*/\1/p' "$build/fuzz/$target.log" | tail -1)
    executions=${executions:-0}
    findings=$(find "$work/findings" -type f | wc -l)
    if [ "$fuzz_status" -ne 0 ] && [ "$findings" -eq 0 ]; then
      findings=1 # libFuzzer stopped without writing an input: see the log
    fi
    printf '%-24s %12s %10s %10s %9s\n' "$target" "$executions" "$seconds" \
      "$(awk -v n="$executions" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')" "$findings" | tee -a "$summary"
    if [ "$findings" -ne 0 ] || [ "$executions" -lt "$runs" ]; then
      tail -60 "$build/fuzz/$target.log" >&2
      status=1
    fi
  done
  echo "== fuzzing summary"
  cat "$summary"
fi

if [ "$status" -ne 0 ]; then
  echo "sanitizers and fuzzing: FAILED (see above)" >&2
else
  echo "sanitizers and fuzzing: passed"
fi
exit "$status"
