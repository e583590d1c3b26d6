#!/usr/bin/env bash
# Reproduces the bundled default models (models/segmenter, models/classifier) from the training
# pool in ../shared/data, with grouped splits. Wall times are for a 2-core machine.
# RUNS is where checkpoints go (outside the repository: they are large and disposable).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DERMKIT_DATA:-../shared/data}
RUNS=${RUNS:-../runs}
IMAGENET=${IMAGENET:-../shared/weights/mobilenet_v2_0.35_224_notop}
DK="node --import tsx src/cli/main.ts"
COMMON=(--encoder mobilenetv2 --alpha 0.35 --pretrained "$IMAGENET" --bn-momentum 0.9 --reduce-on-plateau
        --threads 2 --cache "$RUNS/cache" --checkpoint-every 100)

# 1. Segmenter: U-Net (paper decoder, output stride 16) over MobileNetV2 0.35, 192 px.
$DK train seg --data "$DATA/seg" --out "$RUNS/seg" --input-size 192 --epochs "${SEG_EPOCHS:-12}" "${COMMON[@]}"

# 2. Classifiers, same split and budget: whole image (paper's "without ROI") and ROI cut by the segmenter.
$DK train cls --data "$DATA/cls" --out "$RUNS/cls-whole" --input-size 128 --epochs "${CLS_EPOCHS:-6}" --class-weights balanced "${COMMON[@]}"
$DK train cls --data "$DATA/cls" --out "$RUNS/cls-roi" --input-size 128 --epochs "${CLS_EPOCHS:-6}" --class-weights balanced \
  --split "$RUNS/cls-whole/split.json" --roi-from "$RUNS/seg/best" "${COMMON[@]}"

# 3. Held-out scores at full resolution (validation part of each grouped split).
$DK eval seg --model "$RUNS/seg/best" --data "$DATA/seg" --split "$RUNS/seg/split.json" --json > "$RUNS/seg-eval.json"
$DK eval cls --model "$RUNS/cls-whole/best" --data "$DATA/cls" --split "$RUNS/cls-whole/split.json" --json > "$RUNS/cls-whole-eval.json"
$DK eval cascade --seg "$RUNS/seg/best" --cls "$RUNS/cls-roi/best" --data "$DATA/cls" --split "$RUNS/cls-whole/split.json" --json > "$RUNS/cls-roi-eval.json"
