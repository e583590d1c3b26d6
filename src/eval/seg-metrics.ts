/**
 * Segmentation metrics on binary masks (`GrayImage`, 0 = background, any non-zero = lesion).
 *
 * Definitions used throughout dermkit (reports, model cards, `dermkit eval seg`):
 * - Per image: confusion counts (tp, fp, fn, tn), Dice = 2tp / (2tp + fp + fn), IoU (Jaccard) =
 *   tp / (tp + fp + fn). When truth and prediction are both empty the image is a perfect match and
 *   Dice = IoU = 1 by convention; one empty and the other not gives 0 (the formulas already do).
 * - `dice`, `iou`: means of the per-image values over images (the ISIC convention).
 * - `miou`: mean over the two classes {background, lesion} of the class IoU, where each class IoU is
 *   itself the mean over images of that class's per-image IoU. Background IoU of an image is
 *   tn / (tn + fp + fn), with the same "both empty = 1" convention (a mask that is all lesion in
 *   truth and prediction). Equivalently: the mean over images of (lesion IoU + background IoU) / 2.
 * - `thresholdedJaccard`: ISIC 2018 Task 1 score, per-image IoU replaced by 0 when below 0.65
 *   (exactly 0.65 is kept), then averaged over images.
 * - `pixelAccuracy`, `sensitivity`, `specificity`: per-image values averaged over the images where
 *   they are defined (sensitivity needs lesion pixels in the truth, specificity background pixels);
 *   `null` when no image defines them.
 * - `global`: the same quantities from counts pooled over every pixel of the dataset.
 */
import type { GrayImage } from '../image/types.js';

export interface ConfusionCounts {
  /** Lesion in truth and prediction. */
  tp: number;
  /** Lesion in prediction only. */
  fp: number;
  /** Lesion in truth only. */
  fn: number;
  /** Background in both. */
  tn: number;
}

/** The ISIC 2018 Task 1 cut-off: per-image IoU below this counts as a failed segmentation. */
export const ISIC_JACCARD_THRESHOLD = 0.65;

/** Counts lesion/background agreement pixel by pixel. `label` names the case in error messages. */
export function confusionCounts(truth: GrayImage, prediction: GrayImage, label = 'mask pair'): ConfusionCounts {
  checkMask(truth, `${label}: truth`);
  checkMask(prediction, `${label}: prediction`);
  if (truth.width !== prediction.width || truth.height !== prediction.height) {
    throw new Error(
      `${label}: truth is ${truth.width}x${truth.height} but prediction is ${prediction.width}x${prediction.height}; ` +
        'resize the prediction to the truth mask before scoring',
    );
  }
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const t = truth.data;
  const p = prediction.data;
  for (let i = 0; i < t.length; i++) {
    const inTruth = t[i] !== 0;
    const inPrediction = p[i] !== 0;
    if (inTruth && inPrediction) tp++;
    else if (inPrediction) fp++;
    else if (inTruth) fn++;
  }
  return { tp, fp, fn, tn: t.length - tp - fp - fn };
}

function checkMask(mask: GrayImage, what: string): void {
  if (mask.data.length !== mask.width * mask.height) {
    throw new Error(`${what}: expected ${mask.width}x${mask.height} = ${mask.width * mask.height} bytes, got ${mask.data.length}`);
  }
}

/** Dice of the lesion class; 1 when truth and prediction hold no lesion pixel. */
export function diceFromCounts(c: ConfusionCounts): number {
  const denominator = 2 * c.tp + c.fp + c.fn;
  return denominator === 0 ? 1 : (2 * c.tp) / denominator;
}

/** IoU (Jaccard) of the lesion class; 1 when truth and prediction hold no lesion pixel. */
export function iouFromCounts(c: ConfusionCounts): number {
  const union = c.tp + c.fp + c.fn;
  return union === 0 ? 1 : c.tp / union;
}

/** IoU of the background class; 1 when truth and prediction are both entirely lesion. */
export function backgroundIouFromCounts(c: ConfusionCounts): number {
  const union = c.tn + c.fp + c.fn;
  return union === 0 ? 1 : c.tn / union;
}

