/**
 * Evaluation report folders: `report.md`, `metrics.json` and PNG charts.
 *
 * Segmentation: confusion.png (pixel-pooled background/lesion), dice-histogram.png, worst-cases.png.
 * Classification: confusion.png, recall.png (melanoma first), reliability.png (calibration),
 * worst-cases.png, and the melanoma operating points (thresholds for a target sensitivity).
 *
 * `cases` are the candidates for the worst-case sheet: either a `WorstSegCases`/`WorstClsCases`
 * that the caller fed while streaming the dataset (memory stays at 16 thumbnails), or a plain
 * array, of which the 16 worst are drawn.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMelanoma } from '../models/config.js';
import type { ConfidenceInterval } from './bootstrap.js';
import { expectedCalibrationError, reliabilityBins } from './calibration.js';
import { barChartSvg, confusionHeatmapSvg, histogramCounts, histogramSvg, reliabilityDiagramSvg, svgToPng } from './charts.js';
import type { ClsEvalResult } from './cls-metrics.js';
import { clsContactSheet, RESEARCH_DISCLAIMER, segContactSheet } from './contact-sheet.js';
import { ISIC_JACCARD_THRESHOLD, type SegEvalResult } from './seg-metrics.js';
import {
  clsConfidenceIntervals,
  clsSummaryJson,
  segConfidenceIntervals,
  segSummaryJson,
  type CiOptions,
} from './summary.js';
import { WORST_CASE_LIMIT, WorstClsCases, WorstSegCases, type ClsCase, type SegCase } from './worst-cases.js';
import type { MelanomaOperatingPoints } from './operating-points.js';

export interface ReportOptions {
  /** Heading of report.md and the charts. */
  title?: string;
  /** Bootstrap settings for the 95 % intervals (defaults: 1000 resamples, seed 1). */
  bootstrap?: CiOptions;
}

export interface ClsReportOptions extends ReportOptions {
  /** Melanoma thresholds and what they reach on the data (src/eval/operating-points.ts). */
  operatingPoints?: MelanomaOperatingPoints | null;
}

export interface ReportFiles {
  dir: string;
  markdown: string;
  metrics: string;
  /** Chart name -> PNG path. */
  charts: Record<string, string>;
}

const DICE_HISTOGRAM_BINS = 20;

function formatNumber(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined ? '—' : value.toFixed(digits);
}

function formatCi(ci: ConfidenceInterval | undefined): string {
  return ci ? `${ci.lower.toFixed(4)} – ${ci.upper.toFixed(4)}` : '—';
}

function ciFootnote(ci: ConfidenceInterval | undefined): string {
  if (!ci) return '';
  const unit = ci.resampling === 'group' ? 'groups (lesions)' : 'images';
  return `Intervals: ${Math.round(ci.confidence * 100)} % percentile bootstrap over ${unit}, ${ci.iterations} resamples, seed ${ci.seed}.`;
}

