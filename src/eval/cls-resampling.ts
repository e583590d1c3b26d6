/**
 * Classification metrics on bootstrap resamples, fast. A resample is a list of indices into the
 * original predictions; it is reduced to per-case multiplicities, and every metric is then a
 * weighted count over facts computed once (true/predicted class, top-2 hit, each class's score
 * order). That makes a resample O(n · classes) with no sorting, instead of re-running
 * `evaluateClassification` (which sorts n scores per class for the AUC) a thousand times.
 * The results equal the cls-metrics definitions applied to the materialised resample.
 */
import { argMax, topK, type ClsPrediction } from './cls-metrics.js';

export class ClsResampler {
  private readonly truth: Int32Array;
  private readonly predicted: Int32Array;
  private readonly top2Hit: Uint8Array;
  /** Per class: case indices in ascending score order, and where each tie block starts. */
  private readonly scoreOrder: Int32Array[];
  private readonly tieBlockStart: Uint8Array[];

  constructor(
    private readonly classes: readonly string[],
    predictions: readonly ClsPrediction[],
  ) {
    const n = predictions.length;
    this.truth = Int32Array.from(predictions, (p) => {
      const index = classes.indexOf(p.trueLabel);
      if (index < 0) throw new Error(`${p.id ?? 'prediction'}: true label '${p.trueLabel}' is not one of the classes [${classes.join(', ')}]`);
      return index;
    });
    this.predicted = Int32Array.from(predictions, (p) => argMax(p.probabilities));
    this.top2Hit = Uint8Array.from(predictions, (p, i) => (topK(p.probabilities, 2).includes(this.truth[i]!) ? 1 : 0));
    this.scoreOrder = classes.map((_, c) => Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => predictions[a]!.probabilities[c]! - predictions[b]!.probabilities[c]!));
    this.tieBlockStart = this.scoreOrder.map((order, c) =>
      Uint8Array.from(order, (caseIndex, k) => (k === 0 || predictions[order[k - 1]!]!.probabilities[c] !== predictions[caseIndex]!.probabilities[c] ? 1 : 0)),
    );
  }

  get size(): number {
    return this.truth.length;
  }

  /** How many times each original case occurs in the resample. */
  multiplicities(sample: readonly number[]): Int32Array {
    const weights = new Int32Array(this.truth.length);
    for (const index of sample) weights[index]!++;
    return weights;
  }

  accuracy(weights: Int32Array): number {
    let hits = 0;
    let total = 0;
    weights.forEach((w, i) => {
      total += w;
      if (this.predicted[i] === this.truth[i]) hits += w;
    });
    return hits / total;
  }

  top2Accuracy(weights: Int32Array): number {
    let hits = 0;
    let total = 0;
    weights.forEach((w, i) => {
      total += w;
      hits += w * this.top2Hit[i]!;
    });
    return hits / total;
  }

  /** Mean recall over the classes present in the resample's truth. */
  balancedAccuracy(weights: Int32Array): number {
    const support = new Float64Array(this.classes.length);
    const correct = new Float64Array(this.classes.length);
    weights.forEach((w, i) => {
      const t = this.truth[i]!;
      support[t]! += w;
      if (this.predicted[i] === t) correct[t]! += w;
    });
    let recallSum = 0;
    let present = 0;
    support.forEach((s, c) => {
      if (s > 0) {
        recallSum += correct[c]! / s;
        present++;
      }
    });
    return recallSum / present;
  }

  /** Macro one-vs-rest AUC over the classes with positives and negatives; NaN when none has both. */
  macroAuc(weights: Int32Array): number {
    let sum = 0;
    let scored = 0;
    for (let c = 0; c < this.classes.length; c++) {
      const order = this.scoreOrder[c]!;
      const blockStart = this.tieBlockStart[c]!;
      // Weighted Mann–Whitney: each positive beats the negatives below its tie block and half-ties
      // the negatives inside it. Plain loops: this runs classes x n times per resample.
      let negativesBelow = 0;
      let positivesTotal = 0;
      let wins = 0;
      let blockPositives = 0;
      let blockNegatives = 0;
      for (let k = 0; k <= order.length; k++) {
        if (k === order.length || blockStart[k]) {
          wins += blockPositives * (negativesBelow + blockNegatives / 2);
          negativesBelow += blockNegatives;
          positivesTotal += blockPositives;
          blockPositives = 0;
          blockNegatives = 0;
          if (k === order.length) break;
        }
        const caseIndex = order[k]!;
        if (this.truth[caseIndex] === c) blockPositives += weights[caseIndex]!;
        else blockNegatives += weights[caseIndex]!;
      }
      if (positivesTotal > 0 && negativesBelow > 0) {
        sum += wins / (positivesTotal * negativesBelow);
        scored++;
      }
    }
    return scored === 0 ? Number.NaN : sum / scored;
  }
}
