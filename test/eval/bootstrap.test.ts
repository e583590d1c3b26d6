import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootstrapCis, quantileSorted, type BootstrapOptions } from '../../src/eval/bootstrap.js';
import { mulberry32 } from '../../src/data/random.js';
import { evaluateClassification } from '../../src/eval/cls-metrics.js';
import { scoreMasks, summariseSegScores } from '../../src/eval/seg-metrics.js';
import { clsConfidenceIntervals, clsSummaryJson, segConfidenceIntervals, segSummaryJson } from '../../src/eval/summary.js';

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const random = mulberry32(42);
const values = Array.from({ length: 200 }, () => random());
/** One metric's interval: the library bootstraps a record of metrics. */
const bootstrapCi = <T>(items: readonly T[], metric: (sample: readonly T[]) => number, options?: BootstrapOptions) =>
  bootstrapCis(items, (sample) => ({ value: metric(sample) }), options).value;

describe('percentile bootstrap', () => {
  it('is deterministic for a seed and changes with the seed', () => {
    const first = bootstrapCi(values, mean, { seed: 7, iterations: 500 });
    const again = bootstrapCi(values, mean, { seed: 7, iterations: 500 });
    const other = bootstrapCi(values, mean, { seed: 8, iterations: 500 });
    assert.deepEqual(first, again);
    assert.notEqual(first.lower, other.lower);
  });

  it('gives an interval around the point estimate of plausible width', () => {
    const ci = bootstrapCi(values, mean, { iterations: 1000 });
    assert.equal(ci.estimate, mean(values));
    assert.ok(ci.lower < ci.estimate && ci.estimate < ci.upper, JSON.stringify(ci));
    // Standard error of a uniform mean with n = 200 is ~0.02, so a 95 % interval is ~0.08 wide.
    assert.ok(ci.upper - ci.lower > 0.05 && ci.upper - ci.lower < 0.12, JSON.stringify(ci));
    assert.equal(ci.resampling, 'item');
    assert.equal(ci.validIterations, 1000);
  });

  it('resamples whole groups when group ids are given', () => {
    // Two groups of ten identical values: every grouped resample mean is 0, 0.5 or 1.
    const items = [...new Array<number>(10).fill(0), ...new Array<number>(10).fill(1)];
    const groups = items.map((v) => (v === 0 ? 'lesion-A' : 'lesion-B'));
    const seen = new Set<number>();
    const ci = bootstrapCi(items, (sample) => {
      const m = mean(sample);
      seen.add(m);
      return m;
    }, { groups, iterations: 200 });
    assert.deepEqual([...seen].sort(), [0, 0.5, 1]);
    assert.equal(ci.resampling, 'group');
    assert.throws(() => bootstrapCi(items, mean, { groups: ['x'] }), /1 group ids for 20 items/);
  });

  it('drops resamples where the metric is not finite', () => {
    const ci = bootstrapCi([0, 1], (sample) => (sample.includes(1) ? mean(sample) : Number.NaN), { iterations: 400 });
    assert.ok(ci.validIterations < 400 && ci.validIterations > 200, String(ci.validIterations));
  });

  it('bootstraps several metrics on shared resamples exactly as one at a time', () => {
    const max = (sample: readonly number[]) => Math.max(...sample);
    const both = bootstrapCis(values, (sample) => ({ mean: mean(sample), max: max(sample) }), { iterations: 300, seed: 3 });
    assert.deepEqual(both.mean, bootstrapCi(values, mean, { iterations: 300, seed: 3 }));
    assert.deepEqual(both.max, bootstrapCi(values, max, { iterations: 300, seed: 3 }));
  });

  it('uses linear-interpolated quantiles', () => {
    assert.equal(quantileSorted([1, 2, 3, 4, 5], 0.5), 3);
    assert.equal(quantileSorted([0, 10], 0.25), 2.5);
    assert.equal(quantileSorted([4], 0.975), 4);
  });

  it('rejects bad options', () => {
    assert.throws(() => bootstrapCi([], mean), /no items/);
    assert.throws(() => bootstrapCi(values, mean, { confidence: 95 }), /strictly between 0 and 1/);
    assert.throws(() => bootstrapCi(values, mean, { iterations: 0 }), /positive integer/);
  });
});

function square(side: number, size: number): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(size * size);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) data[y * size + x] = 255;
  return { width: size, height: size, data };
}

describe('dataset intervals and JSON summaries', () => {
  const segScores = Array.from({ length: 30 }, (_, i) => scoreMasks(`img${i}`, square(8, 12), square(4 + (i % 8), 12), `lesion${i % 10}`));
  const segResult = summariseSegScores(segScores);

  it('bootstraps the segmentation metrics, grouped by lesion, around their estimates', () => {
    const ci = segConfidenceIntervals(segResult, { iterations: 300 });
    for (const name of ['dice', 'iou', 'miou', 'thresholdedJaccard'] as const) {
      assert.equal(ci[name].estimate, segResult[name]);
      assert.ok(ci[name].lower <= ci[name].estimate && ci[name].estimate <= ci[name].upper, name);
      assert.equal(ci[name].resampling, 'group');
    }
    assert.throws(() => segConfidenceIntervals(summariseSegScores([segScores[0]!, scoreMasks('x', square(2, 4), square(2, 4))])), /1 of 2 items have a group id/);
  });

  it('produces the segmentation JSON shape', () => {
    const json = segSummaryJson(segResult);
    assert.deepEqual(Object.keys(json).slice(0, 5), ['n', 'dice', 'iou', 'miou', 'thresholdedJaccard']);
    assert.equal(json.n, 30);
    assert.equal('ci' in json, false);
    assert.ok(JSON.parse(JSON.stringify(segSummaryJson(segResult, segConfidenceIntervals(segResult, { iterations: 50 })))).ci.dice);
  });

  it('bootstraps classification metrics and produces the classification JSON shape', () => {
    const classes = ['mel', 'nv'];
    const predictions = Array.from({ length: 40 }, (_, i) => {
      const p = ((i * 37) % 100) / 100;
      return { id: `c${i}`, trueLabel: i % 3 === 0 ? 'mel' : 'nv', probabilities: [p, 1 - p] };
    });
    const result = evaluateClassification(classes, predictions);
    const ci = clsConfidenceIntervals(result, { iterations: 200 });
    for (const name of ['accuracy', 'balancedAccuracy', 'top2Accuracy', 'macroAuc'] as const) {
      const interval = ci[name]!;
      assert.ok(interval.lower <= interval.estimate && interval.estimate <= interval.upper, name);
    }
    const json = clsSummaryJson(result, ci);
    assert.deepEqual(Object.keys(json).slice(0, 5), ['n', 'accuracy', 'balancedAccuracy', 'perClassRecall', 'confusion']);
    assert.deepEqual(Object.keys(json.perClassRecall), ['mel', 'nv']);
    assert.equal(json.perClassRecall.mel, result.perClass.mel!.recall);
    assert.deepEqual(json.confusion, result.confusion);
  });
});
