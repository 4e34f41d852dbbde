#!/usr/bin/env bash
# The paper's NanoTWICE experiment (Documentation/results.md): trains the SSIM-autoencoder and the l2-autoencoder
# on the defect-free SEM images, evaluates both on the 40 test images with the blur reference, and writes
# OUT/ssim/metrics.json and OUT/l2/metrics.json.
#   bash scripts/nanotwice_experiment.sh DATA_DIR OUT_DIR            # the two models of the results page
#   bash scripts/nanotwice_experiment.sh DATA_DIR OUT_DIR table2     # the paper's Table 2 rows (SSIM-AE only)
# DATA_DIR is ../shared/data/nanotwice (Normal/, Anomalous/images/, Anomalous/gt/). ITIA1141-1144 train,
# ITIA1145 is held out for the validation loss (early stopping); no test image is used for any choice.
# Both models train at once, one LibTorch thread each (2 cores). Every run checkpoints after each epoch and the
# script resumes where it stopped when started again; `kill -INT` of a training stops it after the current batch
# and writes the best model so far. Knobs (environment): PATCH, LATENT, SCALE, PATCHES, EPOCHS, BATCH, PATIENCE,
# AUGMENT, SEED, STRIDE, THREADS, BF16 (1: bfloat16 mixed precision), SSIMAE (the program).
set -euo pipefail
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data_dir=${1:?usage: nanotwice_experiment.sh DATA_DIR OUT_DIR [table2]}
out_dir=${2:?usage: nanotwice_experiment.sh DATA_DIR OUT_DIR [table2]}
mode=${3:-paper}
ssimae=${SSIMAE:-"$source_dir/build/bin/ssimae"}
PATCH=${PATCH:-64}
LATENT=${LATENT:-100}
SCALE=${SCALE:-1}
PATCHES=${PATCHES:-10000}
EPOCHS=${EPOCHS:-200}
BATCH=${BATCH:-128}
PATIENCE=${PATIENCE:-20}
AUGMENT=${AUGMENT:-flip+rot90}
SEED=${SEED:-1}
STRIDE=${STRIDE:-30}
THREADS=${THREADS:-1}
BF16=${BF16:-1}

# shellcheck source=nanotwice_common.sh
source "$source_dir/scripts/nanotwice_common.sh"
train=("${train_images[@]}")
validation=("${validation_images[@]}")

# train NAME LOSS [extra ssimae train options...]: trains (or resumes) OUT/NAME/model.pt.
train() {
  local name=$1 loss=$2
  shift 2
  mkdir -p "$out_dir/$name"
  local bf16=()
  [ "$BF16" = 1 ] && bf16=(--bf16)
  "$ssimae" train --images "${train[@]}" --validation-images "${validation[@]}" -o "$out_dir/$name/model.pt" \
    --loss "$loss" --latent "$LATENT" --patch "$PATCH" --scale "$SCALE" --patches "$PATCHES" --epochs "$EPOCHS" \
    --batch "$BATCH" --patience "$PATIENCE" --augment "$AUGMENT" --seed "$SEED" --threads "$THREADS" \
    "${bf16[@]}" --resume "$@" > "$out_dir/$name/train.txt" 2>&1
}

# evaluate NAME RESIDUAL OUTDIR [extra ssimae evaluate options...]: evaluates OUT/NAME/model.pt into OUTDIR.
evaluate() {
  local name=$1 residual=$2 target=$3
  shift 3
  mkdir -p "$target"
  "$ssimae" evaluate --manifest "$manifest" --model "$out_dir/$name/model.pt" --residual "$residual" \
    --stride "$STRIDE" --reference blur -o "$target" "$@" > "$target/evaluate.txt" 2>&1
  echo "== $target"
  grep -v '^evaluate \[' "$target/evaluate.txt" | tr '\r' '\n' | grep -v '^evaluate \[' | tail -n 8
}

if [ "$mode" = table2 ]; then
  # Table 2 of the paper, one factor at a time around the defaults above (SSIM-AE), two trainings at a time.
  # The window rows re-evaluate the default model (OUT/ssim, trained by the first mode) with K x K windows.
  LATENT=50 train latent-50 ssim &
  LATENT=200 train latent-200 ssim &
  wait
  LATENT=500 train latent-500 ssim &
  PATCH=32 train patch-32 ssim &
  wait
  PATCH=128 train patch-128 ssim
  for name in latent-50 latent-200 latent-500 patch-32 patch-128; do
    evaluate "$name" ssim "$out_dir/$name"
  done
  for window in 3 7 15; do
    evaluate ssim ssim "$out_dir/window-$window" --window-size "$window"
  done
  exit 0
fi

train ssim ssim &
train l2 l2 &
wait
evaluate ssim ssim "$out_dir/ssim"
evaluate l2 l2 "$out_dir/l2"
