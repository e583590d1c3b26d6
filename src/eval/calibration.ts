/**
 * Calibration of class probabilities: expected calibration error (ECE) and the temperature that
 * minimises the negative log-likelihood on held-out data (Guo et al. 2017).
 *
 * Both can weight every class equally ('balanced': each prediction weighs 1 / (classes x its
 * class's count)), which is the population a classifier with a uniform output prior claims to be
 * calibrated for; 'natural' weighs every prediction alike (the held-out data's own class mix).
 */
import { calibrate } from '../pipeline/classify.js';
import type { ClsPrediction } from './cls-metrics.js';

export type CalibrationWeighting = 'natural' | 'balanced';

/** Top-confidence bins of the reliability diagram: 15 equal-width bins, as Guo et al. */
export const ECE_BINS = 15;

function weightsOf(classes: readonly string[], predictions: readonly ClsPrediction[], weighting: CalibrationWeighting): number[] {
  if (weighting === 'natural') return predictions.map(() => 1 / predictions.length);
  const counts = new Map<string, number>();
  for (const p of predictions) counts.set(p.trueLabel, (counts.get(p.trueLabel) ?? 0) + 1);
  const present = classes.filter((c) => counts.has(c)).length;
  return predictions.map((p) => 1 / (present * counts.get(p.trueLabel)!));
}

export interface ReliabilityBin {
  /** Upper edge of the confidence bin. */
  upTo: number;
  /** Weight of the predictions in the bin (their share of all, under the weighting). */
  weight: number;
  confidence: number;
  accuracy: number;
}

/** The reliability diagram: per confidence bin, mean top confidence and the accuracy of the top class. */
export function reliabilityBins(classes: readonly string[], predictions: readonly ClsPrediction[], weighting: CalibrationWeighting = 'natural', bins = ECE_BINS): ReliabilityBin[] {
  const weights = weightsOf(classes, predictions, weighting);
  const acc = Array.from({ length: bins }, (_, i) => ({ upTo: (i + 1) / bins, weight: 0, confidence: 0, accuracy: 0 }));
  predictions.forEach((p, i) => {
    let top = 0;
    for (let k = 1; k < p.probabilities.length; k++) if (p.probabilities[k]! > p.probabilities[top]!) top = k;
    const confidence = p.probabilities[top]!;
    const bin = acc[Math.min(bins - 1, Math.floor(confidence * bins))]!;
    bin.weight += weights[i]!;
    bin.confidence += weights[i]! * confidence;
    bin.accuracy += weights[i]! * (classes[top] === p.trueLabel ? 1 : 0);
  });
  return acc.map((b) => (b.weight > 0 ? { ...b, confidence: b.confidence / b.weight, accuracy: b.accuracy / b.weight } : b));
}

/** Σ over bins of weight x |accuracy − confidence|. */
export function expectedCalibrationError(classes: readonly string[], predictions: readonly ClsPrediction[], weighting: CalibrationWeighting = 'natural', bins = ECE_BINS): number {
  return reliabilityBins(classes, predictions, weighting, bins).reduce((sum, b) => sum + b.weight * Math.abs(b.accuracy - b.confidence), 0);
}

function negativeLogLikelihood(classes: readonly string[], predictions: readonly ClsPrediction[], weights: readonly number[], temperature: number): number {
  let sum = 0;
  predictions.forEach((p, i) => {
    const q = calibrate(p.probabilities, { temperature });
    sum -= weights[i]! * Math.log(Math.max(q[classes.indexOf(p.trueLabel)]!, 1e-12));
  });
  return sum;
}

/** The temperature in [0.05, 20] with the lowest (weighted) NLL: golden-section search on log T (the NLL is convex in 1/T). */
export function fitTemperature(classes: readonly string[], predictions: readonly ClsPrediction[], weighting: CalibrationWeighting = 'natural'): number {
  if (predictions.length === 0) throw new Error('fitTemperature: no predictions');
  const weights = weightsOf(classes, predictions, weighting);
  const f = (logT: number) => negativeLogLikelihood(classes, predictions, weights, Math.exp(logT));
  const ratio = (Math.sqrt(5) - 1) / 2;
  let [a, b] = [Math.log(0.05), Math.log(20)];
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let [fc, fd] = [f(c), f(d)];
  while (b - a > 1e-4) {
    if (fc < fd) {
      [b, d, fd] = [d, c, fc];
      c = b - ratio * (b - a);
      fc = f(c);
    } else {
      [a, c, fc] = [c, d, fd];
      d = a + ratio * (b - a);
      fd = f(d);
    }
  }
  return Math.exp((a + b) / 2);
}
