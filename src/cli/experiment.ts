import { InvalidArgumentError, type Command } from 'commander';
import { ENCODER_NAMES } from '../models/encoders/index.js';
import { runRoiAblation } from '../experiment/roi-ablation.js';
import { runSegBackbones } from '../experiment/seg-backbones.js';
import { DEFAULT_PATIENCE } from '../experiment/output-folder.js';
import { ORIGINAL_UNET, PAPER_ROI_BACKBONES, PAPER_SEG_BACKBONES } from '../experiment/paper-tables.js';
import type { ExperimentRun } from '../experiment/rows.js';
import { AUGMENT_PRESETS, PAPER_DEFAULTS, type AugmentPreset } from '../train/run.js';
import { choiceOption, floatOption, intOption } from './util.js';
import type { Task } from '../vocabulary.js';

interface ExperimentFlags {
  data: string;
  out: string;
  encoders?: string[];
  inputSize?: number;
  epochs?: number;
  batch?: number;
  lr?: number;
  seed?: number;
  alpha?: number;
  augment?: AugmentPreset;
  patience?: number;
  limit?: number;
  split?: string;
  threads?: number;
  segModel?: string;
  pretrained?: string;
  bnMomentum?: number;
}

/** Parses `--encoders`, refusing an unknown name before any row starts training. */
const encoderList = (allowed: readonly string[]) => (value: string): string[] => {
  const encoders = value.split(',').map((e) => e.trim()).filter((e) => e.length > 0);
  const unknown = encoders.filter((e) => !allowed.includes(e));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown encoder ${unknown.map((e) => `"${e}"`).join(', ')}; choose from ${allowed.join(', ')}`);
  return encoders;
};

/** The options both experiments take: data, output folder, rows and the budget every row shares. */
function withBudgetOptions(cmd: Command, task: Task, defaultEncoders: readonly string[], allowedEncoders: readonly string[]): Command {
  const paper = PAPER_DEFAULTS[task];
  return cmd
    .requiredOption('--out <dir>', 'experiment folder: split.json, one run folder per row, cache/ of resized inputs, results.json, table.md (rerun to resume)')
    .option('--encoders <list>', `comma-separated encoders (default the paper's: ${defaultEncoders.join(',')})`, encoderList(allowedEncoders))
    .option('--input-size <n>', `square input side (default ${paper.inputSize})`, intOption)
    .option('--epochs <n>', `maximum epochs per row (default ${paper.epochs})`, intOption)
    .option('--batch <n>', `batch size (default ${paper.batch})`, intOption)
    .option('--lr <x>', `Adam learning rate (default ${paper.lr})`, floatOption)
    .option('--seed <n>', 'seed for the split, initialisation, shuffling and augmentation (default 1)', intOption)
    .option('--alpha <x>', 'encoder width multiplier for every row (default full width)', floatOption)
    .addOption(choiceOption('--augment <preset>', 'training augmentation of every row (default paper)', AUGMENT_PRESETS))
    .option('--patience <n>', `early stopping: epochs without a lower validation loss (0 = off; default ${DEFAULT_PATIENCE})`, intOption)
    .option('--limit <n>', 'quick run: train on the first n train items of the split and score the first n/4 val items', intOption)
    .option('--split <file>', 'reuse this split file instead of making a grouped-stratified 80/20 one')
    .option('--pretrained <dir>', 'start each encoder from <dir>/<encoder>/ (made by `dermkit weights import`) where it exists')
    .option('--bn-momentum <x>', 'batch-norm momentum for every row (e.g. 0.9 for short fine-tuning)', floatOption)
    .option('--threads <n>', 'ONNX Runtime threads', intOption);
}

function budgetOf(f: ExperimentFlags) {
  return {
    data: f.data, out: f.out, encoders: f.encoders, inputSize: f.inputSize, epochs: f.epochs, batch: f.batch, lr: f.lr, seed: f.seed,
    alpha: f.alpha, augment: f.augment, patience: f.patience, limit: f.limit, split: f.split, threads: f.threads,
    pretrained: f.pretrained, bnMomentum: f.bnMomentum, log: (line: string) => console.error(line),
  };
}

function report(run: ExperimentRun<unknown, object>): void {
  console.log(run.table);
  if (run.failed > 0) {
    console.error(`${run.failed} row(s) failed; rerun the same command to retry them`);
    process.exitCode = 1;
  }
}

export function registerExperiment(program: Command): void {
  const experiment = program
    .command('experiment')
    .description('reproduce the paper\'s comparison tables (Innani et al. 2023): seg-backbones (Table 2), roi-ablation (Table 3)');

  withBudgetOptions(
    experiment
      .command('seg-backbones')
      .description(
        'Table 2: train a U-Net segmenter per encoder on one split with one budget and score Dice and mIoU on the held-out part, ' +
          `beside the paper's numbers ("${ORIGINAL_UNET}" is the original U-Net)`,
      )
      .requiredOption('--data <dir>', 'segmentation dataset folder'),
    'seg',
    PAPER_SEG_BACKBONES.map((r) => r.encoder),
    [ORIGINAL_UNET, ...ENCODER_NAMES],
  ).action(async (f: ExperimentFlags) => report(await runSegBackbones(budgetOf(f))));

  withBudgetOptions(
    experiment
      .command('roi-ablation')
      .description(
        'Table 3: train each classifier backbone on the whole image and on the ROI a segmentation model cuts, and compare ' +
          'accuracy, balanced accuracy and melanoma recall on the held-out part, beside the paper\'s numbers',
      )
      .requiredOption('--data <dir>', 'classification dataset folder')
      .option('--seg-model <dir>', 'segmentation model that cuts the ROIs (default the bundled segmenter)'),
    'cls',
    PAPER_ROI_BACKBONES.map((r) => r.encoder),
    ENCODER_NAMES,
  ).action(async (f: ExperimentFlags) => report(await runRoiAblation({ ...budgetOf(f), segModel: f.segModel })));
}
