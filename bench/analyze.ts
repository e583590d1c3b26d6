/**
 * `dermkit analyze`'s speed on one machine: model load time, then N analyses of a 600x450 JPEG
 * (the size of a HAM10000 photo; the bundled sample, flipped and rotated so no two inputs are
 * the same bytes) one after another, as the CLI runs them, with the per-stage medians after the
 * first analysis (which also warms ONNX Runtime up).
 *
 *   node --import tsx bench/analyze.ts [--runs 20] [--seg dir --cls dir] [--tta]
 */
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { analyze } from '../src/pipeline/analyze.js';
import { createAnalyzer } from '../src/pipeline/analyzer.js';
import { SAMPLE_IMAGE } from '../src/pipeline/defaults.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' }, seg: { type: 'string' }, cls: { type: 'string' }, tta: { type: 'boolean', default: false } } });
const runs = Number(values.runs);

const inputs: Buffer[] = [];
for (let i = 0; i < runs; i++) {
  let img = sharp(SAMPLE_IMAGE).resize(600, 450, { fit: 'fill' });
  if (i & 1) img = img.flop();
  if (i & 2) img = img.flip();
  inputs.push(await img.modulate({ brightness: 0.9 + 0.01 * i }).jpeg({ quality: 90 }).toBuffer());
}

const t0 = performance.now();
const analyzer = await createAnalyzer({ seg: values.seg, cls: values.cls });
const loadMs = performance.now() - t0;
const timings: Record<string, number[]> = {};
try {
  for (const input of inputs) {
    const r = await analyze(input, { ...analyzer, tta: values.tta });
    for (const [stage, ms] of Object.entries(r.timingsMs)) (timings[stage] ??= []).push(ms);
  }
} finally {
  analyzer.dispose();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`models loaded in ${loadMs.toFixed(0)} ms; first analysis ${timings.total![0]!.toFixed(0)} ms`);
console.log(`steady state, median of ${runs - 1} analyses of a 600x450 JPEG${values.tta ? ' with TTA' : ''}: ` +
  Object.entries(timings).map(([stage, ms]) => `${stage} ${median(ms.slice(1)).toFixed(1)} ms`).join(', '));