/** Table cells come from ids and labels; a '|' in them would split the Markdown cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

async function writePng(dir: string, name: string, png: Promise<Buffer>, charts: Record<string, string>): Promise<void> {
  const path = join(dir, `${name}.png`);
  await writeFile(path, await png);
  charts[name] = path;
}

function worstSegCases(cases: readonly SegCase[] | WorstSegCases): SegCase[] {
  if (cases instanceof WorstSegCases) return cases.list();
  const worst = new WorstSegCases();
  for (const segCase of cases) worst.add(segCase);
  return worst.list();
}

export async function writeSegReport(dir: string, result: SegEvalResult, cases: readonly SegCase[] | WorstSegCases, options: ReportOptions = {}): Promise<ReportFiles> {
  const title = options.title ?? 'Segmentation evaluation';
  const ci = segConfidenceIntervals(result, options.bootstrap);
  const worst = worstSegCases(cases);
  const dice = result.perImage.map((score) => score.dice);
  await mkdir(dir, { recursive: true });

  const charts: Record<string, string> = {};
  const c = result.global.counts;
  await writePng(dir, 'confusion', svgToPng(confusionHeatmapSvg(['background', 'lesion'], [[c.tn, c.fp], [c.fn, c.tp]], `${title}: pixel confusion`)), charts);
  await writePng(dir, 'dice-histogram', svgToPng(histogramSvg(dice, `${title}: per-image Dice (n = ${result.n})`, 'Dice', result.dice, DICE_HISTOGRAM_BINS)), charts);
  await writePng(dir, 'worst-cases', segContactSheet(worst, `${title}: lowest Dice`), charts);

  const metrics = {
    ...segSummaryJson(result, ci),
    disclaimer: RESEARCH_DISCLAIMER,
    diceHistogram: { bins: DICE_HISTOGRAM_BINS, counts: histogramCounts(dice, DICE_HISTOGRAM_BINS) },
    worstCases: worst.map((w) => ({ id: w.id, dice: w.dice })),
  };
  const metricsPath = join(dir, 'metrics.json');
  await writeFile(metricsPath, `${JSON.stringify(metrics, null, 2)}\n`);

  const g = result.global;
  const markdown = [
    `# ${title}`,
    '',
    `> **${RESEARCH_DISCLAIMER}**`,
    '',
    `Images: ${result.n}`,
    '',
    '| Metric (mean over images) | Value | 95 % CI |',
    '|---|---|---|',
    `| Dice | ${formatNumber(result.dice)} | ${formatCi(ci.dice)} |`,
    `| IoU (Jaccard) | ${formatNumber(result.iou)} | ${formatCi(ci.iou)} |`,
    `| mIoU {background, lesion} | ${formatNumber(result.miou)} | ${formatCi(ci.miou)} |`,
    `| Thresholded Jaccard (ISIC 2018, < ${ISIC_JACCARD_THRESHOLD} → 0) | ${formatNumber(result.thresholdedJaccard)} | ${formatCi(ci.thresholdedJaccard)} |`,
    `| Background IoU | ${formatNumber(result.backgroundIou)} | |`,
    `| Pixel accuracy | ${formatNumber(result.pixelAccuracy)} | |`,
    `| Sensitivity | ${formatNumber(result.sensitivity)} | |`,
    `| Specificity | ${formatNumber(result.specificity)} | |`,
    '',
    ciFootnote(ci.dice),
    '',
    '| Metric (pixels pooled over the dataset) | Value |',
    '|---|---|',
    `| Dice | ${formatNumber(g.dice)} |`,
    `| IoU | ${formatNumber(g.iou)} |`,
    `| mIoU | ${formatNumber(g.miou)} |`,
    `| Pixel accuracy | ${formatNumber(g.pixelAccuracy)} |`,
    `| Sensitivity | ${formatNumber(g.sensitivity)} |`,
    `| Specificity | ${formatNumber(g.specificity)} |`,
    '',
    '## Definitions',
    '',
    '- Per image: Dice = 2TP / (2TP + FP + FN), IoU = TP / (TP + FP + FN); an image whose truth and prediction are both empty scores 1 (Dice and IoU), one empty and the other not scores 0.',
    '- mIoU: the mean of the background IoU and the lesion IoU, each averaged over images.',
    `- Thresholded Jaccard: per-image IoU set to 0 when below ${ISIC_JACCARD_THRESHOLD} (${ISIC_JACCARD_THRESHOLD} itself is kept), then averaged.`,
    '- Sensitivity / specificity per image are averaged over the images that have lesion / background pixels in the truth.',
    '',
    '## Charts',
    '',
    '![Pixel confusion matrix](confusion.png)',
    '',
    '![Dice histogram](dice-histogram.png)',
    '',
    `## Worst cases (lowest Dice, up to ${worst.length})`,
    '',
    '![Worst cases: image | truth | prediction](worst-cases.png)',
    '',
    ...(worst.length === 0 ? ['No cases were supplied.'] : ['| # | Image | Dice |', '|---|---|---|', ...worst.map((w, i) => `| ${i + 1} | ${cell(w.id)} | ${formatNumber(w.dice)} |`)]),
    '',
  ].join('\n');
  const markdownPath = join(dir, 'report.md');
  await writeFile(markdownPath, markdown);
  return { dir, markdown: markdownPath, metrics: metricsPath, charts };
}

/** Melanoma first, since its recall is the number a reader looks for; the rest in given order. */
export function melanomaFirst(classes: readonly string[]): string[] {
  return [...classes.filter(isMelanoma), ...classes.filter((name) => !isMelanoma(name))];
}

