/**
 * `openDataset(path, task)`: find which known layout `path` holds, read it, validate it, and
 * return the samples, or throw a DatasetError listing everything wrong at once.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DatasetError, ProblemList } from './errors.js';
import { layoutsFor, type LayoutOptions, type LayoutTarget } from './layouts.js';
import { readCsvHeader } from './readers/files.js';
import type { ClsDataset, ClsSample, Dataset, SegDataset, SegSample, Task, ValidationLevel } from './types.js';
import { validateDataset } from './validate.js';
import { unionById } from './union.js';

export interface OpenDatasetOptions extends LayoutOptions {
  /** File checks beyond existence; default 'fast' (header reads only). */
  validate?: ValidationLevel;
}

/** A folder that holds none of the layouts of a task (as opposed to one that holds a broken dataset). */
export class NoLayoutError extends DatasetError {}

function noLayoutError(path: string, task: Task): DatasetError {
  const layouts = layoutsFor(task).map((l) => l.describe);
  const what = task === 'seg' ? 'segmentation' : 'classification';
  return new NoLayoutError(
    `No ${what} dataset layout found in ${path}. Looked for:\n${layouts.map((l, i) => `  ${i + 1}. ${l}`).join('\n')}`,
    [{ file: path, problem: `matches none of the ${layouts.length} ${what} layouts` }],
  );
}

/** The first layout of the task (in the table's order) that recognises the target, read. */
async function readLayout(target: LayoutTarget, task: Task, opts: OpenDatasetOptions, problems: ProblemList): Promise<Dataset | null> {
  for (const layout of layoutsFor(task)) {
    const found = await layout.detect(target, opts);
    if (found === null) continue;
    const samples = await layout.read(found, problems);
    return { task, root: target.csvHeader ? resolve(target.path, '..') : target.path, format: layout.format, samples } as Dataset;
  }
  return null;
}

/**
 * Opens a dataset folder, or for classification a label CSV directly (HAM10000_metadata.csv,
 * a Task 3 one-hot CSV, any image_id,dx CSV; images then come from `imageDirs` or the folders
 * beside it). Throws a DatasetError listing
 * every problem found (missing images or masks, unknown classes, duplicate ids, mask/image size
 * mismatches, non-binary masks with `validate: 'full'`), or naming the layouts it looked for.
 */
export async function openDataset(path: string, task: 'seg', opts?: OpenDatasetOptions): Promise<SegDataset>;
export async function openDataset(path: string, task: 'cls', opts?: OpenDatasetOptions): Promise<ClsDataset>;
export async function openDataset(path: string, task: Task, opts?: OpenDatasetOptions): Promise<Dataset>;
export async function openDataset(path: string, task: Task, opts: OpenDatasetOptions = {}): Promise<Dataset> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => null);
  if (!info) throw new DatasetError(`Dataset path not found`, [{ file: absolute, problem: 'does not exist' }]);
  if (info.isFile() && task === 'seg') {
    throw new DatasetError(`Expected a dataset folder`, [{ file: absolute, problem: 'is a file; pass the folder holding images/ and masks/' }]);
  }

  const problems = new ProblemList();
  const target: LayoutTarget = info.isFile() ? { path: absolute, csvHeader: await readCsvHeader(absolute) } : { path: absolute };
  const dataset = await readLayout(target, task, opts, problems);
  if (!dataset) throw noLayoutError(absolute, task);
  problems.throwIfAny(`Invalid ${dataset.format} dataset at ${absolute}`);
  if (dataset.samples.length === 0) {
    throw new DatasetError(`Empty ${dataset.format} dataset at ${absolute}`, [{ file: absolute, problem: 'no samples found' }]);
  }
  await validateDataset(dataset, opts.validate ?? 'fast', problems);
  problems.throwIfAny(`Invalid ${dataset.format} dataset at ${absolute}`);
  return dataset;
}

/**
 * One dataset from one folder, or the union of several (`--data a --data b`): samples by id, the
 * first folder's copy of an image kept, lesion groups merged across folders (src/data/union.ts).
 */
export async function openDatasets(paths: string | readonly string[], task: 'seg', opts?: OpenDatasetOptions): Promise<SegDataset>;
export async function openDatasets(paths: string | readonly string[], task: 'cls', opts?: OpenDatasetOptions): Promise<ClsDataset>;
export async function openDatasets(paths: string | readonly string[], task: Task, opts?: OpenDatasetOptions): Promise<Dataset>;
export async function openDatasets(paths: string | readonly string[], task: Task, opts: OpenDatasetOptions = {}): Promise<Dataset> {
  const list = typeof paths === 'string' ? [paths] : paths;
  if (list.length === 0) throw new Error('no dataset folder given');
  if (list.length === 1) return openDataset(list[0]!, task, opts);
  const parts: Dataset[] = [];
  for (const p of list) parts.push(await openDataset(p, task, opts));
  const root = parts.map((d) => d.root).join(' + ');
  return task === 'seg'
    ? { task, root, format: 'union', samples: unionById(parts.map((d) => d.samples as SegSample[])) }
    : { task, root, format: 'union', samples: unionById(parts.map((d) => d.samples as ClsSample[])) };
}
