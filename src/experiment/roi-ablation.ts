/**
 * `dermkit experiment roi-ablation`: the paper's Table 3. Each classifier backbone is trained twice
 * on the same split and budget: on the whole image, and on the lesion ROI a segmentation model
 * cuts (the paper's cascade). The whole-image classifier is scored on whole images, the ROI
 * classifier on ROIs cut by the same segmentation model, both on the validation part.
 */
import path from 'node:path';
import { openDataset } from '../data/open.js';
import type { ClsSample } from '../data/types.js';
import { evaluateClassifier } from '../eval/dataset-eval.js';
import { clsConfidenceIntervals, clsSummaryJson, type ClsSummaryJson } from '../eval/summary.js';
import { getEncoder } from '../models/encoders/index.js';
import { readModelConfig } from '../models/io.js';
import { DEFAULT_SEGMENTER_DIR } from '../pipeline/defaults.js';
import { loadPredictor } from '../pipeline/predictor.js';
import { BEST_DIR } from '../train/fit.js';
import { trainRun } from '../train/run.js';
import { reportNotes } from './notes.js';
import { pretrainedFor, initialisationNote } from './pretrained.js';
import { prepareExperiment, resolveBudget, type ExperimentOptions, type ExperimentBudget, type ExperimentSettings } from './output-folder.js';
import { PAPER, PAPER_ROI_BACKBONES, PAPER_ROI_FINDING, paperLabel } from './paper-tables.js';
import {
  finishExperiment, hasCheckpoint, runRows, savedParameterCount, splitSummary, trainingFacts, trainingLogger, uniqueEncoders,
  type ExperimentReport, type ExperimentRun, type Row, type RowOutcome, type TrainingFacts,
} from './rows.js';
import { markdownTable, paperNumber, percent, pointsDifference, MISSING } from './table.js';

/** `data` is a classification dataset. */
export interface RoiAblationOptions extends ExperimentOptions {
  /** Segmentation model that cuts the ROIs; default the bundled segmenter. */
  segModel?: string;
}

export type ClassifierInput = 'image' | 'roi';

/** What a roi-ablation row is, in results.json whether it finished or failed. */
export interface RoiRowDescription {
  encoder: string;
  input: ClassifierInput;
}

export interface RoiAblationResult extends TrainingFacts {
  name: string;
  encoder: string;
  input: ClassifierInput;
  params: number;
  /** Imported ImageNet weights the encoder started from. */
  pretrained?: string;
  /** Scored on the validation part: whole images, or ROIs cut by the experiment's segmentation model. */
  metrics: ClsSummaryJson;
}

export type RoiAblationReport = ExperimentReport<RoiAblationResult, RoiRowDescription>;

export const ROI_ABLATION_REPRODUCES = `${PAPER}, Table 3: classification accuracy with and without the segmentation ROI`;

/** The class whose recall the table shows: melanoma, the class a missed case costs most. */
const MELANOMA = 'mel';

export const roiRowName = (encoder: string, input: ClassifierInput) => `${encoder}-${input}`;

function roiRow(
  encoder: string, input: ClassifierInput, budget: ExperimentBudget, o: RoiAblationOptions & { segModel: string },
  splitFile: string, val: readonly ClsSample[], log: (line: string) => void,
): Row<RoiAblationResult, RoiRowDescription> {
  const name = roiRowName(encoder, input);
  return {
    name,
    describe: { encoder, input },
    async run(dir) {
      // Fails the row before anything is written for a name the registry does not know.
      getEncoder(encoder);
      const pretrained = await pretrainedFor(o.pretrained, encoder);
      await trainRun({
        task: 'cls', data: o.data, out: dir, encoder, inputSize: budget.inputSize, alpha: budget.alpha, epochs: budget.epochs,
        batch: budget.batch, lr: budget.lr, patience: budget.patience, seed: budget.seed, augment: budget.augment, split: splitFile,
        // One ROI cache for every backbone: each image's ROI is cut once per experiment.
        roiFrom: input === 'roi' ? o.segModel : undefined, roiCacheDir: path.join(o.out, 'roi-cache'), cacheDir: path.join(o.out, 'cache'), threads: o.threads,
        resume: await hasCheckpoint(dir), pretrained, bnMomentum: budget.bnMomentum, ...trainingLogger(name, log),
      });
      const best = path.join(dir, BEST_DIR);
      const classifier = await loadPredictor(best, 'onnx', o.threads);
      const roiFrom = input === 'roi' ? await loadPredictor(o.segModel, 'onnx', o.threads) : undefined;
      let metrics: ClsSummaryJson;
      try {
        log(`${name}: scoring ${val.length} val ${input === 'roi' ? 'ROIs' : 'images'}`);
        const { result } = await evaluateClassifier(val, classifier, { segmenter: roiFrom });
        metrics = clsSummaryJson(result, clsConfidenceIntervals(result));
      } finally {
        classifier.dispose();
        roiFrom?.dispose();
      }
      return { name, encoder, input, ...(pretrained ? { pretrained } : {}), params: await savedParameterCount(best), ...(await trainingFacts(dir)), metrics };
    },
  };
}

