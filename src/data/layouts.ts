/**
 * The dataset layouts dermkit reads, one entry each: how to recognise it (`detect`), how to read
 * it (`read`) and how to describe it when nothing matches. `openDataset` tries the entries of a
 * task in table order; adding a layout is one entry here (and its reader in readers/).
 */
import { basename, dirname, resolve } from 'node:path';
import { DatasetError, type ProblemList } from './errors.js';
import { findHamImageDirs, findHamMetadata, findTask3Files, isLabelsCsvLayout, isOneHotHeader, readDxCsv, readIsic2018Task3, readLabelsCsv } from './readers/cls-readers.js';
import { findIsic2018Task1Subsets, isImagesMasksLayout, readImagesMasks, readIsic2018Task1, type Isic2018Subset } from './readers/seg-readers.js';
import type { ClsFormat, ClsSample, SegFormat, SegSample, Task } from './types.js';

export interface LayoutOptions {
  /** ISIC 2018 layouts: which subset to read; default Training, else the only one present. */
  subset?: Isic2018Subset;
  /** HAM10000: image folders to search instead of the HAM10000_images_part_* folders under the root. */
  imageDirs?: string[];
}

/** What a layout is asked about: a folder, or (classification) a label CSV named directly, with its header. */
export interface LayoutTarget {
  path: string;
  csvHeader?: string[];
}

interface SamplesOf { seg: SegSample; cls: ClsSample }
interface FormatOf { seg: Exclude<SegFormat, 'union'>; cls: Exclude<ClsFormat, 'union'> }

export interface DatasetLayout<T extends Task = Task, Found = unknown> {
  format: FormatOf[T];
  task: T;
  describe: string;
  /** What `read` needs when the target holds this layout, else null. */
  detect(target: LayoutTarget, opts: LayoutOptions): Promise<Found | null>;
  read(found: Found, problems: ProblemList): Promise<SamplesOf[T][]>;
}

/** Erases an entry's own `Found` type so entries of every layout sit in one table. */
function layout<T extends Task, Found>(entry: DatasetLayout<T, Found>): DatasetLayout<T> {
  return entry as unknown as DatasetLayout<T>;
}

async function hamImageDirs(csvPath: string, opts: LayoutOptions): Promise<string[]> {
  const root = dirname(csvPath);
  const dirs = opts.imageDirs?.map((d) => resolve(d)) ?? (await findHamImageDirs(root));
  if (dirs.length === 0) {
    throw new DatasetError(`No image folders for ${csvPath}`, [
      { file: csvPath, problem: `no HAM10000_images_part_* or images/ folder in ${root}; pass imageDirs` },
    ]);
  }
  return dirs;
}

const isDxHeader = (header: string[]) => header.includes('image_id') && header.includes('dx');

export const DATASET_LAYOUTS: readonly DatasetLayout[] = [
  layout({
    format: 'isic2018-task1',
    task: 'seg',
    describe: 'ISIC 2018 Task 1: ISIC2018_Task1-2_<Training|Validation|Test>_Input/ISIC_*.jpg with ISIC2018_Task1_<...>_GroundTruth/ISIC_*_segmentation.png',
    async detect({ path, csvHeader }, opts) {
      const subsets = csvHeader ? [] : await findIsic2018Task1Subsets(path);
      if (subsets.length === 0) return null;
      const subset = opts.subset ?? (subsets.includes('Training') ? 'Training' : subsets[0]!);
      if (!subsets.includes(subset)) {
        throw new DatasetError(`ISIC 2018 Task 1 subset ${subset} not found in ${path}`, [{ file: path, problem: `subsets present: ${subsets.join(', ')}` }]);
      }
      return { root: path, subset };
    },
    read: ({ root, subset }, problems) => readIsic2018Task1(root, subset, problems),
  }),
  layout({
    format: 'images-masks',
    task: 'seg',
    describe: 'images/<id>.jpg with masks/<id>_segmentation.png, optional manifest.csv (id[,group_id])',
    detect: async ({ path, csvHeader }) => (!csvHeader && (await isImagesMasksLayout(path)) ? path : null),
    read: (root, problems) => readImagesMasks(root, problems),
  }),
  layout({
    format: 'ham10000',
    task: 'cls',
    describe: 'HAM10000: HAM10000_metadata.csv (lesion_id,image_id,dx,...) with HAM10000_images_part_1/ and _part_2/ (or imageDirs)',
    async detect({ path, csvHeader }, opts) {
      const csv = csvHeader ? (basename(path).startsWith('HAM10000_metadata') && isDxHeader(csvHeader) ? path : null) : await findHamMetadata(path);
      return csv ? { csv, imageDirs: await hamImageDirs(csv, opts) } : null;
    },
    read: ({ csv, imageDirs }, problems) => readDxCsv(csv, imageDirs, problems),
  }),
  layout({
    format: 'isic2018-task3',
    task: 'cls',
    describe: 'ISIC 2018 Task 3: one-hot CSV image,MEL,NV,BCC,AKIEC,BKL,DF,VASC (optional lesion groupings CSV image,lesion_id) with ISIC2018_Task3_<Subset>_Input/ or images/',
    async detect({ path, csvHeader }, opts) {
      if (csvHeader && !isOneHotHeader(csvHeader)) return null;
      const files = csvHeader ? await findTask3Files(dirname(path), opts.subset, path) : await findTask3Files(path, opts.subset);
      if (files && opts.imageDirs) files.imageDirs = opts.imageDirs.map((d) => resolve(d));
      return files;
    },
    read: (files, problems) => readIsic2018Task3(files, problems),
  }),
  layout({
    format: 'labels-csv',
    task: 'cls',
    describe: 'labels.csv (image_id,dx[,lesion_id]) beside images/ (and masks/<id>_segmentation.png for lesion views), or any image_id,dx CSV named directly',
    async detect({ path, csvHeader }, opts): Promise<{ csv: string; imageDirs: string[] } | { root: string } | null> {
      if (csvHeader) return isDxHeader(csvHeader) ? { csv: path, imageDirs: await hamImageDirs(path, opts) } : null;
      return (await isLabelsCsvLayout(path)) ? { root: path } : null;
    },
    read: (found, problems) => ('root' in found ? readLabelsCsv(found.root, problems) : readDxCsv(found.csv, found.imageDirs, problems)),
  }),
];

export function layoutsFor(task: Task): readonly DatasetLayout[] {
  return DATASET_LAYOUTS.filter((l) => l.task === task);
}