/** Array input: wrong cases only, most confident first, ties in input order (stable sort). */
function worstClsCases(cases: readonly ClsCase[] | WorstClsCases): ClsCase[] {
  if (cases instanceof WorstClsCases) return cases.list();
  return cases
    .filter((c) => c.trueLabel !== c.predictedLabel)
    .sort((a, b) => b.confidence - a.confidence)
    .slice(0, WORST_CASE_LIMIT);
}

function operatingPointLines(points: MelanomaOperatingPoints | null | undefined): string[] {
  if (!points) return ['No melanoma class to flag.'];
  if (points.rows.length === 0) return [`No '${cell(points.label)}' images in the data: no threshold can be chosen or scored.`];
  const rate = (v: number | null) => (v === null ? '—' : v.toFixed(4));
  return [
    `Flag for review when p(${cell(points.label)}) ≥ threshold, instead of only when it is the most probable class.`,
    '',
    '| Target sensitivity | Threshold | Chosen on | Sensitivity | Specificity | Images flagged |',
    '|---|---|---|---|---|---|',
    ...points.rows.map((r) => `| ${r.targetSensitivity === null ? 'default' : r.targetSensitivity.toFixed(2)} | ${r.threshold.toFixed(4)} | ${cell(r.chosenOn)} | ${rate(r.sensitivity)} | ${rate(r.specificity)} | ${(r.flagged * 100).toFixed(1)} % |`),
  ];
}

