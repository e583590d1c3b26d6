#!/usr/bin/env bash
# Real-data evaluation of the bundled default models on the held-out (validation) part of the
# grouped splits they were trained with. Needs the training pool in ../shared/data (not in a
# user's clone); prints one JSON object per evaluation, with 95 % bootstrap intervals.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DERMKIT_DATA:-../shared/data}
DK="node --import tsx src/cli/main.ts"
run() { echo "== $*" >&2; local t0=$SECONDS; "$@"; echo "   ($((SECONDS - t0)) s)" >&2; }
run $DK eval seg --model models/segmenter --data "$DATA/seg" --split models/segmenter/split.json --part val --json
run $DK eval cascade --seg models/segmenter --cls models/classifier --data "$DATA/cls" --split models/classifier/split.json --part val --json
if [ "${TTA:-0}" = 1 ]; then
  run $DK eval seg --model models/segmenter --data "$DATA/seg" --split models/segmenter/split.json --part val --json --tta
  run $DK eval cascade --seg models/segmenter --cls models/classifier --data "$DATA/cls" --split models/classifier/split.json --part val --json --tta
fi
