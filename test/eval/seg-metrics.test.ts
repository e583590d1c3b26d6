import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GrayImage } from '../../src/image/types.js';
import {
  backgroundIouFromCounts,
  confusionCounts,
  diceFromCounts,
  iouFromCounts,
  scoreMasks,
  summariseSegScores,
  thresholdedJaccardScore,
} from '../../src/eval/seg-metrics.js';

function mask(width: number, height: number, on: number[], value = 255): GrayImage {
  const data = new Uint8Array(width * height);
  for (const i of on) data[i] = value;
  return { width, height, data };
}

/** 3x3 truth {0,1,3}, prediction {0,3,4}: tp 2, fp 1, fn 1, tn 5. */
const truth3 = mask(3, 3, [0, 1, 3]);
const prediction3 = mask(3, 3, [0, 3, 4]);

const close = (actual: number | null, expected: number) => {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${actual} != ${expected}`);
};

describe('per-image segmentation metrics', () => {
  it('counts, Dice and IoU on a tiny mask pair', () => {
    const counts = confusionCounts(truth3, prediction3);
    assert.deepEqual(counts, { tp: 2, fp: 1, fn: 1, tn: 5 });
    close(diceFromCounts(counts), 4 / 6);
    close(iouFromCounts(counts), 2 / 4);
    close(backgroundIouFromCounts(counts), 5 / 7);
  });

  it('treats any non-zero value as lesion (0/1 and 0/255 masks agree)', () => {
    assert.deepEqual(confusionCounts(mask(3, 3, [0, 1, 3], 1), prediction3), { tp: 2, fp: 1, fn: 1, tn: 5 });
  });

  it('scores both-empty as 1 and one-sided empty as 0', () => {
    const empty = mask(2, 2, []);
    const full = mask(2, 2, [0, 1, 2, 3]);
    const bothEmpty = scoreMasks('both-empty', empty, empty);
    assert.equal(bothEmpty.dice, 1);
    assert.equal(bothEmpty.iou, 1);
    const missed = scoreMasks('missed', full, empty);
    assert.equal(missed.dice, 0);
    assert.equal(missed.iou, 0);
    const hallucinated = scoreMasks('hallucinated', empty, full);
    assert.equal(hallucinated.dice, 0);
    assert.equal(hallucinated.iou, 0);
    // All lesion in both: background IoU follows the same "both empty = 1" convention.
    assert.equal(backgroundIouFromCounts(confusionCounts(full, full)), 1);
  });

  it('rejects masks of different sizes with a message naming the case and both sizes', () => {
    assert.throws(() => scoreMasks('ISIC_0001', mask(4, 4, []), mask(3, 3, [])), /ISIC_0001: truth is 4x4 but prediction is 3x3/);
  });

  it('rejects a mask whose buffer does not match its size', () => {
    assert.throws(() => confusionCounts({ width: 3, height: 3, data: new Uint8Array(8) }, prediction3, 'bad'), /bad: truth: expected 3x3 = 9 bytes, got 8/);
  });
});

describe('ISIC thresholded Jaccard', () => {
  it('keeps an IoU of exactly 0.65 and zeroes 0.6499', () => {
    assert.equal(thresholdedJaccardScore(0.65), 0.65);
    assert.equal(thresholdedJaccardScore(0.6499), 0);
    assert.equal(thresholdedJaccardScore(1), 1);
  });

  it('applies the cut-off to IoU computed from masks', () => {
    // 13 of 20 truth pixels found, no false positives: IoU = 13/20 = 0.65 exactly.
    const truth = mask(5, 4, Array.from({ length: 20 }, (_, i) => i));
    const atThreshold = summariseSegScores([scoreMasks('a', truth, mask(5, 4, Array.from({ length: 13 }, (_, i) => i)))]);
    assert.equal(atThreshold.thresholdedJaccard, 0.65);
    // 6499 of 10000: IoU = 0.6499, counted as a failure.
    const bigTruth = mask(100, 100, Array.from({ length: 10000 }, (_, i) => i));
    const below = summariseSegScores([scoreMasks('b', bigTruth, mask(100, 100, Array.from({ length: 6499 }, (_, i) => i)))]);
    close(below.iou, 0.6499);
    assert.equal(below.thresholdedJaccard, 0);
  });
});

describe('dataset summary', () => {
  it('averages per image and pools pixels as documented', () => {
    const r = summariseSegScores([scoreMasks('a', truth3, prediction3), scoreMasks('b', mask(2, 2, []), mask(2, 2, []))]);
    assert.equal(r.n, 2);
    close(r.dice, (4 / 6 + 1) / 2);
    close(r.iou, (0.5 + 1) / 2);
    close(r.lesionIou, 0.75);
    close(r.backgroundIou, (5 / 7 + 1) / 2);
    close(r.miou, (0.75 + (5 / 7 + 1) / 2) / 2);
    close(r.thresholdedJaccard, (0 + 1) / 2);
    close(r.pixelAccuracy, (7 / 9 + 1) / 2);
    close(r.sensitivity, 2 / 3); // image b has no lesion in the truth: left out
    close(r.specificity, (5 / 6 + 1) / 2);
    assert.deepEqual(r.global.counts, { tp: 2, fp: 1, fn: 1, tn: 9 });
    close(r.global.dice, 4 / 6);
    close(r.global.iou, 0.5);
    close(r.global.backgroundIou, 9 / 11);
    close(r.global.miou, (0.5 + 9 / 11) / 2);
    close(r.global.pixelAccuracy, 11 / 13);
    close(r.global.sensitivity, 2 / 3);
    close(r.global.specificity, 9 / 10);
  });

  it('reports null sensitivity when no truth mask holds lesion pixels', () => {
    const r = summariseSegScores([scoreMasks('a', mask(2, 2, []), mask(2, 2, [1]))]);
    assert.equal(r.sensitivity, null);
    assert.equal(r.global.sensitivity, null);
    close(r.specificity, 3 / 4);
  });

  it('rejects an empty dataset', () => {
    assert.throws(() => summariseSegScores([]), /no images were scored/);
  });
});