export async function writeClsReport(dir: string, result: ClsEvalResult, cases: readonly ClsCase[] | WorstClsCases, options: ClsReportOptions = {}): Promise<ReportFiles> {
  const title = options.title ?? 'Classification evaluation';
  const ci = clsConfidenceIntervals(result, options.bootstrap);
  const worst = worstClsCases(cases);
  const ordered = melanomaFirst(result.classes);
  await mkdir(dir, { recursive: true });

  const charts: Record<string, string> = {};
  await writePng(dir, 'confusion', svgToPng(confusionHeatmapSvg(result.classes, result.confusion, `${title}: confusion matrix`)), charts);
  const bars = ordered.map((name) => ({
    label: name,
    value: result.perClass[name]!.recall,
    note: `n=${result.perClass[name]!.support}`,
    highlight: isMelanoma(name),
  }));
  await writePng(dir, 'recall', svgToPng(barChartSvg(bars, `${title}: per-class recall`, 'Recall')), charts);
  const reliability = reliabilityBins(result.classes, result.predictions, 'natural');
  const ece = { natural: expectedCalibrationError(result.classes, result.predictions, 'natural'), balanced: expectedCalibrationError(result.classes, result.predictions, 'balanced') };
  const eceLine = `ECE ${ece.natural.toFixed(4)} (classes weighted equally: ${ece.balanced.toFixed(4)}), n = ${result.n}`;
  await writePng(dir, 'reliability', svgToPng(reliabilityDiagramSvg(reliability, `${title}: reliability`, eceLine)), charts);
  await writePng(dir, 'worst-cases', clsContactSheet(worst, `${title}: most confidently wrong`), charts);

  const metrics = {
    ...clsSummaryJson(result, ci),
    reliability,
    ...(options.operatingPoints ? { melanomaOperatingPoints: options.operatingPoints } : {}),
    disclaimer: RESEARCH_DISCLAIMER,
    worstCases: worst.map((w) => ({ id: w.id, trueLabel: w.trueLabel, predictedLabel: w.predictedLabel, confidence: w.confidence })),
  };
  const metricsPath = join(dir, 'metrics.json');
  await writeFile(metricsPath, `${JSON.stringify(metrics, null, 2)}\n`);

  const markdown = [
    `# ${title}`,
    '',
    `> **${RESEARCH_DISCLAIMER}**`,
    '',
    `Images: ${result.n}; classes: ${result.classes.join(', ')}`,
    '',
    '| Metric | Value | 95 % CI |',
    '|---|---|---|',
    `| Accuracy | ${formatNumber(result.accuracy)} | ${formatCi(ci.accuracy)} |`,
    `| Balanced accuracy (mean recall over classes in the truth) | ${formatNumber(result.balancedAccuracy)} | ${formatCi(ci.balancedAccuracy)} |`,
    `| Top-2 accuracy | ${formatNumber(result.top2Accuracy)} | ${formatCi(ci.top2Accuracy)} |`,
    `| Macro ROC-AUC (one-vs-rest) | ${formatNumber(result.auc.macro)} | ${formatCi(ci.macroAuc)} |`,
    '',
    ciFootnote(ci.accuracy),
    '',
    '## Per class',
    '',
    '| Class | Support | Predicted | Precision | Recall | F1 | ROC-AUC |',
    '|---|---|---|---|---|---|---|',
    ...ordered.map((name) => {
      const r = result.perClass[name]!;
      return `| ${cell(name)} | ${r.support} | ${r.predicted} | ${formatNumber(r.precision)} | ${formatNumber(r.recall)} | ${formatNumber(r.f1)} | ${formatNumber(result.auc.perClass[name])} |`;
    }),
    '',
    ...(result.notes.length > 0 ? ['Notes:', '', ...result.notes.map((note) => `- ${note}`), ''] : []),
    '## Calibration',
    '',
    '| Expected calibration error (15 bins of top-class confidence) | Value |',
    '|---|---|',
    `| Over the images as they come | ${formatNumber(ece.natural)} |`,
    `| With every class weighted equally | ${formatNumber(ece.balanced)} |`,
    '',
    '![Reliability diagram](reliability.png)',
    '',
    '## Melanoma operating points',
    '',
    ...operatingPointLines(options.operatingPoints),
    '',
    '## Definitions',
    '',
    '- Predicted class: the highest probability (ties go to the class listed first). Top-2: the true class is among the two highest.',
    '- Balanced accuracy: the mean recall over the classes present in the truth.',
    '- Precision of a never-predicted class and recall of a class absent from the truth are reported as 0 (see notes).',
    '- ROC-AUC: one-vs-rest from each class probability, Mann–Whitney with tied scores counting one half; the macro value averages the classes that have both positives and negatives.',
    '- Expected calibration error: over 15 equal bins of the top-class probability, the share-weighted mean of |accuracy − mean confidence|.',
    '- Operating point: the highest threshold on p(melanoma) whose sensitivity reaches the target on the data it was chosen on (the classifier\'s validation part when it comes from dermkit.json); sensitivity and specificity are then measured here.',
    '',
    '## Charts',
    '',
    '![Confusion matrix (rows = truth, columns = prediction)](confusion.png)',
    '',
    '![Per-class recall](recall.png)',
    '',
    `## Worst cases (most confidently wrong, up to ${worst.length})`,
    '',
    '![Most confidently wrong images](worst-cases.png)',
    '',
    ...(worst.length === 0
      ? ['No misclassified cases were supplied.']
      : [
          '| # | Image | True | Predicted | Confidence |',
          '|---|---|---|---|---|',
          ...worst.map((w, i) => `| ${i + 1} | ${cell(w.id)} | ${cell(w.trueLabel)} | ${cell(w.predictedLabel)} | ${formatNumber(w.confidence, 3)} |`),
        ]),
    '',
  ].join('\n');
  const markdownPath = join(dir, 'report.md');
  await writeFile(markdownPath, markdown);
  return { dir, markdown: markdownPath, metrics: metricsPath, charts };
}
