#!/usr/bin/env bash
# Trains an SSIM-autoencoder and an l2-autoencoder on the defect-free magnetic tiles, calibrates each threshold
# on the validation images, and evaluates both on the test images with the blur reference
# (Documentation/results.md).
#   bash scripts/magnetic_tile_experiment.sh [DATA_DIR] [OUT_DIR]
# The validation images (scripts/magnetic_tile_splits.py) are held out for the validation loss (early stopping) and
# the threshold; no test image is used for any choice. Both models train at once, one LibTorch thread each; every
# run checkpoints after each epoch and the script resumes where it stopped when started again (`kill -INT` of a
# training stops it after the current batch and writes the best model so far).
# Knobs (environment): PATCHES (patches per epoch), EPOCHS, BATCH, PATCH (patch size), LATENT, SCALE, NORMALIZE
# (global|per-image), AUGMENT, PATIENCE, STRIDE, SEED, THREADS, BF16 (1: bfloat16 mixed precision), SSIMAE.
set -euo pipefail
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data_dir=${1:-"$source_dir/../shared/data/magnetic_tile"}
out_dir=${2:-"$PWD/magnetic-tile-results"}
ssimae=${SSIMAE:-"$source_dir/build/bin/ssimae"}
PATCHES=${PATCHES:-10000}
EPOCHS=${EPOCHS:-200}
PATCH=${PATCH:-64}
LATENT=${LATENT:-100}
SCALE=${SCALE:-0.5}
NORMALIZE=${NORMALIZE:-per-image}
AUGMENT=${AUGMENT:-flip}
PATIENCE=${PATIENCE:-20}
STRIDE=${STRIDE:-15}
SEED=${SEED:-1}
BATCH=${BATCH:-128}
THREADS=${THREADS:-1}
BF16=${BF16:-1}

if [ ! -d "$data_dir/MT_Free" ]; then
  echo "magnetic tile data not found at $data_dir (see ../shared/data/magnetic_tile/README.md)" >&2
  exit 1
fi
mkdir -p "$out_dir"
/usr/bin/python3 "$source_dir/scripts/magnetic_tile_splits.py" "$data_dir" "$out_dir/splits"
mapfile -t train < "$out_dir/splits/train.txt"
mapfile -t validation < "$out_dir/splits/validation.txt"
bf16=()
[ "$BF16" = 1 ] && bf16=(--bf16)

train() {
  local loss=$1 start
  start=$(date +%s)
  "$ssimae" train --images "${train[@]}" --validation-images "${validation[@]}" -o "$out_dir/$loss-ae.pt" \
    --loss "$loss" --patch "$PATCH" --latent "$LATENT" --scale "$SCALE" --normalize "$NORMALIZE" \
    --augment "$AUGMENT" --patches "$PATCHES" --epochs "$EPOCHS" --batch "$BATCH" --patience "$PATIENCE" \
    --seed "$SEED" --threads "$THREADS" "${bf16[@]}" --checkpoint "$out_dir/$loss-ae.checkpoint" --resume \
    > "$out_dir/$loss-train.txt" 2>&1
  echo "$loss: training run took $(( $(date +%s) - start )) s" >> "$out_dir/timing.txt"
}

train ssim &
train l2 &
wait
for loss in ssim l2; do
  "$ssimae" calibrate "${validation[@]}" --model "$out_dir/$loss-ae.pt" --residual "$loss" --rule percentile \
    --percentile 99.5 --stride "$STRIDE"
  "$ssimae" evaluate --manifest "$out_dir/splits/test.csv" --model "$out_dir/$loss-ae.pt" --residual "$loss" \
    --stride "$STRIDE" --reference blur -o "$out_dir/$loss-evaluation" | tail -n 12
done
