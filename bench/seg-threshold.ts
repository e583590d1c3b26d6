/**
 * The segmenter's mask threshold, chosen on held-out data: one pass predicts every validation
 * image's lesion probability at the file's resolution, then the masks of several thresholds
 * (the same post-processing as `analyze`: largest component, holes filled) are scored, per part of
 * the data and together. Needs the pool.
 *
 *   node --import tsx bench/seg-threshold.ts --model runs/final/seg/best --data ../shared/data/ham10000 --data ../shared/data/seg \
 *     --split runs/final/pool-split.json [--thresholds 0.3,0.4,0.5,0.6,0.7] [--tta]
 */
import { parseArgs } from 'node:util';
import { openDatasets } from '../src/data/open.js';
import { applySplit, readSplit } from '../src/data/split.js';
import { scoreMasks, summariseSegScores, type SegImageScore } from '../src/eval/seg-metrics.js';
import { decodeImage, decodeMask } from '../src/image/decode.js';
import { cleanMask } from '../src/image/mask.js';
import { segment } from '../src/pipeline/analyze.js';
import { loadPredictor } from '../src/pipeline/predictor.js';

const { values } = parseArgs({
  options: { model: { type: 'string' }, data: { type: 'string', multiple: true }, split: { type: 'string' }, thresholds: { type: 'string', default: '0.3,0.4,0.5,0.6,0.7' }, tta: { type: 'boolean', default: false } },
});
const thresholds = values.thresholds!.split(',').map(Number);
const dataset = await openDatasets(values.data ?? [], 'seg');
const samples = applySplit(await readSplit(values.split!), dataset.samples).val;
const segmenter = await loadPredictor(values.model!);
const scores = new Map<number, SegImageScore[]>(thresholds.map((t) => [t, []]));
const part = new Map(samples.map((s) => [s.id, s.source ?? '']));
for (const s of samples) {
  const image = await decodeImage(s.imagePath);
  const truth = await decodeMask(s.maskPath);
  const { probability } = await segment(image, segmenter, { tta: values.tta });
  for (const t of thresholds) scores.get(t)!.push(scoreMasks(s.id, truth, cleanMask(probability, t)));
}
segmenter.dispose();
for (const t of thresholds) {
  const all = scores.get(t)!;
  const parts = [...new Set(part.values())].sort().map((p) => {
    const r = summariseSegScores(all.filter((x) => part.get(x.id) === p));
    return `${p} dice=${r.dice.toFixed(4)} tj=${r.thresholdedJaccard.toFixed(4)}`;
  });
  const r = summariseSegScores(all);
  console.log(`THRESHOLD ${t} n=${r.n} dice=${r.dice.toFixed(4)} iou=${r.iou.toFixed(4)} tj=${r.thresholdedJaccard.toFixed(4)} | ${parts.join(' | ')}`);
}