/** ISIC 2018 per-image score: the IoU itself when >= 0.65, else 0. */
export function thresholdedJaccardScore(iou: number): number {
  return iou >= ISIC_JACCARD_THRESHOLD ? iou : 0;
}

function ratioOrNull(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

/** Everything kept per image: enough to recompute any dataset metric (and bootstrap it). */
export interface SegImageScore {
  id: string;
  /** Optional grouping (e.g. lesion id) for the grouped bootstrap. */
  group?: string;
  counts: ConfusionCounts;
  dice: number;
  iou: number;
}

export function scoreMasks(id: string, truth: GrayImage, prediction: GrayImage, group?: string): SegImageScore {
  const counts = confusionCounts(truth, prediction, id);
  return { id, ...(group === undefined ? {} : { group }), counts, dice: diceFromCounts(counts), iou: iouFromCounts(counts) };
}

export interface PooledSegMetrics {
  counts: ConfusionCounts;
  dice: number;
  iou: number;
  backgroundIou: number;
  miou: number;
  pixelAccuracy: number;
  sensitivity: number | null;
  specificity: number | null;
}

export interface SegEvalResult {
  n: number;
  perImage: SegImageScore[];
  /** Per-image means, see the module comment for exact definitions. */
  dice: number;
  iou: number;
  lesionIou: number;
  backgroundIou: number;
  miou: number;
  thresholdedJaccard: number;
  pixelAccuracy: number;
  sensitivity: number | null;
  specificity: number | null;
  /** Pixel-pooled over the whole dataset. */
  global: PooledSegMetrics;
}

/** Dataset metrics from per-image scores. Pure, so the bootstrap can call it on resamples. */
export function summariseSegScores(perImage: readonly SegImageScore[]): SegEvalResult {
  const n = perImage.length;
  if (n === 0) throw new Error('segmentation metrics: no images were scored');
  const pooled: ConfusionCounts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  const sums = { dice: 0, iou: 0, backgroundIou: 0, thresholded: 0, accuracy: 0 };
  const sensitivity = { sum: 0, count: 0 };
  const specificity = { sum: 0, count: 0 };
  for (const score of perImage) {
    const c = score.counts;
    pooled.tp += c.tp;
    pooled.fp += c.fp;
    pooled.fn += c.fn;
    pooled.tn += c.tn;
    sums.dice += score.dice;
    sums.iou += score.iou;
    sums.backgroundIou += backgroundIouFromCounts(c);
    sums.thresholded += thresholdedJaccardScore(score.iou);
    sums.accuracy += (c.tp + c.tn) / (c.tp + c.fp + c.fn + c.tn);
    if (c.tp + c.fn > 0) {
      sensitivity.sum += c.tp / (c.tp + c.fn);
      sensitivity.count++;
    }
    if (c.tn + c.fp > 0) {
      specificity.sum += c.tn / (c.tn + c.fp);
      specificity.count++;
    }
  }
  const lesionIou = sums.iou / n;
  const backgroundIou = sums.backgroundIou / n;
  return {
    n,
    perImage: [...perImage],
    dice: sums.dice / n,
    iou: lesionIou,
    lesionIou,
    backgroundIou,
    miou: (lesionIou + backgroundIou) / 2,
    thresholdedJaccard: sums.thresholded / n,
    pixelAccuracy: sums.accuracy / n,
    sensitivity: ratioOrNull(sensitivity.sum, sensitivity.count),
    specificity: ratioOrNull(specificity.sum, specificity.count),
    global: pooledMetrics(pooled),
  };
}

function pooledMetrics(counts: ConfusionCounts): PooledSegMetrics {
  const iou = iouFromCounts(counts);
  const backgroundIou = backgroundIouFromCounts(counts);
  const total = counts.tp + counts.fp + counts.fn + counts.tn;
  return {
    counts,
    dice: diceFromCounts(counts),
    iou,
    backgroundIou,
    miou: (iou + backgroundIou) / 2,
    pixelAccuracy: (counts.tp + counts.tn) / total,
    sensitivity: ratioOrNull(counts.tp, counts.tp + counts.fn),
    specificity: ratioOrNull(counts.tn, counts.tn + counts.fp),
  };
}
