import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averageOverViews, fromView, toView, TTA_VIEWS } from '../../src/pipeline/tta.js';

const size = 3;
// A 3x3 single-channel image with distinct values: 0..8 row-major.
const image = Float32Array.from({ length: 9 }, (_, i) => i);

test('views are the eight symmetries of the square, and fromView undoes each', () => {
  const seen = new Set<string>();
  for (let k = 0; k < TTA_VIEWS; k++) {
    const v = toView(image, size, 1, k);
    seen.add(Array.from(v).join(','));
    assert.deepEqual(Array.from(fromView(v, size, 1, k)), Array.from(image));
  }
  assert.equal(seen.size, 8);
  assert.deepEqual(Array.from(toView(image, size, 1, 0)), Array.from(image));
  // k = 1: one rotation by 90° (the top row becomes the left column, read bottom-up).
  assert.deepEqual(Array.from(toView(image, size, 1, 1)), [2, 5, 8, 1, 4, 7, 0, 3, 6]);
  // k = 4: horizontal flip.
  assert.deepEqual(Array.from(toView(image, size, 1, 4)), [2, 1, 0, 5, 4, 3, 8, 7, 6]);
});

test('channels move together', () => {
  const rgb = Float32Array.from({ length: 27 }, (_, i) => i);
  const v = toView(rgb, size, 3, 5);
  for (let p = 0; p < 9; p++) assert.equal(v[p * 3 + 1]! - v[p * 3]!, 1);
  assert.deepEqual(Array.from(fromView(v, size, 3, 5)), Array.from(rgb));
});

test('an equivariant model is unchanged by TTA; an invariant score is averaged', async () => {
  const input = new Float32Array(size * size * 3).map((_, i) => (i * 7) % 5);
  // "Model" that returns the first channel as a mask: equivariant, so TTA gives back the same mask.
  const firstChannel = async (x: Float32Array) => Float32Array.from({ length: 9 }, (_, i) => x[i * 3]!);
  const mask = await averageOverViews(input, size, firstChannel, true);
  assert.deepEqual(Array.from(mask), Array.from(await firstChannel(input)));
  // "Classifier" whose score is the value at the top-left corner: TTA averages the four corners.
  const corner = async (x: Float32Array) => Float32Array.of(x[0]!);
  const [avg] = await averageOverViews(input, size, corner, false);
  const corners = [0, 2, 6, 8].map((p) => input[p * 3]!);
  assert.ok(Math.abs(avg! - corners.reduce((a, b) => a + b, 0) / 4) < 1e-6);
});
