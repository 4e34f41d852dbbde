#!/usr/bin/env bash
# The paper's model comparison in one command: trains the l2-AE, the SSIM-AE, the VAE (reconstruction probability)
# and the feature-matching AE on NanoTWICE with one budget, evaluates each on the 40 test images with the same
# metrics and the blur reference right after its training (two models at a time), and writes OUT/comparison.md,
# OUT/comparison.csv and OUT/roc.png (scripts/compare_report.py).
#   bash scripts/compare_models.sh DATA_DIR OUT_DIR
# DATA_DIR is ../shared/data/nanotwice. ITIA1141-1144 train, ITIA1145 is held out for the validation loss (the best
# validation epoch is kept); no test image is used for any choice. Two trainings run at once, one LibTorch thread
# each; every run checkpoints after each epoch and the script resumes where it stopped when started again.
# Knobs (environment): EPOCHS (12), PATCHES (10000), PATCH (64), LATENT (100), BATCH (128), SEED (1), STRIDE (30),
# SAMPLES (10, VAE latent samples), FEATURES (a TorchScript feature extractor; default: the fixed Gabor bank of
# scripts/export_feature_extractor.py, exported to OUT/features.pt -- not a pretrained CNN), FM_WEIGHT (25: the
# feature term then equals the l2 term on training patches at initialisation), MODELS ("l2 ssim vae fm"),
# SSIMAE (the program), PYTHON (/usr/bin/python3).
set -euo pipefail
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data_dir=${1:?usage: compare_models.sh DATA_DIR OUT_DIR}
out_dir=${2:?usage: compare_models.sh DATA_DIR OUT_DIR}
ssimae=${SSIMAE:-"$source_dir/build/bin/ssimae"}
python=${PYTHON:-/usr/bin/python3}
EPOCHS=${EPOCHS:-12}
PATCHES=${PATCHES:-10000}
PATCH=${PATCH:-64}
LATENT=${LATENT:-100}
BATCH=${BATCH:-128}
SEED=${SEED:-1}
STRIDE=${STRIDE:-30}
SAMPLES=${SAMPLES:-10}
FM_WEIGHT=${FM_WEIGHT:-25}
MODELS=${MODELS:-"l2 ssim vae fm"}

# shellcheck source=nanotwice_common.sh
source "$source_dir/scripts/nanotwice_common.sh"
features=${FEATURES:-"$out_dir/features.pt"}
if [[ " $MODELS " == *" fm "* ]] && [ ! -f "$features" ]; then
  "$python" "$source_dir/scripts/export_feature_extractor.py" "$features"
fi

# model_options NAME: the options that make NAME (the only differences between the four runs).
model_options() {
  case $1 in
    l2) echo "--loss l2" ;;
    ssim) echo "--loss ssim" ;;
    vae) echo "--model vae --samples $SAMPLES" ;;
    fm) echo "--loss fm --features $features --fm-weight $FM_WEIGHT" ;;
    *) echo "unknown model '$1' (l2, ssim, vae, fm)" >&2; return 1 ;;
  esac
}

train() {
  local name=$1
  mkdir -p "$out_dir/$name"
  # shellcheck disable=SC2046
  "$ssimae" train --images "${train_images[@]}" --validation-images "${validation_images[@]}" \
    -o "$out_dir/$name/model.pt" $(model_options "$name") --latent "$LATENT" --patch "$PATCH" \
    --patches "$PATCHES" --epochs "$EPOCHS" --batch "$BATCH" --patience 0 --augment flip+rot90 --seed "$SEED" \
    --threads 1 --bf16 --resume > "$out_dir/$name/train.txt" 2>&1
}

evaluate() {
  local name=$1
  [ -f "$out_dir/$name/metrics.json" ] && return 0
  # Each model with its own residual: 1 - SSIM for the SSIM-AE, the reconstruction probability for the VAE, l2 for
  # the l2-AE and the FM-AE (as in the paper).
  "$ssimae" evaluate --manifest "$manifest" --model "$out_dir/$name/model.pt" --stride "$STRIDE" \
    --reference blur --worst 0 -o "$out_dir/$name" > "$out_dir/$name/evaluate.txt" 2>&1
}

# Each model is evaluated as soon as it is trained; two models at a time.
train_and_evaluate() {
  train "$1"
  evaluate "$1"
}

started=$(date +%s)
running=0
for name in $MODELS; do
  model_options "$name" > /dev/null
  train_and_evaluate "$name" &
  running=$((running + 1))
  if [ "$running" = 2 ]; then
    wait -n
    running=1
  fi
done
wait
# shellcheck disable=SC2086
"$python" "$source_dir/scripts/compare_report.py" "$out_dir" $MODELS
echo "compare: $(( ($(date +%s) - started) / 60 )) min; table in $out_dir/comparison.md"
