#!/usr/bin/env bash
# Reproduces the bundled default models (models/segmenter, models/classifier) from the training
# pool in ../shared/data: one lesion-grouped split over the whole pool, a U-Net segmenter, three
# classifiers on the same split and budget that differ only in what they see (whole image,
# lesion crop, the paper's mask x image ROI), the two-view fusion of whole image + crop, each
# classifier calibrated and scored through the new segmenter exactly as `analyze` runs it.
# Every training checkpoints each epoch and mid-epoch; rerun the script to resume (--resume).
# Wall times are for a 2-core machine; see the model cards for what each step took.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DERMKIT_DATA:-../shared/data}
RUNS=${RUNS:-runs/final}
IMAGENET=${IMAGENET:-runs/imagenet}
DK="node --import tsx src/cli/main.ts"
mkdir -p "$RUNS"
# ImageNet weights (MobileNetV2 1.0 from the ONNX Model Zoo's int8 model), see bench/import-weights.sh.
[ -f "$IMAGENET/mobilenetv2-1.0/weights.json" ] || OUT="$IMAGENET" bash bench/import-weights.sh
SPLIT="$RUNS/pool-split.json"
[ -f "$SPLIT" ] || $DK data split "$DATA/seg" "$DATA/cls" "$DATA/ham10000" --out "$SPLIT"
COMMON=(--split "$SPLIT" --encoder mobilenetv2 --pretrained "$IMAGENET/mobilenetv2-1.0" --batch 8 --lr 1e-3 --patience 0
        --schedule cosine --weight-decay 0.01 --augment lesion --bn-momentum 0.9 --threads 2 --cache "$RUNS/cache" --checkpoint-every 100 --resume)

# 1. Segmenter: U-Net (paper decoder, output stride 16) over MobileNetV2 1.0, 256 px; every HAM10000
#    mask and ISIC 2017, 4,000 pairs drawn per epoch (square-root balance of the two collections), 14 epochs (~2.7 h).
$DK train seg --data "$DATA/ham10000" --data "$DATA/seg" --out "$RUNS/seg" --input-size 256 --epochs 14 --warmup-epochs 0.5 \
  --sampling sqrt --epoch-size 4000 "${COMMON[@]}"

# 2. Classifiers, one budget: 224 px, 18 epochs of 3,000 images drawn with square-root class balance,
#    label smoothing 0.1, Shades of Gray colour constancy, probabilities for equally common classes (~75 min each).
CLS=(--data "$DATA/cls" --data "$DATA/ham10000" --input-size 224 --epochs 18 --warmup-epochs 1 --sampling sqrt --epoch-size 3000
     --label-smoothing 0.1 --colour-constancy shades-of-gray --output-prior uniform --monitor balancedLoss "${COMMON[@]}")
for input in image crop roi; do
  $DK train cls --input "$input" --out "$RUNS/cls-$input" "${CLS[@]}"
done

# 3. The two-view model: whole image + lesion crop, late fusion.
$DK models fuse --member "$RUNS/cls-image/best" --member "$RUNS/cls-crop/best" --out "$RUNS/cls-two-view"

# 4. Calibrate every arm on the validation part (views cut by the new segmenter), then score it as analyze runs it.
for arm in cls-image/best cls-crop/best cls-roi/best cls-two-view; do
  $DK models calibrate "$RUNS/$arm" --data "$DATA/cls" "$DATA/ham10000" --split "$SPLIT" --seg "$RUNS/seg/best"
  $DK eval cls --model "$RUNS/$arm" --seg "$RUNS/seg/best" --data "$DATA/cls" "$DATA/ham10000" --split "$SPLIT" --json > "$RUNS/eval-${arm%%/*}.json"
done
$DK eval seg --model "$RUNS/seg/best" --data "$DATA/ham10000" "$DATA/seg" --split "$SPLIT" --json > "$RUNS/eval-seg.json"
