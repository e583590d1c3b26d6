/**
 * `dermkit experiment seg-backbones`: the paper's Table 2. One U-Net segmenter per encoder (the
 * original U-Net included), all trained on the same split with the same budget, each scored on the
 * validation part at full resolution (Dice and mIoU with grouped-bootstrap 95 % intervals).
 */
import path from 'node:path';
import { openDataset } from '../data/open.js';
import type { SegSample } from '../data/types.js';
import { evaluateSegmenter } from '../eval/dataset-eval.js';
import { segConfidenceIntervals, segSummaryJson, type SegSummaryJson } from '../eval/summary.js';
import { getEncoder } from '../models/encoders/index.js';
import type { SegmenterArch } from '../models/registry.js';
import { loadPredictor } from '../pipeline/predictor.js';
import { BEST_DIR } from '../train/fit.js';
import { trainRun } from '../train/run.js';
import { formatDuration } from '../format.js';
import { reportNotes } from './notes.js';
import { pretrainedFor, initialisationNote } from './pretrained.js';
import { prepareExperiment, resolveBudget, type ExperimentOptions, type ExperimentBudget, type ExperimentSettings } from './output-folder.js';
import { ORIGINAL_UNET, PAPER, PAPER_SEG_BACKBONES, paperLabel } from './paper-tables.js';
import {
  finishExperiment, hasCheckpoint, runRows, savedParameterCount, splitSummary, trainingFacts, trainingLogger, uniqueEncoders,
  type ExperimentReport, type ExperimentRun, type Row, type TrainingFacts,
} from './rows.js';
import { markdownTable, paperNumber, parameterCount, percent, percentWithCi, MISSING } from './table.js';

/** `data` is a segmentation dataset; `encoders` may include `unet-original`. */
export type SegBackbonesOptions = ExperimentOptions;

export interface SegBackboneResult extends TrainingFacts {
  name: string;
  encoder: string;
  arch: SegmenterArch;
  params: number;
  /** Imported ImageNet weights the encoder started from. */
  pretrained?: string;
  /** Scored on the validation part at full resolution. */
  metrics: SegSummaryJson;
}

/** What a seg-backbones row is, in results.json whether it finished or failed. */
export interface SegRowDescription {
  encoder: string;
}

export type SegBackbonesReport = ExperimentReport<SegBackboneResult, SegRowDescription>;

export const SEG_BACKBONES_REPRODUCES = `${PAPER}, Table 2: U-Net segmentation by encoder (Dice, mIoU)`;

export const segRowName = (encoder: string) => (encoder === ORIGINAL_UNET ? ORIGINAL_UNET : `unet-${encoder}`);

function segRow(encoder: string, budget: ExperimentBudget, o: SegBackbonesOptions, splitFile: string, val: readonly SegSample[], log: (line: string) => void): Row<SegBackboneResult, SegRowDescription> {
  const name = segRowName(encoder);
  const arch: SegmenterArch = encoder === ORIGINAL_UNET ? 'unet-original' : 'unet';
  return {
    name,
    describe: { encoder },
    async run(dir) {
      // Fails the row before anything is written for a name the registry does not know.
      if (arch === 'unet') getEncoder(encoder);
      const pretrained = arch === 'unet' ? await pretrainedFor(o.pretrained, encoder) : undefined;
      await trainRun({
        task: 'seg', data: o.data, out: dir, arch, encoder: arch === 'unet' ? encoder : 'none',
        inputSize: budget.inputSize, alpha: budget.alpha, epochs: budget.epochs, batch: budget.batch, lr: budget.lr,
        patience: budget.patience, seed: budget.seed, augment: budget.augment, split: splitFile,
        cacheDir: path.join(o.out, 'cache'), threads: o.threads, resume: await hasCheckpoint(dir), pretrained, bnMomentum: budget.bnMomentum,
        ...trainingLogger(name, log),
      });
      const best = path.join(dir, BEST_DIR);
      const segmenter = await loadPredictor(best, 'onnx', o.threads);
      let metrics: SegSummaryJson;
      try {
        log(`${name}: scoring ${val.length} val images at full resolution`);
        const { result } = await evaluateSegmenter(val, segmenter);
        metrics = segSummaryJson(result, segConfidenceIntervals(result));
      } finally {
        segmenter.dispose();
      }
      return { name, encoder, arch, ...(pretrained ? { pretrained } : {}), params: await savedParameterCount(best), ...(await trainingFacts(dir)), metrics };
    },
  };
}

export function segBackbonesTable(report: SegBackbonesReport): string {
  const columns = [
    { header: 'Encoder' }, { header: 'Params', align: 'right' as const },
    { header: 'Dice % (ours, 95 % CI)', align: 'right' as const }, { header: 'mIoU % (ours)', align: 'right' as const },
    { header: 'Dice % (paper)', align: 'right' as const }, { header: 'mIoU % (paper)', align: 'right' as const },
    { header: 'Train wall time', align: 'right' as const },
  ];
  const rows = report.rows.map((outcome) => {
    const paper = PAPER_SEG_BACKBONES.find((r) => r.encoder === outcome.encoder);
    const label = paperLabel(PAPER_SEG_BACKBONES, outcome.encoder);
    if (outcome.status === 'failed') return [label, MISSING, 'failed', MISSING, paperNumber(paper?.dice), paperNumber(paper?.miou), MISSING];
    const { metrics, params, trainSeconds } = outcome.result;
    return [label, parameterCount(params), percentWithCi(metrics.dice, metrics.ci?.dice), percent(metrics.miou), paperNumber(paper?.dice), paperNumber(paper?.miou), formatDuration(trainSeconds)];
  });
  const notes = [
    'Dice and mIoU (mean of lesion and background IoU) are per-image means over the val images, scored at each image\'s full resolution; intervals are 95 % grouped bootstrap.',
    'Paper numbers: only those we have are shown; "—" marks a number we do not have.',
    initialisationNote(report.rows),
  ];
  return `## ${SEG_BACKBONES_REPRODUCES}\n\n${markdownTable(columns, rows)}\n\n${reportNotes(report, notes)}`;
}

export async function runSegBackbones(o: SegBackbonesOptions): Promise<ExperimentRun<SegBackboneResult, SegRowDescription>> {
  const log = o.log ?? (() => undefined);
  const encoders = uniqueEncoders(o.encoders ?? PAPER_SEG_BACKBONES.map((r) => r.encoder));
  const budget = resolveBudget('seg', o);
  const dataset = await openDataset(o.data, 'seg');
  const settings: ExperimentSettings = {
    experiment: 'seg-backbones', data: dataset.root, budget, ...(o.limit !== undefined ? { limit: o.limit } : {}),
    ...(o.pretrained ? { pretrained: path.resolve(o.pretrained) } : {}),
  };
  const split = await prepareExperiment<SegSample>(o.out, settings, dataset, o.split);
  log(`seg-backbones: ${encoders.length} encoders, ${split.train.length} train / ${split.val.length} val (${split.file})`);
  const rows = encoders.map((e) => segRow(e, budget, o, split.file, split.val, log));
  const report: SegBackbonesReport = {
    experiment: 'seg-backbones', reproduces: SEG_BACKBONES_REPRODUCES, settings, split: splitSummary(o.out, split), rows: await runRows(o.out, rows, log),
  };
  return finishExperiment(o.out, report, segBackbonesTable(report));
}
