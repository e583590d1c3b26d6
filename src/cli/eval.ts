import path from 'node:path';
import { Argument, type Command } from 'commander';
import { exists } from '../fs.js';
import { openDatasets } from '../data/open.js';
import { applySplit, readSplit, SPLIT_PARTS, type SplitPart } from '../data/split.js';
import type { ClsSample, SegSample } from '../data/types.js';
import { classifierNeedsLesion, evaluateClassifier, evaluateSegmenter } from '../eval/dataset-eval.js';
import { melanomaOperatingPoints, type MelanomaOperatingPoints } from '../eval/operating-points.js';
import { writeClsReport, writeSegReport } from '../eval/report.js';
import { clsConfidenceIntervals, clsSummaryJson, segConfidenceIntervals, segSummaryByPart, segSummaryJson } from '../eval/summary.js';
import { CONFIG_FILE } from '../models/io.js';
import { ENGINES, loadPredictor, type EngineName } from '../pipeline/predictor.js';
import { withMaskThreshold } from '../pipeline/analyzer.js';
import { RESEARCH_NOTICE } from '../pipeline/analyze.js';
import { DEFAULT_CLASSIFIER_DIR, DEFAULT_SEGMENTER_DIR } from '../pipeline/defaults.js';
import { BEST_DIR } from '../train/fit.js';
import { choiceOption, maskThresholdOption, progressLine } from './util.js';

const EVALUATIONS = ['seg', 'cls', 'cascade'] as const;

interface EvalFlags {
  model?: string;
  seg?: string;
  cls?: string;
  data: string[];
  split?: string;
  part: SplitPart;
  json?: boolean;
  report?: string;
  engine: EngineName;
  tta?: boolean;
  maskThreshold?: number;
}

async function samplesOf<S extends SegSample | ClsSample>(all: readonly S[], f: EvalFlags): Promise<S[]> {
  if (!f.split) return [...all];
  return applySplit(await readSplit(f.split), all, f.split)[f.part];
}

/** A model directory, or a training run's folder (its best/ checkpoint). */
async function modelDir(dir: string): Promise<string> {
  const best = path.join(dir, BEST_DIR);
  return (await exists(path.join(best, CONFIG_FILE))) ? best : dir;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('score models on a dataset at full resolution: seg (Dice, IoU, mIoU, thresholded Jaccard), cls (as analyze runs it), or cascade (the ROI from --seg, then --cls)')
    .addArgument(new Argument('<what>', 'seg, cls or cascade').choices(EVALUATIONS))
    .requiredOption('--data <dir...>', 'dataset folder; several are scored as one')
    .option('--model <dir>', 'the model to score, or a training run folder (its best/); default: the bundled one')
    .option('--seg <dir>', 'segmentation model that cuts the lesion for a classifier that needs it (default: the bundled one)')
    .option('--cls <dir>', 'cascade: classification model (default: the bundled one)')
    .option('--split <file>', 'score only one part of this split file')
    .addOption(choiceOption('--part <name>', 'the part of --split to score', SPLIT_PARTS, 'val'))
    .option('--json', 'print the metrics as one JSON object')
    .option('--report <dir>', 'write report.md, metrics.json and charts here')
    .addOption(choiceOption('--engine <name>', 'execution engine', ENGINES, 'onnx'))
    .option('--tta', 'test-time augmentation: average over the 8 flips/rotations')
    .addOption(maskThresholdOption())
    .action(async (what: (typeof EVALUATIONS)[number], f: EvalFlags) => {
      // The segmenter as scored, or as it cuts the lesion for the classifier.
      const loadSegmenter = async (dir: string) => withMaskThreshold(await loadPredictor(dir, f.engine), f.maskThreshold);
      if (what === 'seg') {
        const dir = await modelDir(f.model ?? DEFAULT_SEGMENTER_DIR);
        const dataset = await openDatasets(f.data, 'seg');
        const samples = await samplesOf(dataset.samples, f);
        const progress = progressLine(samples.length, !f.json);
        const segmenter = await loadSegmenter(dir);
        const { result, worst } = await evaluateSegmenter(samples, segmenter, { tta: f.tta, onProgress: (d) => progress.update(d) }).finally(() => progress.stop());
        segmenter.dispose();
        const summary = segSummaryJson(result, segConfidenceIntervals(result));
        const sourceOf = new Map(samples.map((s) => [s.id, s.source ?? path.basename(dataset.root)]));
        if (new Set(sourceOf.values()).size > 1) summary.byPart = segSummaryByPart(result, (id) => sourceOf.get(id)!);
        if (f.report) await writeSegReport(f.report, result, worst, { title: `Segmentation: ${dir} on ${f.data.join(' + ')}` });
        console.log(f.json ? JSON.stringify(summary) : formatSummary(summary));
        return;
      }
      const clsDir = await modelDir((what === 'cascade' ? f.cls : f.model) ?? DEFAULT_CLASSIFIER_DIR);
      const dataset = await openDatasets(f.data, 'cls');
      const samples = await samplesOf(dataset.samples, f);
      const progress = progressLine(samples.length, !f.json);
      const classifier = await loadPredictor(clsDir, f.engine);
      // The cascade arm forces the paper's ROI; `cls` scores the classifier as analyze runs it.
      const roi = what === 'cascade' ? true : undefined;
      const segmenter = classifierNeedsLesion(classifier, roi) ? await loadSegmenter(await modelDir(f.seg ?? DEFAULT_SEGMENTER_DIR)) : undefined;
      const { result, worst } = await evaluateClassifier(samples, classifier, { segmenter, roi, tta: f.tta, onProgress: (d) => progress.update(d) }).finally(() => progress.stop());
      classifier.dispose();
      segmenter?.dispose();
      const operatingPoints = melanomaOperatingPoints(result.classes, result.predictions, classifier.config.triage);
      const summary = { ...clsSummaryJson(result, clsConfidenceIntervals(result)), melanomaOperatingPoints: operatingPoints };
      if (f.report) await writeClsReport(f.report, result, worst, { title: `Classification (${what}): ${clsDir} on ${f.data.join(' + ')}`, operatingPoints });
      console.log(f.json ? JSON.stringify(summary) : `${formatOperatingPoints(operatingPoints)}${formatSummary(summary)}`);
    });
}

function formatOperatingPoints(points: MelanomaOperatingPoints | null): string {
  if (!points) return '';
  const rate = (v: number | null) => (v === null ? '—' : v.toFixed(4));
  return points.rows.map((r) => `${points.label} flagged at p >= ${r.threshold.toFixed(4)} (${r.targetSensitivity === null ? 'default threshold' : `for sensitivity ${r.targetSensitivity}`}, chosen on ${r.chosenOn}): sensitivity ${rate(r.sensitivity)}, specificity ${rate(r.specificity)}, ${(r.flagged * 100).toFixed(1)} % of images flagged\n`).join('');
}

function formatSummary(summary: object): string {
  const lines = Object.entries(summary)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => `${k.padEnd(20)} ${Number.isInteger(v) ? v : (v as number).toFixed(4)}`);
  const parts = 'byPart' in summary && summary.byPart ? Object.entries(summary.byPart as Record<string, Record<string, number>>).map(
    ([part, m]) => `${part}: n ${m.n}, dice ${m.dice!.toFixed(4)}, iou ${m.iou!.toFixed(4)}, thresholdedJaccard ${m.thresholdedJaccard!.toFixed(4)}`,
  ) : [];
  return `${[...lines, ...parts].join('\n')}\n${RESEARCH_NOTICE}`;
}
