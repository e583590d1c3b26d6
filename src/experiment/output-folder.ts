/**
 * An experiment's output folder pins what makes its rows comparable: `experiment.json` records
 * the data, the training budget and the other settings on first use, and `split.json` the one
 * split every row trains and is scored on. A later run into the same folder must use the same
 * settings (it may add or drop rows), so rows finished earlier stay comparable with new ones.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { applySplit, readSplit, splitItems, splitItemsOf, writeSplit, type Split } from '../data/split.js';
import type { ClsSample, Dataset, SegSample } from '../data/types.js';
import { exists } from '../fs.js';
import { PAPER_DEFAULTS, type AugmentPreset } from '../train/run.js';
import type { Task } from '../vocabulary.js';

export type ExperimentName = 'seg-backbones' | 'roi-ablation';

/** The training budget every row of an experiment gets. */
export interface ExperimentBudget {
  inputSize: number;
  epochs: number;
  batch: number;
  lr: number;
  seed: number;
  augment: AugmentPreset;
  /** Early stopping: epochs without a lower validation loss before a row stops (0 = never). */
  patience: number;
  /** Encoder width multiplier; absent = each architecture's full width (or the imported weights'). */
  alpha?: number;
  /** Batch-norm momentum for every row (see `dermkit train --bn-momentum`); absent = Keras's. */
  bnMomentum?: number;
}

export type BudgetOptions = Partial<ExperimentBudget>;

/** What both experiments take besides their own settings. */
export interface ExperimentOptions extends BudgetOptions {
  /** Dataset folder. */
  data: string;
  out: string;
  /** Rows: registry encoder names; default the paper's six. */
  encoders?: readonly string[];
  /** Quick run: the first `limit` train and limit/4 val items of the split. */
  limit?: number;
  /** Split file to reuse instead of making one. */
  split?: string;
  /** Folder with imported ImageNet weights per encoder (`<dir>/<encoder>/`); rows without start from random weights. */
  pretrained?: string;
  threads?: number;
  log?: (line: string) => void;
}

/** Early-stopping patience `dermkit train` uses, kept for experiments so rows match single runs. */
export const DEFAULT_PATIENCE = 5;

/** The paper's protocol for the task (PAPER_DEFAULTS), with whatever the caller overrides. */
export function resolveBudget(task: Task, o: BudgetOptions): ExperimentBudget {
  const paper = PAPER_DEFAULTS[task];
  return {
    inputSize: o.inputSize ?? paper.inputSize,
    epochs: o.epochs ?? paper.epochs,
    batch: o.batch ?? paper.batch,
    lr: o.lr ?? paper.lr,
    seed: o.seed ?? 1,
    augment: o.augment ?? 'paper',
    patience: o.patience ?? DEFAULT_PATIENCE,
    ...(o.alpha !== undefined ? { alpha: o.alpha } : {}),
    ...(o.bnMomentum !== undefined ? { bnMomentum: o.bnMomentum } : {}),
  };
}

export interface ExperimentSettings {
  experiment: ExperimentName;
  /** Dataset folder, absolute. */
  data: string;
  budget: ExperimentBudget;
  /** Train on the first `limit` train items of the split and score the first limit/4 val items. */
  limit?: number;
  /** roi-ablation: the segmentation model that cuts the ROIs, absolute. */
  segModel?: string;
  /** Folder of imported ImageNet weights, one subfolder per encoder, absolute. */
  pretrained?: string;
}

export const SETTINGS_FILE = 'experiment.json';
export const SPLIT_FILE = 'split.json';

export interface ExperimentSplit<S> {
  /** The split file every row trains on and is scored on: split.json, or its --limit subset. */
  file: string;
  split: Split;
  train: S[];
  val: S[];
}

