/**
 * Classification metrics from true labels and predicted probability vectors.
 *
 * Conventions:
 * - The predicted class is the arg-max of the probability vector; ties go to the class listed first.
 * - `balancedAccuracy` is the mean per-class recall over the classes present in the truth (the
 *   ISIC 2018 Task 3 "balanced multiclass accuracy"); classes absent from the truth are left out.
 * - Precision of a class that is never predicted, and recall of a class absent from the truth, are
 *   reported as 0 (not NaN) and listed in `notes`; F1 is 0 when precision + recall is 0.
 * - Confusion matrix: `confusion[t][p]` counts images of true class t predicted as p (rows = truth,
 *   columns = prediction), in `classes` order.
 * - ROC-AUC: one-vs-rest per class from that class's probability, computed as the Mann–Whitney U
 *   statistic with mid-ranks for ties (a tied positive/negative pair counts 1/2). Classes without
 *   positives or without negatives are skipped, listed in `auc.skipped`, and left out of the macro mean.
 * - Top-2 accuracy: the true class is among the two highest probabilities (ties broken as above).
 */

export interface ClsPrediction {
  id?: string;
  /** Optional grouping (e.g. lesion id) for the grouped bootstrap. */
  group?: string;
  trueLabel: string;
  /** One probability per class, in the order of the `classes` list the metrics are computed for. */
  probabilities: ArrayLike<number>;
}

export interface ClassReport {
  precision: number;
  recall: number;
  f1: number;
  /** Number of images whose true class this is. */
  support: number;
  /** Number of images predicted as this class. */
  predicted: number;
}

export interface AucResult {
  /** Mean of `perClass` over the classes that could be scored; null when none could. */
  macro: number | null;
  perClass: Record<string, number>;
  /** Classes left out because the truth holds no positives or no negatives for them. */
  skipped: string[];
}

export interface ClsEvalResult {
  n: number;
  classes: string[];
  /** The scored predictions (by reference), so intervals can be bootstrapped from the result. */
  predictions: readonly ClsPrediction[];
  accuracy: number;
  balancedAccuracy: number;
  top2Accuracy: number;
  perClass: Record<string, ClassReport>;
  /** Rows = truth, columns = prediction, both in `classes` order. */
  confusion: number[][];
  auc: AucResult;
  /** Where a convention replaced an undefined value (e.g. precision of a never-predicted class). */
  notes: string[];
}

/** Checks one prediction against the class list and returns its true class index. */
function trueIndex(classes: readonly string[], prediction: ClsPrediction, position: number): number {
  const label = prediction.id ?? `prediction #${position}`;
  const index = classes.indexOf(prediction.trueLabel);
  if (index < 0) {
    throw new Error(`${label}: true label '${prediction.trueLabel}' is not one of the classes [${classes.join(', ')}]`);
  }
  if (prediction.probabilities.length !== classes.length) {
    throw new Error(`${label}: ${prediction.probabilities.length} probabilities for ${classes.length} classes`);
  }
  for (let i = 0; i < prediction.probabilities.length; i++) {
    if (!Number.isFinite(prediction.probabilities[i])) {
      throw new Error(`${label}: probability for '${classes[i]}' is ${prediction.probabilities[i]}`);
    }
  }
  return index;
}

/** Index of the highest probability; the first such index on ties. */
export function argMax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** Indices of the k highest probabilities, highest first; ties keep class order. */
export function topK(values: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: values.length }, (_, i) => i)
    .sort((a, b) => values[b]! - values[a]! || a - b)
    .slice(0, k);
}

/** `confusion[t][p]`: rows = truth, columns = prediction. */
export function confusionMatrix(classes: readonly string[], predictions: readonly ClsPrediction[]): number[][] {
  const matrix = classes.map(() => classes.map(() => 0));
  predictions.forEach((p, i) => {
    matrix[trueIndex(classes, p, i)]![argMax(p.probabilities)]!++;
  });
  return matrix;
}

export function accuracy(classes: readonly string[], predictions: readonly ClsPrediction[]): number {
  return topKAccuracy(classes, predictions, 1);
}

