import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClsPrediction } from '../../src/eval/cls-metrics.js';
import { chooseOperatingPoints, melanomaOperatingPoints, ratesAt, thresholdForSensitivity } from '../../src/eval/operating-points.js';

const classes = ['mel', 'nv'];
/** p(mel) for ten melanomas (0.95 down to 0.05) and ten naevi (0.6 down to 0.0). */
const predictions: ClsPrediction[] = [
  ...Array.from({ length: 10 }, (_, i) => ({ trueLabel: 'mel', probabilities: [0.95 - i * 0.1, 0.05 + i * 0.1] })),
  ...Array.from({ length: 10 }, (_, i) => ({ trueLabel: 'nv', probabilities: [Math.max(0, 0.6 - i * 0.1), Math.min(1, 0.4 + i * 0.1)] })),
];
const scores = predictions.map((p) => p.probabilities[0]!);
const positives = predictions.map((p) => p.trueLabel === 'mel');

test('the threshold for a sensitivity is the highest one that reaches it', () => {
  // 9 of 10 melanomas at p >= 0.15; 10 of 10 only at 0.05.
  const t90 = thresholdForSensitivity(scores, positives, 0.9)!;
  assert.ok(Math.abs(t90 - 0.15) < 1e-9);
  assert.ok(Math.abs(thresholdForSensitivity(scores, positives, 0.95)! - 0.05) < 1e-9);
  assert.equal(thresholdForSensitivity(scores, positives.map(() => false), 0.9), null);
  const at = ratesAt(scores, positives, t90);
  assert.equal(at.sensitivity, 0.9);
  // Naevi at 0.6, 0.5, 0.4, 0.3, 0.2 are flagged too: specificity 0.5.
  assert.ok(Math.abs(at.specificity! - 0.5) < 1e-9);
  assert.ok(Math.abs(at.flagged - 14 / 20) < 1e-9);
});

test('eval scores the thresholds recorded on validation, or chooses them on the data when there are none', () => {
  const chosen = melanomaOperatingPoints(classes, predictions)!;
  assert.deepEqual(chosen.rows.map((r) => [r.targetSensitivity, r.chosenOn]), [[0.9, 'this data'], [0.95, 'this data']]);
  const recorded = chooseOperatingPoints(classes, predictions.slice(0, 15), 'mel');
  const scored = melanomaOperatingPoints(classes, predictions, { label: 'mel', operatingPoints: recorded, threshold: 0.5, fittedOn: 'val' })!;
  assert.deepEqual(scored.rows.map((r) => [r.targetSensitivity, r.threshold, r.chosenOn]), [
    [0.9, recorded[0]!.threshold, 'dermkit.json (val)'],
    [0.95, recorded[1]!.threshold, 'dermkit.json (val)'],
    [null, 0.5, 'dermkit.json (default threshold)'],
  ]);
  assert.equal(melanomaOperatingPoints(['a', 'b'], [{ trueLabel: 'a', probabilities: [1, 0] }]), null);
});
