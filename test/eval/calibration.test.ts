import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng } from '../../src/data/random.js';
import { expectedCalibrationError, fitTemperature, reliabilityBins } from '../../src/eval/calibration.js';
import type { ClsPrediction } from '../../src/eval/cls-metrics.js';
import { calibrate } from '../../src/pipeline/classify.js';

const classes = ['a', 'b', 'c'];
const softmax = (z: number[]) => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((x, y) => x + y, 0);
  return e.map((v) => v / s);
};

/** Labels drawn from softmax(z); the model reports softmax(3 z): over-confident by a temperature of 3. */
function overconfident(n: number, seed = 1): ClsPrediction[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const z = classes.map(() => rng.uniform(-2, 2));
    const truth = softmax(z);
    const u = rng.uniform(0, 1);
    const k = u < truth[0]! ? 0 : u < truth[0]! + truth[1]! ? 1 : 2;
    return { trueLabel: classes[k]!, probabilities: softmax(z.map((v) => 3 * v)) };
  });
}

test('the fitted temperature undoes over-confidence and lowers the ECE', () => {
  const predictions = overconfident(4000);
  const t = fitTemperature(classes, predictions);
  assert.ok(Math.abs(t - 3) < 0.25, `temperature ${t}`);
  const before = expectedCalibrationError(classes, predictions);
  const after = expectedCalibrationError(classes, predictions.map((p) => ({ ...p, probabilities: calibrate(p.probabilities, { temperature: t }) })));
  assert.ok(before > 0.1 && after < 0.03, `ECE ${before} -> ${after}`);
});

test('ECE: zero for a calibrated constant predictor, the bins carry the weights; balanced weighting counts classes alike', () => {
  const predictions: ClsPrediction[] = [
    ...Array.from({ length: 6 }, (_, i) => ({ trueLabel: i < 3 ? 'a' : 'b', probabilities: [0.5, 0.3, 0.2] })),
  ];
  assert.ok(Math.abs(expectedCalibrationError(classes, predictions)) < 1e-12, 'confidence 0.5, accuracy 0.5');
  const bins = reliabilityBins(classes, predictions);
  assert.equal(bins.filter((b) => b.weight > 0).length, 1);
  const skewed: ClsPrediction[] = [
    ...Array.from({ length: 9 }, () => ({ trueLabel: 'a', probabilities: [0.9, 0.05, 0.05] })),
    { trueLabel: 'b', probabilities: [0.9, 0.05, 0.05] },
  ];
  assert.ok(Math.abs(expectedCalibrationError(classes, skewed, 'natural')) < 1e-12, '90 % of the images are a');
  assert.ok(Math.abs(expectedCalibrationError(classes, skewed, 'balanced') - 0.4) < 1e-12, 'with a and b equally common, accuracy is 0.5');
});