export function topKAccuracy(classes: readonly string[], predictions: readonly ClsPrediction[], k: number): number {
  requireSome(predictions);
  let hits = 0;
  predictions.forEach((p, i) => {
    const truth = trueIndex(classes, p, i);
    if (k === 1 ? argMax(p.probabilities) === truth : topK(p.probabilities, k).includes(truth)) hits++;
  });
  return hits / predictions.length;
}

/** Mean recall over the classes present in the truth. */
export function balancedAccuracy(classes: readonly string[], predictions: readonly ClsPrediction[]): number {
  requireSome(predictions);
  return balancedAccuracyFromConfusion(confusionMatrix(classes, predictions));
}

function balancedAccuracyFromConfusion(confusion: readonly number[][]): number {
  let recallSum = 0;
  let present = 0;
  confusion.forEach((row, t) => {
    const support = row.reduce((a, b) => a + b, 0);
    if (support > 0) {
      recallSum += row[t]! / support;
      present++;
    }
  });
  return recallSum / present;
}

/**
 * Area under the ROC curve of `scores` separating positives from negatives, via Mann–Whitney U with
 * mid-ranks. Null when either side is empty.
 */
export function rocAuc(scores: ArrayLike<number>, isPositive: ArrayLike<boolean>): number | null {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]!] === scores[order[start]!]) end++;
    // Ranks are 1-based; every member of a tie block gets the block's mean rank.
    const midRank = (start + end) / 2 + 1;
    for (let j = start; j <= end; j++) {
      if (isPositive[order[j]!]) {
        positives++;
        positiveRankSum += midRank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return null;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function oneVsRestAuc(classes: readonly string[], predictions: readonly ClsPrediction[]): AucResult {
  const truths = predictions.map((p, i) => trueIndex(classes, p, i));
  const perClass: Record<string, number> = {};
  const skipped: string[] = [];
  classes.forEach((name, c) => {
    const auc = rocAuc(
      predictions.map((p) => p.probabilities[c]!),
      truths.map((t) => t === c),
    );
    if (auc === null) skipped.push(name);
    else perClass[name] = auc;
  });
  const scored = Object.values(perClass);
  return {
    macro: scored.length === 0 ? null : scored.reduce((a, b) => a + b, 0) / scored.length,
    perClass,
    skipped,
  };
}

function requireSome(predictions: readonly ClsPrediction[]): void {
  if (predictions.length === 0) throw new Error('classification metrics: no predictions were given');
}

export function evaluateClassification(classes: readonly string[], predictions: readonly ClsPrediction[]): ClsEvalResult {
  requireSome(predictions);
  if (new Set(classes).size !== classes.length) throw new Error(`classification metrics: duplicate class names in [${classes.join(', ')}]`);
  const confusion = confusionMatrix(classes, predictions);
  const notes: string[] = [];
  const perClass: Record<string, ClassReport> = {};
  classes.forEach((name, c) => {
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((sum, row) => sum + row[c]!, 0);
    const correct = confusion[c]![c]!;
    if (predicted === 0) notes.push(`precision of '${name}' set to 0: the class was never predicted`);
    if (support === 0) notes.push(`recall of '${name}' set to 0: the class is absent from the truth (left out of balanced accuracy)`);
    const precision = predicted === 0 ? 0 : correct / predicted;
    const recall = support === 0 ? 0 : correct / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[name] = { precision, recall, f1, support, predicted };
  });
  const auc = oneVsRestAuc(classes, predictions);
  if (auc.skipped.length > 0) notes.push(`ROC-AUC skipped for [${auc.skipped.join(', ')}]: no positives or no negatives in the truth`);
  const correct = confusion.reduce((sum, row, t) => sum + row[t]!, 0);
  return {
    n: predictions.length,
    classes: [...classes],
    predictions,
    accuracy: correct / predictions.length,
    balancedAccuracy: balancedAccuracyFromConfusion(confusion),
    top2Accuracy: topKAccuracy(classes, predictions, 2),
    perClass,
    confusion,
    auc,
    notes,
  };
}
