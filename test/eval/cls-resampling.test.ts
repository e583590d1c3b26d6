import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32 } from '../../src/data/random.js';
import { evaluateClassification, type ClsPrediction } from '../../src/eval/cls-metrics.js';
import { ClsResampler } from '../../src/eval/cls-resampling.js';

describe('fast resampled classification metrics', () => {
  it('equal evaluateClassification on the materialised resample, ties and missing classes included', () => {
    const classes = ['akiec', 'bcc', 'mel', 'nv'];
    const random = mulberry32(5);
    // Scores on a coarse grid so many ties occur; 'akiec' is rare so some resamples lose it.
    const predictions: ClsPrediction[] = Array.from({ length: 80 }, (_, i) => ({
      id: `c${i}`,
      trueLabel: i % 40 === 0 ? 'akiec' : classes[1 + (i % 3)]!,
      probabilities: classes.map(() => Math.round(random() * 4) / 4),
    }));
    const resampler = new ClsResampler(classes, predictions);
    for (let trial = 0; trial < 25; trial++) {
      const sample = Array.from({ length: predictions.length }, () => Math.floor(random() * predictions.length));
      const weights = resampler.multiplicities(sample);
      const expected = evaluateClassification(classes, sample.map((i) => predictions[i]!));
      assert.equal(resampler.accuracy(weights), expected.accuracy);
      assert.equal(resampler.top2Accuracy(weights), expected.top2Accuracy);
      assert.ok(Math.abs(resampler.balancedAccuracy(weights) - expected.balancedAccuracy) < 1e-12);
      assert.ok(Math.abs(resampler.macroAuc(weights) - expected.auc.macro!) < 1e-12, `trial ${trial}`);
    }
  });

  it('returns NaN AUC when no class has both positives and negatives', () => {
    const resampler = new ClsResampler(['a', 'b'], [{ trueLabel: 'a', probabilities: [0.6, 0.4] }]);
    assert.ok(Number.isNaN(resampler.macroAuc(resampler.multiplicities([0, 0]))));
  });
});
