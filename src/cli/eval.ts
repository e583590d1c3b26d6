import type { Command } from 'commander';
import { openDataset } from '../data/open.js';
import { applySplit, readSplit } from '../data/split.js';
import type { ClsSample, SegSample } from '../data/types.js';
import { evaluateClassifier, evaluateSegmenter } from '../eval/dataset-eval.js';
import { writeClsReport, writeSegReport } from '../eval/report.js';
import { clsConfidenceIntervals, clsSummaryJson, segConfidenceIntervals, segSummaryJson } from '../eval/summary.js';
import { loadPredictor, type EngineName } from '../pipeline/predictor.js';
import { RESEARCH_NOTICE } from '../pipeline/analyze.js';
import { progressLine } from './util.js';

interface EvalFlags {
  model?: string;
  seg?: string;
  cls?: string;
  data: string;
  split?: string;
  part: 'train' | 'val' | 'test';
  json?: boolean;
  report?: string;
  engine: EngineName;
  tta?: boolean;
}

async function samplesOf<S extends SegSample | ClsSample>(all: readonly S[], f: EvalFlags): Promise<S[]> {
  if (!f.split) return [...all];
  return applySplit(await readSplit(f.split), all, f.split)[f.part];
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('score models on a dataset at full resolution: seg (Dice, IoU, mIoU, thresholded Jaccard), cls, or cascade (ROI from --seg, then --cls)')
    .argument('<what>', 'seg, cls or cascade')
    .requiredOption('--data <dir>', 'dataset folder')
    .option('--model <dir>', 'the model to score (seg or cls)')
    .option('--seg <dir>', 'cascade: segmentation model')
    .option('--cls <dir>', 'cascade: classification model')
    .option('--split <file>', 'score only one part of this split file')
    .option('--part <name>', 'train, val or test', 'val')
    .option('--json', 'print the metrics as one JSON object')
    .option('--report <dir>', 'write report.md, metrics.json and charts here')
    .option('--engine <name>', 'onnx or tfjs', 'onnx')
    .option('--tta', 'test-time augmentation: average over the 8 flips/rotations')
    .action(async (what: string, f: EvalFlags) => {
      if (!['seg', 'cls', 'cascade'].includes(what)) throw new Error(`eval: expected seg, cls or cascade, got "${what}"`);
      if (what === 'seg') {
        if (!f.model) throw new Error('eval seg needs --model');
        const dataset = await openDataset(f.data, 'seg');
        const samples = await samplesOf(dataset.samples, f);
        const progress = progressLine(samples.length, !f.json);
        const segmenter = await loadPredictor(f.model, f.engine);
        const { result, worst } = await evaluateSegmenter(samples, segmenter, { tta: f.tta, onProgress: (d) => progress.update(d) });
        progress.clear();
        segmenter.dispose();
        const summary = segSummaryJson(result, segConfidenceIntervals(result));
        if (f.report) await writeSegReport(f.report, result, worst, { title: `Segmentation: ${f.model} on ${f.data}` });
        console.log(f.json ? JSON.stringify(summary) : formatSummary(summary));
        return;
      }
      const clsDir = what === 'cascade' ? f.cls : f.model;
      if (!clsDir) throw new Error(what === 'cascade' ? 'eval cascade needs --seg and --cls' : 'eval cls needs --model');
      if (what === 'cascade' && !f.seg) throw new Error('eval cascade needs --seg and --cls');
      const dataset = await openDataset(f.data, 'cls');
      const samples = await samplesOf(dataset.samples, f);
      const progress = progressLine(samples.length, !f.json);
      const classifier = await loadPredictor(clsDir, f.engine);
      const roiFrom = what === 'cascade' ? await loadPredictor(f.seg!, f.engine) : undefined;
      const { result, worst } = await evaluateClassifier(samples, classifier, { roiFrom, tta: f.tta, onProgress: (d) => progress.update(d) });
      progress.clear();
      classifier.dispose();
      roiFrom?.dispose();
      const summary = clsSummaryJson(result, clsConfidenceIntervals(result));
      if (f.report) await writeClsReport(f.report, result, worst, { title: `Classification (${what}): ${clsDir} on ${f.data}` });
      console.log(f.json ? JSON.stringify(summary) : formatSummary(summary));
    });
}

function formatSummary(summary: object): string {
  const lines = Object.entries(summary)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => `${k.padEnd(20)} ${Number.isInteger(v) ? v : (v as number).toFixed(4)}`);
  return `${lines.join('\n')}\n${RESEARCH_NOTICE}`;
}
