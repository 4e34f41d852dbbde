#!/usr/bin/env bash
# Trains an SSIM-autoencoder and an l2-autoencoder on the defect-free magnetic tiles, calibrates each threshold
# on the validation images, and evaluates both on the test images (Documentation/results.md).
#   bash scripts/magnetic_tile_experiment.sh [DATA_DIR] [OUT_DIR]
# Budget knobs (environment): PATCHES (patches per epoch), EPOCHS, BATCH, PATCH (patch size), LATENT, STRIDE.
# Long: hours on 2 cores with the paper's settings; the defaults below are the budget used for the results page.
set -euo pipefail
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data_dir=${1:-"$source_dir/../shared/data/magnetic_tile"}
out_dir=${2:-"$PWD/magnetic-tile-results"}
ssimae=${SSIMAE:-"$source_dir/build/examples/ssimae"}
PATCHES=${PATCHES:-2000}
EPOCHS=${EPOCHS:-8}
PATCH=${PATCH:-128}
LATENT=${LATENT:-100}
STRIDE=${STRIDE:-30}
SEED=${SEED:-1}
BATCH=${BATCH:-128}

if [ ! -d "$data_dir/MT_Free" ]; then
  echo "magnetic tile data not found at $data_dir (see ../shared/data/magnetic_tile/README.md)" >&2
  exit 1
fi
mkdir -p "$out_dir"
/usr/bin/python3 "$source_dir/scripts/magnetic_tile_splits.py" "$data_dir" "$out_dir/splits"
mapfile -t train < "$out_dir/splits/train.txt"
mapfile -t validation < "$out_dir/splits/validation.txt"

for loss in ssim l2; do
  model="$out_dir/$loss-ae.pt"
  start=$(date +%s)
  "$ssimae" train --images "${train[@]}" -o "$model" --loss "$loss" --patch "$PATCH" --latent "$LATENT" \
    --patches "$PATCHES" --epochs "$EPOCHS" --batch "$BATCH" --seed "$SEED" --checkpoint "$out_dir/$loss-ae.checkpoint" --resume
  echo "$loss: training took $(( $(date +%s) - start )) s" | tee -a "$out_dir/timing.txt"
  "$ssimae" calibrate "${validation[@]}" --model "$model" --residual "$loss" --rule percentile --percentile 99.5 \
    --stride "$STRIDE"
  "$ssimae" evaluate --manifest "$out_dir/splits/test.csv" --model "$model" --residual "$loss" --stride "$STRIDE" \
    -o "$out_dir/$loss-evaluation"
done
