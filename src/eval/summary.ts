/**
 * The JSON objects `dermkit eval seg|cls --json` print and model cards embed, plus the bootstrap
 * intervals that go with them. The required keys come first; everything else is an extra.
 */
import { bootstrapCis, type BootstrapOptions, type ConfidenceInterval } from './bootstrap.js';
import type { ClsEvalResult } from './cls-metrics.js';
import { expectedCalibrationError } from './calibration.js';
import { ClsResampler } from './cls-resampling.js';
import { summariseSegScores, type ConfusionCounts, type SegEvalResult } from './seg-metrics.js';
import type { MelanomaOperatingPoints } from './operating-points.js';

export type SegCiMetric = 'dice' | 'iou' | 'miou' | 'thresholdedJaccard';
export type SegConfidenceIntervals = Record<SegCiMetric, ConfidenceInterval>;

export type ClsCiMetric = 'accuracy' | 'balancedAccuracy' | 'top2Accuracy' | 'macroAuc';
/** `macroAuc` is absent when no class could be scored. */
export type ClsConfidenceIntervals = Partial<Record<ClsCiMetric, ConfidenceInterval>>;

/** Resampling options minus `groups`, which come from the per-item `group` fields. */
export type CiOptions = Omit<BootstrapOptions, 'groups'>;

/** Group ids when every item carries one, none when no item does; a mix is an input error. */
function groupsOf(items: readonly { id?: string; group?: string }[]): string[] | undefined {
  const withGroup = items.filter((item) => item.group !== undefined).length;
  if (withGroup === 0) return undefined;
  if (withGroup !== items.length) {
    throw new Error(`bootstrap: ${withGroup} of ${items.length} items have a group id; give one to every item or to none`);
  }
  return items.map((item) => item.group!);
}

export function segConfidenceIntervals(result: SegEvalResult, options: CiOptions = {}): SegConfidenceIntervals {
  const groups = groupsOf(result.perImage);
  return bootstrapCis(
    result.perImage,
    (sample) => {
      const summary = summariseSegScores(sample);
      return { dice: summary.dice, iou: summary.iou, miou: summary.miou, thresholdedJaccard: summary.thresholdedJaccard };
    },
    { ...options, groups },
  );
}

export function clsConfidenceIntervals(result: ClsEvalResult, options: CiOptions = {}): ClsConfidenceIntervals {
  const groups = groupsOf(result.predictions);
  const resampler = new ClsResampler(result.classes, result.predictions);
  const caseIndices = Array.from({ length: resampler.size }, (_, i) => i);
  const withAuc = result.auc.macro !== null;
  return bootstrapCis(
    caseIndices,
    (sample) => {
      const weights = resampler.multiplicities(sample);
      const metrics: Partial<Record<ClsCiMetric, number>> = {
        accuracy: resampler.accuracy(weights),
        balancedAccuracy: resampler.balancedAccuracy(weights),
        top2Accuracy: resampler.top2Accuracy(weights),
      };
      // NaN (no class both present and absent in a resample) drops that resample, see bootstrapCis.
      if (withAuc) metrics.macroAuc = resampler.macroAuc(weights);
      return metrics;
    },
    { ...options, groups },
  );
}

export interface SegSummaryJson {
  n: number;
  dice: number;
  iou: number;
  miou: number;
  thresholdedJaccard: number;
  lesionIou: number;
  backgroundIou: number;
  pixelAccuracy: number;
  sensitivity: number | null;
  specificity: number | null;
  global: {
    counts: ConfusionCounts;
    dice: number;
    iou: number;
    miou: number;
    pixelAccuracy: number;
    sensitivity: number | null;
    specificity: number | null;
  };
  ci?: SegConfidenceIntervals;
  /** The same metrics per part of the data, when it has several (see segSummaryByPart). */
  byPart?: Record<string, SegPartSummary>;
}

export function segSummaryJson(result: SegEvalResult, ci?: SegConfidenceIntervals): SegSummaryJson {
  const g = result.global;
  return {
    n: result.n,
    dice: result.dice,
    iou: result.iou,
    miou: result.miou,
    thresholdedJaccard: result.thresholdedJaccard,
    lesionIou: result.lesionIou,
    backgroundIou: result.backgroundIou,
    pixelAccuracy: result.pixelAccuracy,
    sensitivity: result.sensitivity,
    specificity: result.specificity,
    global: {
      counts: { ...g.counts },
      dice: g.dice,
      iou: g.iou,
      miou: g.miou,
      pixelAccuracy: g.pixelAccuracy,
      sensitivity: g.sensitivity,
      specificity: g.specificity,
    },
    ...(ci ? { ci } : {}),
  };
}

export interface ClsSummaryJson {
  n: number;
  accuracy: number;
  balancedAccuracy: number;
  perClassRecall: Record<string, number>;
  /** Rows = truth, columns = prediction, in `classes` order. */
  confusion: number[][];
  classes: string[];
  top2Accuracy: number;
  macroAuc: number | null;
  perClass: ClsEvalResult['perClass'];
  auc: ClsEvalResult['auc'];
  notes: string[];
  /** Expected calibration error of the top class over the data as it is, and with every class weighted equally. */
  ece: number;
  balancedEce: number;
  ci?: ClsConfidenceIntervals;
  /** Melanoma thresholds for target sensitivities and what they reach on this data (src/eval/operating-points.ts). */
  melanomaOperatingPoints?: MelanomaOperatingPoints | null;
}

export function clsSummaryJson(result: ClsEvalResult, ci?: ClsConfidenceIntervals): ClsSummaryJson {
  return {
    n: result.n,
    accuracy: result.accuracy,
    balancedAccuracy: result.balancedAccuracy,
    perClassRecall: Object.fromEntries(result.classes.map((name) => [name, result.perClass[name]!.recall])),
    confusion: result.confusion.map((row) => [...row]),
    classes: [...result.classes],
    top2Accuracy: result.top2Accuracy,
    macroAuc: result.auc.macro,
    perClass: structuredClone(result.perClass),
    auc: structuredClone(result.auc),
    notes: [...result.notes],
    ece: expectedCalibrationError(result.classes, result.predictions, 'natural'),
    balancedEce: expectedCalibrationError(result.classes, result.predictions, 'balanced'),
    ...(ci ? { ci } : {}),
  };
}

export interface SegPartSummary {
  n: number;
  dice: number;
  iou: number;
  miou: number;
  thresholdedJaccard: number;
  ci: SegConfidenceIntervals;
}

/** The headline metrics with intervals for each part of the data (e.g. ISIC 2017 and HAM10000), by the part each image id belongs to. */
export function segSummaryByPart(result: SegEvalResult, partOf: (id: string) => string, options: CiOptions = {}): Record<string, SegPartSummary> {
  const parts = new Map<string, SegEvalResult['perImage'][number][]>();
  for (const score of result.perImage) {
    const part = partOf(score.id);
    if (!parts.has(part)) parts.set(part, []);
    parts.get(part)!.push(score);
  }
  return Object.fromEntries([...parts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([part, scores]) => {
    const r = summariseSegScores(scores);
    return [part, { n: r.n, dice: r.dice, iou: r.iou, miou: r.miou, thresholdedJaccard: r.thresholdedJaccard, ci: segConfidenceIntervals(r, options) }];
  }));
}
