#!/usr/bin/env bash
# Real-data evaluation of the bundled default models on the validation part of the pool split
# they were trained with (models/*/split.json, lesion-grouped over the whole pool), at the files'
# resolution, exactly as `analyze` runs them. Needs the training pool in ../shared/data (not in a
# user's clone); prints one JSON object per evaluation, with 95 % bootstrap intervals.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DERMKIT_DATA:-../shared/data}
DK="node --import tsx src/cli/main.ts"
run() { echo "== $*" >&2; local t0=$SECONDS; "$@"; echo "   ($((SECONDS - t0)) s)" >&2; }
run $DK eval seg --model models/segmenter --data "$DATA/ham10000" "$DATA/seg" --split models/segmenter/split.json --json
run $DK eval cls --model models/classifier --data "$DATA/cls" "$DATA/ham10000" --split models/classifier/split.json --json
if [ "${TTA:-0}" = 1 ]; then
  run $DK eval seg --model models/segmenter --data "$DATA/ham10000" "$DATA/seg" --split models/segmenter/split.json --json --tta
  run $DK eval cls --model models/classifier --data "$DATA/cls" "$DATA/ham10000" --split models/classifier/split.json --json --tta
fi
