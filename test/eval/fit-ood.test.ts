/** The out-of-distribution statistics (src/eval/fit-ood.ts, src/pipeline/ood.ts) on features drawn from known clusters. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/data/random.js';
import { fitClassGaussians, invert, perClassSubsample, quantileOf } from '../../src/eval/fit-ood.js';
import { decodeFloats, encodeFloats, oodScore, outOfDistribution, projectFeatures } from '../../src/pipeline/ood.js';

const INPUTS = 96;
const rng = createRng(3);
/** Two classes of non-negative "pooled features": a class pattern, scaled by a random overall size, plus noise. */
const patterns = [0, 1].map(() => Float64Array.from({ length: INPUTS }, () => rng.uniform(0, 1)));
const draw = (label: number) => {
  const size = rng.uniform(0.5, 3);
  return Float32Array.from(patterns[label]!, (v) => Math.max(0, size * (v + rng.normal(0, 0.15))));
};

test('typical images fall inside the fitted range; images unlike any class and featureless ones fall outside', () => {
  const projection = { seed: 1, inputs: INPUTS, dims: 16 };
  const labels = Array.from({ length: 400 }, (_, i) => ['a', 'b'][i % 2]!);
  const stats = labels.map((_, i) => draw(i % 2));
  const gaussians = fitClassGaussians(stats.map((f) => projectFeatures(f, projection)), labels);
  const detector = { projection, ...gaussians };
  const held = Array.from({ length: 400 }, (_, i) => oodScore(draw(i % 2), detector));
  const range: [number, number] = [quantileOf(held, 0.005), quantileOf(held, 0.995)];
  const fresh = Array.from({ length: 200 }, (_, i) => oodScore(draw(i % 2), detector));
  const falseAlarms = fresh.filter((s) => outOfDistribution(s, range)).length / fresh.length;
  assert.ok(falseAlarms <= 0.05, `false alarms ${falseAlarms}`);
  const unlike = Float32Array.from({ length: INPUTS }, () => rng.uniform(0, 1));
  assert.ok(oodScore(unlike, detector) > range[1], 'another pattern lies beyond the range');
  // Exactly a class's average direction: nearer than real images ever come.
  const mean = stats.filter((_, i) => i % 2 === 0).reduce((sum, f) => sum.map((v, k) => v + f[k]! / f.reduce((n, x) => n + x * x, 0) ** 0.5), new Float32Array(INPUTS));
  assert.ok(oodScore(mean, detector) < range[0], 'the class mean itself lies below the range');
  // The size of the features does not matter, their direction does.
  const f = draw(0);
  assert.ok(Math.abs(oodScore(f, detector) - oodScore(f.map((v) => v * 7), detector)) < 1e-5);
  assert.throws(() => projectFeatures(new Float32Array(5), projection), /fitted on 96 features/);
});

test('statistics helpers: inversion, quantiles, per-class subsamples, base64 floats', () => {
  const m = Float64Array.from([4, 1, 0, 1, 3, 1, 0, 1, 2]);
  const inv = invert(m, 3);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      let sum = 0;
      for (let k = 0; k < 3; k++) sum += m[i * 3 + k]! * inv[k * 3 + j]!;
      assert.ok(Math.abs(sum - (i === j ? 1 : 0)) < 1e-12);
    }
  }
  assert.equal(quantileOf([5, 1, 4, 2, 3], 0.5), 3);
  assert.equal(quantileOf([5, 1, 4, 2, 3], 0.99), 5);
  const samples = Array.from({ length: 30 }, (_, i) => ({ label: i < 25 ? 'nv' : 'mel', i }));
  const picked = perClassSubsample(samples, 4);
  assert.deepEqual([picked.filter((s) => s.label === 'nv').length, picked.filter((s) => s.label === 'mel').length], [4, 4]);
  assert.deepEqual(perClassSubsample(samples, 4), picked, 'deterministic');
  assert.deepEqual(Array.from(decodeFloats(encodeFloats([1.5, -2, 0.25]))), [1.5, -2, 0.25]);
});
