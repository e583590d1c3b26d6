/**
 * `openDataset(path, task)`: find which known layout `path` holds, read it, validate it, and
 * return the samples, or throw a DatasetError listing everything wrong at once.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { DatasetError, ProblemList } from './errors.js';
import {
  findHamImageDirs,
  findHamMetadata,
  findTask3Files,
  isLabelsCsvLayout,
  isOneHotHeader,
  readDxCsv,
  readIsic2018Task3,
  readLabelsCsv,
} from './readers/cls-readers.js';
import { readCsvHeader } from './readers/files.js';
import {
  findIsic2018Task1Subsets,
  isImagesMasksLayout,
  readImagesMasks,
  readIsic2018Task1,
  type Isic2018Subset,
} from './readers/seg-readers.js';
import type { ClsDataset, ClsSample, Dataset, SegDataset, SegSample, Task, ValidationLevel } from './types.js';
import { validateDataset } from './validate.js';
import { unionById } from './union.js';

export interface OpenDatasetOptions {
  /** File checks beyond existence; default 'fast' (header reads only). */
  validate?: ValidationLevel;
  /** ISIC 2018 layouts: which subset to read; default Training, else the only one present. */
  subset?: Isic2018Subset;
  /** HAM10000: image folders to search instead of the HAM10000_images_part_* folders under the root. */
  imageDirs?: string[];
}

const SEG_LAYOUTS = [
  'ISIC 2018 Task 1: ISIC2018_Task1-2_<Training|Validation|Test>_Input/ISIC_*.jpg with ISIC2018_Task1_<...>_GroundTruth/ISIC_*_segmentation.png',
  'images/<id>.jpg with masks/<id>_segmentation.png, optional manifest.csv (id[,group_id])',
];
const CLS_LAYOUTS = [
  'HAM10000: HAM10000_metadata.csv (lesion_id,image_id,dx,...) with HAM10000_images_part_1/ and _part_2/ (or imageDirs)',
  'ISIC 2018 Task 3: one-hot CSV image,MEL,NV,BCC,AKIEC,BKL,DF,VASC (optional lesion groupings CSV image,lesion_id) with ISIC2018_Task3_<Subset>_Input/ or images/',
  'labels.csv (image_id,dx[,lesion_id]) beside images/',
];

/** A folder that holds none of the layouts of a task (as opposed to one that holds a broken dataset). */
export class NoLayoutError extends DatasetError {}

function noLayoutError(path: string, task: Task): DatasetError {
  const layouts = task === 'seg' ? SEG_LAYOUTS : CLS_LAYOUTS;
  const what = task === 'seg' ? 'segmentation' : 'classification';
  return new NoLayoutError(
    `No ${what} dataset layout found in ${path}. Looked for:\n${layouts.map((l, i) => `  ${i + 1}. ${l}`).join('\n')}`,
    [{ file: path, problem: `matches none of the ${layouts.length} ${what} layouts` }],
  );
}

async function readSeg(root: string, opts: OpenDatasetOptions, problems: ProblemList): Promise<SegDataset | null> {
  const subsets = await findIsic2018Task1Subsets(root);
  if (subsets.length > 0) {
    const subset = opts.subset ?? (subsets.includes('Training') ? 'Training' : subsets[0]!);
    if (!subsets.includes(subset)) {
      throw new DatasetError(`ISIC 2018 Task 1 subset ${subset} not found in ${root}`, [
        { file: root, problem: `subsets present: ${subsets.join(', ')}` },
      ]);
    }
    return { task: 'seg', root, format: 'isic2018-task1', samples: await readIsic2018Task1(root, subset, problems) };
  }
  if (await isImagesMasksLayout(root)) {
    return { task: 'seg', root, format: 'images-masks', samples: await readImagesMasks(root, problems) };
  }
  return null;
}

async function hamImageDirs(root: string, opts: OpenDatasetOptions, csvPath: string): Promise<string[]> {
  const dirs = opts.imageDirs?.map((d) => resolve(d)) ?? (await findHamImageDirs(root));
  if (dirs.length === 0) {
    throw new DatasetError(`No image folders for ${csvPath}`, [
      { file: csvPath, problem: `no HAM10000_images_part_* or images/ folder in ${root}; pass imageDirs` },
    ]);
  }
  return dirs;
}

/** A label CSV named directly: its header says which layout it is. */
async function readClsCsv(csvPath: string, opts: OpenDatasetOptions, problems: ProblemList): Promise<ClsDataset | null> {
  const root = dirname(csvPath);
  const header = await readCsvHeader(csvPath);
  if (isOneHotHeader(header)) {
    const task3 = (await findTask3Files(root, opts.subset, csvPath))!;
    if (opts.imageDirs) task3.imageDirs = opts.imageDirs.map((d) => resolve(d));
    return { task: 'cls', root, format: 'isic2018-task3', samples: await readIsic2018Task3(task3, problems) };
  }
  if (header.includes('image_id') && header.includes('dx')) {
    const format = basename(csvPath).startsWith('HAM10000_metadata') ? 'ham10000' : 'labels-csv';
    const imageDirs = await hamImageDirs(root, opts, csvPath);
    return { task: 'cls', root, format, samples: await readDxCsv(csvPath, imageDirs, problems) };
  }
  return null;
}

async function readCls(root: string, opts: OpenDatasetOptions, problems: ProblemList): Promise<ClsDataset | null> {
  const hamMetadata = await findHamMetadata(root);
  if (hamMetadata) {
    const imageDirs = await hamImageDirs(root, opts, hamMetadata);
    return { task: 'cls', root, format: 'ham10000', samples: await readDxCsv(hamMetadata, imageDirs, problems) };
  }
  const task3 = await findTask3Files(root, opts.subset);
  if (task3) {
    if (opts.imageDirs) task3.imageDirs = opts.imageDirs.map((d) => resolve(d));
    return { task: 'cls', root, format: 'isic2018-task3', samples: await readIsic2018Task3(task3, problems) };
  }
  if (await isLabelsCsvLayout(root)) {
    return { task: 'cls', root, format: 'labels-csv', samples: await readLabelsCsv(root, problems) };
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
  const dataset =
    task === 'seg'
      ? await readSeg(absolute, opts, problems)
      : info.isFile()
        ? await readClsCsv(absolute, opts, problems)
        : await readCls(absolute, opts, problems);
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