/** "budget.epochs: 15 there, 3 now" for every leaf that differs. */
function differences(before: unknown, now: unknown, at = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (isObject(before) && isObject(now)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(now)])];
    return keys.flatMap((k) => differences(before[k], now[k], at ? `${at}.${k}` : k));
  }
  return before === now ? [] : [`${at}: ${JSON.stringify(before) ?? 'unset'} there, ${JSON.stringify(now) ?? 'unset'} now`];
}

async function checkSettings(out: string, settings: ExperimentSettings): Promise<void> {
  const file = path.join(out, SETTINGS_FILE);
  if (!(await exists(file))) return;
  let recorded: unknown;
  try {
    recorded = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not readable JSON (${(e as Error).message})`);
  }
  const changed = differences(recorded, settings);
  if (changed.length > 0) {
    throw new Error(`${out} holds an experiment run with other settings (${changed.join('; ')}); rerun with the same settings, or use a new --out`);
  }
}

const sameIds = (a: readonly string[] | undefined, b: readonly string[] | undefined) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

/**
 * The experiment's shared split: the one in the folder, else `splitFrom`, else a new
 * grouped-stratified 80/20 one. `made` = not in the folder yet (written once it fits the data).
 */
async function sharedSplit(out: string, dataset: Dataset, seed: number, splitFrom: string | undefined): Promise<{ split: Split; made: boolean }> {
  const file = path.join(out, SPLIT_FILE);
  const given = splitFrom ? await readSplit(splitFrom) : undefined;
  if (await exists(file)) {
    const split = await readSplit(file);
    if (given && !(['train', 'val', 'test'] as const).every((part) => sameIds(split[part], given[part]))) {
      throw new Error(`${splitFrom} is not the split ${file} was made with; rerun without --split, or use a new --out`);
    }
    return { split, made: false };
  }
  return { split: given ?? splitItems(await splitItemsOf(dataset), { method: 'grouped-stratified', valFraction: 0.2, seed }), made: true };
}

/** The first `limit` train and limit/4 (at least one) val ids: a quick run's subset of the split. */
function limitedSplit(split: Split, limit: number): Split {
  return { ...split, train: split.train.slice(0, limit), val: split.val.slice(0, Math.max(1, Math.round(limit / 4))) };
}

/**
 * Check (or record) the settings of the folder, and return the split every row uses. Nothing is
 * written until the split fits the dataset, so a first run that fails on bad input pins nothing.
 */
export async function prepareExperiment<S extends SegSample | ClsSample>(
  out: string,
  settings: ExperimentSettings,
  dataset: Dataset & { samples: readonly S[] },
  splitFrom?: string,
): Promise<ExperimentSplit<S>> {
  if (settings.limit !== undefined && !(Number.isInteger(settings.limit) && settings.limit >= 1)) {
    throw new Error(`--limit must be a positive integer, got ${settings.limit}`);
  }
  await checkSettings(out, settings);
  const shared = await sharedSplit(out, dataset, settings.budget.seed, splitFrom);
  const sharedFile = path.join(out, SPLIT_FILE);
  const split = settings.limit === undefined ? shared.split : limitedSplit(shared.split, settings.limit);
  const file = settings.limit === undefined ? sharedFile : path.join(out, `split-limit-${settings.limit}.json`);
  // The whole split must fit the data, not only a --limit subset of it.
  applySplit(shared.split, dataset.samples, shared.made ? (splitFrom ?? sharedFile) : sharedFile);
  const parts = applySplit(split, dataset.samples, file);
  if (parts.train.length === 0 || parts.val.length === 0) {
    throw new Error(`${file}: the split has ${parts.train.length} train and ${parts.val.length} val items; every row needs both`);
  }
  await mkdir(out, { recursive: true });
  if (shared.made) await writeSplit(sharedFile, shared.split);
  if (file !== sharedFile) await writeSplit(file, split);
  await writeFile(path.join(out, SETTINGS_FILE), `${JSON.stringify(settings, null, 1)}\n`);
  return { file, split, train: parts.train, val: parts.val };
}
