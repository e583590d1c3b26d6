#!/usr/bin/env bash
# Reproduces the bundled default models (models/segmenter, models/classifier) from the training
# pool in ../shared/data: one lesion-grouped split over the whole pool, a U-Net segmenter, a
# whole-image classifier trained to the end of its schedule, and the input ablation: classifiers on
# one split and budget that differ only in what they see (whole image, lesion crop, the paper's
# mask x image ROI, the two-view fusion of whole image + crop), each calibrated and scored through
# the new segmenter exactly as `analyze` runs it.
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
COMMON=(--split "$SPLIT" --encoder mobilenetv2 --pretrained "$IMAGENET/mobilenetv2-1.0" --lr 1e-3 --patience 0
        --schedule cosine --weight-decay 0.01 --bn-momentum 0.9 --threads 2 --cache "$RUNS/cache" --checkpoint-every 100 --resume)

# 1. Segmenter: U-Net (paper decoder, output stride 16) over MobileNetV2 1.0, 256 px; every HAM10000
#    mask and ISIC 2017, 4,000 pairs drawn per epoch (square-root balance of the two collections), 10 epochs (~2.9 h).
$DK train seg --data "$DATA/ham10000" --data "$DATA/seg" --out "$RUNS/seg" --input-size 256 --epochs 10 --warmup-epochs 0.5 \
  --sampling sqrt --epoch-size 4000 --batch 8 --augment lesion "${COMMON[@]}"

# Each classifier is calibrated on the validation part (views cut by the new segmenter), gets its
# out-of-distribution detector, and is scored as analyze runs it.
score() {
  $DK models calibrate "$RUNS/$1" --data "$DATA/cls" "$DATA/ham10000" --split "$SPLIT" --seg "$RUNS/seg/best" --flag-at 0.9
  $DK models fit-ood "$RUNS/$1" --data "$DATA/cls" "$DATA/ham10000" --split "$SPLIT" --seg "$RUNS/seg/best"
  $DK eval cls --model "$RUNS/$1" --seg "$RUNS/seg/best" --data "$DATA/cls" "$DATA/ham10000" --split "$SPLIT" --json > "$RUNS/eval-${1//\//-}.json"
}
CLS_RECIPE=(--data "$DATA/cls" --data "$DATA/ham10000" --warmup-epochs 1 --sampling sqrt --epoch-size 3000
            --label-smoothing 0.1 --colour-constancy shades-of-gray --output-prior uniform --monitor balancedLoss)

# 2. The shipped classifier: whole image, 192 px (the pool's photos are 200x150, so a larger input
#    only upsamples), batch 16, the paper's augmentation, 34 epochs of 3,000 images drawn with
#    square-root class balance, label smoothing 0.1, Shades of Gray colour constancy,
#    probabilities for equally common classes (~1.6 h).
$DK train cls --input image --out "$RUNS/cls-image" "${CLS_RECIPE[@]}" "${COMMON[@]}" \
  --input-size 192 --batch 16 --augment paper --epochs ${CLS_EPOCHS:-34}
score cls-image/best

# 3. The input ablation (the paper's question), one shorter budget: 224 px, batch 8, `lesion`
#    augmentation, 10 epochs of 3,000 images (~45 min each); whole image, lesion crop, the
#    two-view late fusion of both, and the paper's mask x image ROI.
ABLATION=(--input-size 224 --batch 8 --augment lesion --epochs ${ABLATION_EPOCHS:-10} "${CLS_RECIPE[@]}" "${COMMON[@]}")
for input in image crop roi; do
  $DK train cls --input "$input" --out "$RUNS/ablation/cls-$input" "${ABLATION[@]}"
  score "ablation/cls-$input/best"
done
[ -f "$RUNS/ablation/cls-two-view/dermkit.json" ] || $DK models fuse --member "$RUNS/ablation/cls-image/best" --member "$RUNS/ablation/cls-crop/best" --out "$RUNS/ablation/cls-two-view"
score ablation/cls-two-view
$DK eval seg --model "$RUNS/seg/best" --data "$DATA/ham10000" "$DATA/seg" --split "$SPLIT" --json > "$RUNS/eval-seg.json"
[ "${SHIP:-1}" = 1 ] || exit 0

# 4. Ship: the segmenter at the mask threshold chosen on validation, the classifier of step 2
#    (CLS_SHIPPED names another run folder under $RUNS), both with float16
#    weights (outputs within 1e-3 of float32), the pool split and a model card beside each.
SEG_THRESHOLD=${SEG_THRESHOLD:-0.5}
CLS_SHIPPED=${CLS_SHIPPED:-cls-image}
ship() {
  rm -rf "$2" && mkdir -p "$2"
  cp "$1"/{dermkit.json,model.json,weights.bin} "$2"/
  cp "$SPLIT" "$2/split.json"
  if [ -f "$1/training.json" ]; then cp "$1/training.json" "$2/"; fi
}
ship "$RUNS/seg/best" models/segmenter
node -e "const f='models/segmenter/dermkit.json',c=JSON.parse(require('fs').readFileSync(f));c.maskThreshold=Number(process.argv[1]);require('fs').writeFileSync(f,JSON.stringify(c,null,2)+'\n')" "$SEG_THRESHOLD"
ship "$RUNS/$CLS_SHIPPED$([ -d "$RUNS/$CLS_SHIPPED/best" ] && echo /best)" models/classifier
$DK models fp16 models/segmenter
$DK models fp16 models/classifier
$DK eval seg --data "$DATA/ham10000" "$DATA/seg" --split "$SPLIT" --json > "$RUNS/shipped-seg.json"
$DK eval cls --data "$DATA/cls" "$DATA/ham10000" --split "$SPLIT" --json > "$RUNS/shipped-cls.json"
$DK models card models/segmenter --eval "$RUNS/shipped-seg.json" --eval-data "Validation part of the pool split (models/segmenter/split.json: lesion-grouped over ISIC 2017 and HAM10000, no lesion shared with training), at the files' resolution" --notes docs/model-notes/segmenter.md --command "bash scripts/train-default-models.sh"
$DK models card models/classifier --eval "$RUNS/shipped-cls.json" --eval-data "Validation part of the pool split (models/classifier/split.json), lesion views cut by the bundled segmenter as analyze does" --notes docs/model-notes/classifier.md --command "bash scripts/train-default-models.sh"
# The record the bundled-models test checks the README's first command against.
$DK analyze samples/lesion.jpg --json --out "$RUNS/sample" | node -e "const [r]=JSON.parse(require('fs').readFileSync(0));console.log(JSON.stringify({image:'samples/lesion.jpg',top:r.top,topProbability:r.topProbability,lesionAreaFraction:r.lesionAreaFraction},null,2))" > models/sample-expectation.json
