import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accuracy, argMax, balancedAccuracy, confusionMatrix, evaluateClassification, rocAuc, topK, type ClsPrediction } from '../../src/eval/cls-metrics.js';

const close = (actual: number | null | undefined, expected: number) => {
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) < 1e-12, `${actual} != ${expected}`);
};

/**
 * Classes a, b, c, d: 'c' is in the truth but never predicted, 'd' is neither in the truth nor
 * predicted. Predicted: a, b, b, a, a, a.
 */
const classes = ['a', 'b', 'c', 'd'];
const predictions: ClsPrediction[] = [
  { id: '1', trueLabel: 'a', probabilities: [0.7, 0.2, 0.05, 0.05] },
  { id: '2', trueLabel: 'a', probabilities: [0.3, 0.6, 0.05, 0.05] },
  { id: '3', trueLabel: 'b', probabilities: [0.2, 0.7, 0.05, 0.05] },
  { id: '4', trueLabel: 'b', probabilities: [0.5, 0.4, 0.05, 0.05] },
  { id: '5', trueLabel: 'c', probabilities: [0.4, 0.3, 0.2, 0.1] },
  { id: '6', trueLabel: 'a', probabilities: [0.8, 0.1, 0.05, 0.05] },
];

describe('classification metrics', () => {
  const r = evaluateClassification(classes, predictions);

  it('lays the confusion matrix out as rows = truth, columns = prediction', () => {
    assert.deepEqual(confusionMatrix(['x', 'y'], [{ trueLabel: 'x', probabilities: [0.1, 0.9] }]), [
      [0, 1],
      [0, 0],
    ]);
    assert.deepEqual(r.confusion, [
      [2, 1, 0, 0],
      [1, 1, 0, 0],
      [1, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
  });

  it('computes accuracy, top-2 accuracy and balanced accuracy over classes present in the truth', () => {
    assert.equal(r.n, 6);
    close(r.accuracy, 3 / 6);
    close(accuracy(classes, predictions), 3 / 6);
    close(balancedAccuracy(classes, predictions), 7 / 18);
    close(r.top2Accuracy, 5 / 6);
    // Recall a = 2/3, b = 1/2, c = 0; 'd' is absent from the truth and left out.
    close(r.balancedAccuracy, (2 / 3 + 1 / 2 + 0) / 3);
  });

  it('reports per-class precision, recall, F1 and support with 0 (not NaN) for undefined values', () => {
    close(r.perClass.a!.precision, 2 / 4);
    close(r.perClass.a!.recall, 2 / 3);
    close(r.perClass.a!.f1, 4 / 7);
    assert.equal(r.perClass.a!.support, 3);
    assert.equal(r.perClass.a!.predicted, 4);
    close(r.perClass.b!.f1, 0.5);
    assert.deepEqual(r.perClass.c, { precision: 0, recall: 0, f1: 0, support: 1, predicted: 0 });
    assert.deepEqual(r.perClass.d, { precision: 0, recall: 0, f1: 0, support: 0, predicted: 0 });
    assert.ok(r.notes.some((note) => note.includes("precision of 'c' set to 0")));
    assert.ok(r.notes.some((note) => note.includes("recall of 'd' set to 0")));
  });

  it('computes one-vs-rest ROC-AUC and skips a class with no positives', () => {
    close(r.auc.perClass.a, 7 / 9);
    close(r.auc.perClass.b, 7 / 8);
    close(r.auc.perClass.c, 1);
    assert.deepEqual(r.auc.skipped, ['d']);
    assert.equal(r.auc.perClass.d, undefined);
    close(r.auc.macro, (7 / 9 + 7 / 8 + 1) / 3);
    assert.ok(r.notes.some((note) => note.includes('ROC-AUC skipped for [d]')));
  });

  it('breaks arg-max and top-k ties towards the class listed first', () => {
    assert.equal(argMax([0.4, 0.4, 0.2]), 0);
    assert.deepEqual(topK([0.2, 0.4, 0.4], 2), [1, 2]);
  });

  it('rejects an unknown label, a wrong-length vector and an empty list', () => {
    assert.throws(() => evaluateClassification(classes, [{ id: 'img7', trueLabel: 'z', probabilities: [1, 0, 0, 0] }]), /img7: true label 'z' is not one of the classes/);
    assert.throws(() => evaluateClassification(classes, [{ id: 'img8', trueLabel: 'a', probabilities: [1, 0] }]), /img8: 2 probabilities for 4 classes/);
    assert.throws(() => evaluateClassification(classes, []), /no predictions/);
  });
});

describe('ROC-AUC with ties', () => {
  it('counts a tied positive/negative pair as one half', () => {
    // Positives 0.5, 0.5; negatives 0.5, 0.2: each positive beats 0.2 and ties 0.5 -> (1.5 + 1.5) / 4.
    close(rocAuc([0.5, 0.5, 0.5, 0.2], [true, false, true, false]), 0.75);
    close(rocAuc([0.3, 0.3, 0.3], [true, false, false]), 0.5);
    assert.equal(rocAuc([0.1, 0.2], [true, true]), null);
  });

  it('matches brute-force pair counting on heavily tied scores', () => {
    const scores = Array.from({ length: 60 }, (_, i) => ((i * 7) % 5) / 4);
    const labels = scores.map((_, i) => (i * 13) % 3 === 0);
    let wins = 0;
    let pairs = 0;
    scores.forEach((p, i) => {
      if (!labels[i]) return;
      scores.forEach((n, j) => {
        if (labels[j]) return;
        pairs++;
        wins += p > n ? 1 : p === n ? 0.5 : 0;
      });
    });
    close(rocAuc(scores, labels), wins / pairs);
  });
});
