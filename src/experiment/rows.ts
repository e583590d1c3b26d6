/**
 * The row loop both experiments share. A row is one training run in `<out>/<row>/`; it is done
 * once its `result.json` exists (written atomically after scoring), so a rerun skips it. A row
 * whose training was cut short resumes from its last checkpoint; a row that fails is recorded
 * with its error and the loop goes on with the next one. Failed rows are retried on a rerun.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LAST_DIR, LOG_FILE, type EpochRecord } from '../train/fit.js';
import type { TrainRunOptions } from '../train/run.js';
import { TOPOLOGY_FILE } from '../models/io.js';
import { exists } from '../fs.js';
import type { ExperimentName, ExperimentSettings, ExperimentSplit } from './output-folder.js';

export const RESULT_FILE = 'result.json';
export const RESULTS_FILE = 'results.json';
export const TABLE_FILE = 'table.md';

/** `D` says what the row is (its encoder, ...); it is copied into the row's outcome, done or failed. */
export interface Row<R, D extends object> {
  /** Folder name of the row's run under the experiment's output folder. */
  name: string;
  describe: D;
  /** Train (or resume) the row's model in `dir` and score it. */
  run(dir: string): Promise<R>;
}

export type RowOutcome<R, D extends object = object> = { name: string } & D & ({ status: 'done'; result: R } | { status: 'failed'; error: string });

/** The encoders to run, each once; an empty or repeating list is a usage error, not a failed row. */
export function uniqueEncoders(encoders: readonly string[]): string[] {
  const repeated = encoders.filter((e, i) => encoders.indexOf(e) !== i);
  if (repeated.length > 0) throw new Error(`encoder listed twice: ${[...new Set(repeated)].join(', ')}`);
  if (encoders.length === 0) throw new Error('no encoders to run');
  return [...encoders];
}

/** Row names become folder names: no separators, no leading dot. */
const ROW_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

async function readResult<R>(file: string): Promise<R | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  try {
    return JSON.parse(text) as R;
  } catch (e) {
    throw new Error(`${file}: not readable JSON (${(e as Error).message}); delete it to rerun the row`);
  }
}

async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(value, null, 1)}\n`);
  await rename(tmp, file);
}

export async function runRows<R, D extends object>(out: string, rows: readonly Row<R, D>[], log: (line: string) => void): Promise<RowOutcome<R, D>[]> {
  const outcomes: RowOutcome<R, D>[] = [];
  for (const [i, row] of rows.entries()) {
    const tag = `[${i + 1}/${rows.length}] ${row.name}`;
    try {
      if (!ROW_NAME.test(row.name)) throw new Error(`"${row.name}" cannot name a run folder (letters, digits, ".", "_" and "-" only)`);
      const dir = path.join(out, row.name);
      const resultFile = path.join(dir, RESULT_FILE);
      const earlier = await readResult<R>(resultFile);
      if (earlier) {
        log(`${tag}: finished earlier (${resultFile}), skipped`);
        outcomes.push({ name: row.name, ...row.describe, status: 'done', result: earlier });
        continue;
      }
      log(`${tag}: training`);
      const result = await row.run(dir);
      await writeJsonAtomic(resultFile, result);
      log(`${tag}: done`);
      outcomes.push({ name: row.name, ...row.describe, status: 'done', result });
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      log(`${tag}: failed: ${error}`);
      outcomes.push({ name: row.name, ...row.describe, status: 'failed', error });
    }
  }
  return outcomes;
}

/** Whether a row's training left a checkpoint to resume from. */
export function hasCheckpoint(runDir: string): Promise<boolean> {
  return exists(path.join(runDir, LAST_DIR));
}

/** trainRun's log and per-epoch lines, prefixed with the row's name. */
export function trainingLogger(row: string, log: (line: string) => void): Pick<TrainRunOptions, 'log' | 'onEpoch'> {
  return {
    log: (line) => log(`${row}: ${line}`),
    onEpoch: (r) => {
      const metrics = Object.entries(r.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' ');
      log(`${row}: epoch ${r.epoch}: train loss ${r.trainLoss.toFixed(4)} val loss ${r.valLoss.toFixed(4)} ${metrics} (${r.seconds.toFixed(1)} s)${r.best ? ' *best' : ''}`);
    },
  };
}

/** What a row's training log says: epochs run, the best one, and the training wall time. */
export interface TrainingFacts {
  epochs: number;
  /** Epoch whose weights (`best/`) were scored; null when none improved on the start. */
  bestEpoch: number | null;
  /** Seconds spent in epochs (training and per-epoch validation), summed over resumed sessions. */
  trainSeconds: number;
}

export async function trainingFacts(runDir: string): Promise<TrainingFacts> {
  const file = path.join(runDir, LOG_FILE);
  const records = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim()).map((l, i) => {
    try {
      return JSON.parse(l) as EpochRecord;
    } catch {
      throw new Error(`${file}: line ${i + 1} is not JSON`);
    }
  });
  return {
    epochs: records.length,
    bestEpoch: records.filter((r) => r.best).at(-1)?.epoch ?? null,
    trainSeconds: records.reduce((s, r) => s + r.seconds, 0),
  };
}

/** Weights a saved model holds (trainable and not, as Keras's count_params), read from its manifest. */
export async function savedParameterCount(modelDir: string): Promise<number> {
  const file = path.join(modelDir, TOPOLOGY_FILE);
  const topology = JSON.parse(await readFile(file, 'utf8')) as { weightsManifest?: { weights: { shape: number[] }[] }[] };
  if (!topology.weightsManifest) throw new Error(`${file}: no weightsManifest`);
  return topology.weightsManifest.flatMap((group) => group.weights).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
}

export interface SplitSummary {
  /** Relative to the experiment's folder. */
  file: string;
  method: string;
  seed: number;
  valFraction: number;
  train: number;
  val: number;
}

/** What results.json holds. */
export interface ExperimentReport<R, D extends object = object> {
  experiment: ExperimentName;
  reproduces: string;
  settings: ExperimentSettings;
  split: SplitSummary;
  rows: RowOutcome<R, D>[];
}

export interface ExperimentRun<R, D extends object> {
  report: ExperimentReport<R, D>;
  /** The Markdown table with its notes (also written to table.md). */
  table: string;
  /** Rows that failed (the command exits non-zero when any did). */
  failed: number;
}

export function splitSummary(out: string, s: ExperimentSplit<unknown>): SplitSummary {
  return { file: path.relative(out, s.file), method: s.split.method, seed: s.split.seed, valFraction: s.split.valFraction, train: s.train.length, val: s.val.length };
}

/** Write results.json and table.md, and say how many rows failed. */
export async function finishExperiment<R, D extends object>(out: string, report: ExperimentReport<R, D>, table: string): Promise<ExperimentRun<R, D>> {
  await writeJsonAtomic(path.join(out, RESULTS_FILE), report);
  await writeFile(path.join(out, TABLE_FILE), `${table}\n`);
  return { report, table, failed: report.rows.filter((r) => r.status === 'failed').length };
}