type RoiOutcome = RowOutcome<RoiAblationResult, RoiRowDescription>;

/** Melanoma recall, or null where the val part holds no melanoma (or the classifier has no such class). */
function melanomaRecall(metrics: ClsSummaryJson): number | null {
  const report = metrics.perClass[MELANOMA];
  return report && report.support > 0 ? report.recall : null;
}

export function roiAblationTable(report: RoiAblationReport): string {
  const right = 'right' as const;
  const columns = [
    { header: 'Backbone' },
    { header: 'Acc. % w/o ROI', align: right }, { header: 'Acc. % with ROI', align: right }, { header: 'Δ (points)', align: right },
    { header: 'Bal. acc. % w/o', align: right }, { header: 'Bal. acc. % with', align: right },
    { header: 'Mel. recall % w/o', align: right }, { header: 'Mel. recall % with', align: right },
    { header: 'Paper acc. % w/o', align: right }, { header: 'Paper acc. % with', align: right },
  ];
  const encoders = [...new Set(report.rows.map((r) => r.encoder))];
  const rows = encoders.map((encoder) => {
    const find = (input: ClassifierInput) => report.rows.find((r) => r.encoder === encoder && r.input === input);
    const metricsOf = (outcome: RoiOutcome | undefined) => (outcome?.status === 'done' ? outcome.result.metrics : undefined);
    const image = find('image');
    const roi = find('roi');
    const cell = (outcome: RoiOutcome | undefined, value: (m: ClsSummaryJson) => number | null) => {
      if (outcome?.status === 'failed') return 'failed';
      const m = metricsOf(outcome);
      return m ? percent(value(m)) : MISSING;
    };
    const paper = PAPER_ROI_BACKBONES.find((r) => r.encoder === encoder);
    return [
      paperLabel(PAPER_ROI_BACKBONES, encoder),
      cell(image, (m) => m.accuracy), cell(roi, (m) => m.accuracy), pointsDifference(metricsOf(image)?.accuracy, metricsOf(roi)?.accuracy),
      cell(image, (m) => m.balancedAccuracy), cell(roi, (m) => m.balancedAccuracy),
      cell(image, melanomaRecall), cell(roi, melanomaRecall),
      paperNumber(paper?.accuracyImage), paperNumber(paper?.accuracyRoi),
    ];
  });
  const notes = [
    `ROIs cut by the segmentation model ${report.settings.segModel}, at training and at scoring. "w/o": trained and scored on whole images.`,
    'Accuracy, balanced accuracy (mean per-class recall) and melanoma recall on the val images; 95 % grouped-bootstrap intervals are in results.json. Δ = with − w/o.',
    `Paper numbers: only those we have are shown; "—" marks a number we do not have. ${PAPER_ROI_FINDING}`,
    initialisationNote(report.rows),
  ];
  return `## ${ROI_ABLATION_REPRODUCES}\n\n${markdownTable(columns, rows)}\n\n${reportNotes(report, notes)}`;
}

export async function runRoiAblation(o: RoiAblationOptions): Promise<ExperimentRun<RoiAblationResult, RoiRowDescription>> {
  const log = o.log ?? (() => undefined);
  const encoders = uniqueEncoders(o.encoders ?? PAPER_ROI_BACKBONES.map((r) => r.encoder));
  const segModel = path.resolve(o.segModel ?? DEFAULT_SEGMENTER_DIR);
  const segConfig = await readModelConfig(segModel);
  if (segConfig.kind !== 'segmenter') throw new Error(`${segModel}: --seg-model must be a segmentation model, this one is a ${segConfig.kind}`);
  const budget = resolveBudget('cls', o);
  const dataset = await openDataset(o.data, 'cls');
  const settings: ExperimentSettings = {
    experiment: 'roi-ablation', data: dataset.root, budget, ...(o.limit !== undefined ? { limit: o.limit } : {}), segModel,
    ...(o.pretrained ? { pretrained: path.resolve(o.pretrained) } : {}),
  };
  const split = await prepareExperiment<ClsSample>(o.out, settings, dataset, o.split);
  log(`roi-ablation: ${encoders.length} backbones x (image, roi), ${split.train.length} train / ${split.val.length} val (${split.file}); ROIs by ${segModel}`);
  const rows = encoders.flatMap((e) => (['image', 'roi'] as const).map((input) => roiRow(e, input, budget, { ...o, segModel }, split.file, split.val, log)));
  const report: RoiAblationReport = {
    experiment: 'roi-ablation', reproduces: ROI_ABLATION_REPRODUCES, settings, split: splitSummary(o.out, split), rows: await runRows(o.out, rows, log),
  };
  return finishExperiment(o.out, report, roiAblationTable(report));
}
