import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scoreMasks, summariseSegScores } from '../../src/eval/seg-metrics.js';
import { segSummaryByPart } from '../../src/eval/summary.js';

const mask = (bits: number[]) => ({ width: bits.length, height: 1, data: Uint8Array.from(bits, (b) => b * 255) });

test('segmentation metrics per part of the data: each part scored on its own images, with intervals', () => {
  const truth = mask([1, 1, 1, 1, 0, 0, 0, 0]);
  const scores = [
    scoreMasks('isic1', truth, mask([1, 1, 1, 1, 0, 0, 0, 0])),
    scoreMasks('isic2', truth, mask([1, 1, 0, 0, 0, 0, 0, 0])),
    scoreMasks('ham1', truth, mask([1, 1, 1, 1, 0, 0, 0, 0])),
  ];
  const parts = segSummaryByPart(summariseSegScores(scores), (id) => (id.startsWith('isic') ? 'ISIC2017' : 'HAM10000'), { iterations: 50 });
  assert.deepEqual(Object.keys(parts), ['HAM10000', 'ISIC2017']);
  assert.equal(parts.HAM10000!.n, 1);
  assert.equal(parts.HAM10000!.dice, 1);
  assert.equal(parts.ISIC2017!.n, 2);
  assert.ok(Math.abs(parts.ISIC2017!.dice - (1 + 2 / 3) / 2) < 1e-12);
  assert.equal(parts.ISIC2017!.thresholdedJaccard, 0.5, 'IoU 0.5 is below the 0.65 cut-off');
  assert.ok(parts.ISIC2017!.ci.dice.lower <= parts.ISIC2017!.dice);
});
