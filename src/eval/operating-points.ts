/**
 * Operating points for triage: a threshold on p(melanoma) chosen to reach a sensitivity (a
 * triage user would rather review too many images than miss a melanoma), and the sensitivity
 * and specificity a threshold gives on other data. `dermkit models calibrate` chooses them on
 * validation data and records them in dermkit.json; `dermkit eval cls` scores them.
 */
import { isMelanoma, type OperatingPoint, type Triage } from '../models/config.js';
import type { ClsPrediction } from './cls-metrics.js';

/** The sensitivities a triage user is offered thresholds for. */
export const TRIAGE_SENSITIVITIES = [0.9, 0.95] as const;

interface Scores {
  scores: number[];
  positives: boolean[];
}

function scoresOf(classes: readonly string[], predictions: readonly ClsPrediction[], label: string): Scores {
  const index = classes.indexOf(label);
  if (index < 0) throw new Error(`operating points: no class '${label}' among ${classes.join(', ')}`);
  return { scores: predictions.map((p) => p.probabilities[index]!), positives: predictions.map((p) => p.trueLabel === label) };
}

/** The highest threshold t at which flagging p >= t reaches `target` sensitivity: the ceil(target x positives)-th highest positive score; null without positives. */
export function thresholdForSensitivity(scores: readonly number[], positives: readonly boolean[], target: number): number | null {
  const positive = scores.filter((_, i) => positives[i]).sort((a, b) => b - a);
  if (positive.length === 0) return null;
  return positive[Math.min(positive.length, Math.max(1, Math.ceil(target * positive.length - 1e-9))) - 1]!;
}

export interface Rates {
  /** Null when the data has no positives / no negatives. */
  sensitivity: number | null;
  specificity: number | null;
  /** Share of all images flagged. */
  flagged: number;
}

/** Sensitivity, specificity and share flagged when flagging p >= threshold. */
export function ratesAt(scores: readonly number[], positives: readonly boolean[], threshold: number): Rates {
  let tp = 0;
  let fp = 0;
  let p = 0;
  scores.forEach((s, i) => {
    if (positives[i]) p++;
    if (s >= threshold) positives[i] ? tp++ : fp++;
  });
  const n = scores.length - p;
  return { sensitivity: p === 0 ? null : tp / p, specificity: n === 0 ? null : (n - fp) / n, flagged: scores.length === 0 ? 0 : (tp + fp) / scores.length };
}

/** The melanoma class of a class list, if it has one. */
export function melanomaClass(classes: readonly string[], triage?: Triage): string | undefined {
  return triage?.label ?? classes.find(isMelanoma);
}

/** Thresholds reaching each target sensitivity on these predictions (targets the data cannot reach, for lack of positives, are left out). */
export function chooseOperatingPoints(classes: readonly string[], predictions: readonly ClsPrediction[], label: string, targets: readonly number[] = TRIAGE_SENSITIVITIES): OperatingPoint[] {
  const { scores, positives } = scoresOf(classes, predictions, label);
  return targets.flatMap((targetSensitivity) => {
    const threshold = thresholdForSensitivity(scores, positives, targetSensitivity);
    if (threshold === null) return [];
    const rates = ratesAt(scores, positives, threshold);
    return [{ targetSensitivity, threshold, sensitivity: rates.sensitivity!, specificity: rates.specificity ?? 0 }];
  });
}

export interface OperatingPointRow extends Rates {
  /** The sensitivity the threshold was chosen for; null for the classifier's default threshold. */
  targetSensitivity: number | null;
  threshold: number;
  /** Where the threshold comes from: the classifier's dermkit.json (chosen on its validation data) or the data scored here. */
  chosenOn: string;
}

export interface MelanomaOperatingPoints {
  label: string;
  rows: OperatingPointRow[];
}

/**
 * What `eval cls` reports: the classifier's recorded operating points (and its default threshold)
 * scored on this data, or, where it has none, the thresholds that reach the target sensitivities
 * on this data. Null when the classes have no melanoma.
 */
export function melanomaOperatingPoints(classes: readonly string[], predictions: readonly ClsPrediction[], triage?: Triage): MelanomaOperatingPoints | null {
  const label = melanomaClass(classes, triage);
  if (label === undefined || !classes.includes(label)) return null;
  const { scores, positives } = scoresOf(classes, predictions, label);
  const recorded = triage?.operatingPoints ?? [];
  const fromConfig = `dermkit.json${triage?.fittedOn ? ` (${triage.fittedOn})` : ''}`;
  const rows: OperatingPointRow[] = recorded.length > 0
    ? recorded.map((p) => ({ targetSensitivity: p.targetSensitivity, threshold: p.threshold, chosenOn: fromConfig, ...ratesAt(scores, positives, p.threshold) }))
    : chooseOperatingPoints(classes, predictions, label).map((p) => ({ targetSensitivity: p.targetSensitivity, threshold: p.threshold, chosenOn: 'this data', ...ratesAt(scores, positives, p.threshold) }));
  const fallback = triage?.threshold;
  if (fallback !== undefined && !rows.some((r) => r.threshold === fallback)) {
    rows.push({ targetSensitivity: null, threshold: fallback, chosenOn: 'dermkit.json (default threshold)', ...ratesAt(scores, positives, fallback) });
  }
  return { label, rows };
}
