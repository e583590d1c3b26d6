/**
 * Classification layouts:
 * - HAM10000: `HAM10000_metadata.csv` (lesion_id, image_id, dx, ...) with images in
 *   `HAM10000_images_part_1/`, `HAM10000_images_part_2/` (any case; or folders given explicitly).
 * - ISIC 2018 Task 3: one-hot ground truth `image,MEL,NV,BCC,AKIEC,BKL,DF,VASC` (e.g.
 *   `ISIC2018_Task3_Training_GroundTruth/ISIC2018_Task3_Training_GroundTruth.csv`), images in
 *   `ISIC2018_Task3_<Subset>_Input/`, optional lesion groupings CSV (`image,lesion_id,...`).
 * - labels.csv: `image_id,dx[,lesion_id,...]` beside `images/`.
 */
import { basename, dirname, join } from 'node:path';
import { HAM_CLASSES, type HamClass } from '../../models/config.js';
import { readCsvTable } from '../csv.js';
import type { ProblemList } from '../errors.js';
import type { ClsSample } from '../types.js';
import { indexImages, isDirectory, isFile, listDir, readCsvHeader } from './files.js';
import { segmentationMaskId, type Isic2018Subset } from './seg-readers.js';

export function parseHamClass(text: string): HamClass | null {
  const lower = text.trim().toLowerCase();
  return (HAM_CLASSES as readonly string[]).includes(lower) ? (lower as HamClass) : null;
}

interface LabelRow {
  /** `file:line` of the row, for messages. */
  where: string;
  id: string;
  dx: string;
  groupId: string;
}

/**
 * Turns label rows into samples: every row needs an image, a known class and an id not seen before.
 * Images without a row are left out silently (HAM10000 folders hold more images than a subset lists).
 */
function labelledSamples(
  rows: LabelRow[],
  images: Map<string, string>,
  imageDirs: readonly string[],
  problems: ProblemList,
): ClsSample[] {
  const samples: ClsSample[] = [];
  const firstSeen = new Map<string, string>();
  for (const row of rows) {
    if (row.id === '') {
      problems.add(row.where, 'empty image id');
      continue;
    }
    const earlier = firstSeen.get(row.id);
    if (earlier) {
      problems.add(row.where, `duplicate id ${row.id} (first at ${earlier})`);
      continue;
    }
    firstSeen.set(row.id, row.where);
    const label = parseHamClass(row.dx);
    const imagePath = images.get(row.id);
    if (!label) problems.add(row.where, `unknown class "${row.dx}" for ${row.id}; expected one of ${HAM_CLASSES.join(', ')}`);
    if (!imagePath) problems.add(row.where, `label row ${row.id} has no image ${row.id}.* in ${imageDirs.join(', ')}`);
    if (label && imagePath) samples.push({ id: row.id, imagePath, label, groupId: row.groupId || row.id });
  }
  return samples;
}

// ---- HAM10000 -------------------------------------------------------------------------------

const HAM_METADATA_NAMES = ['HAM10000_metadata.csv', 'HAM10000_metadata'];
const HAM_IMAGE_DIR = /^ham10000_images(_part_\d+)?$/i;

export async function findHamMetadata(root: string): Promise<string | null> {
  for (const name of HAM_METADATA_NAMES) if (await isFile(join(root, name))) return join(root, name);
  return null;
}

/**
 * The HAM10000 image folders under `root`. Kaggle's copy ships each folder twice, in upper and
 * lower case, with identical contents: one per case-insensitive name is used (the exact-case one first).
 */
export async function findHamImageDirs(root: string): Promise<string[]> {
  const byLowerName = new Map<string, string>();
  for (const name of await listDir(root)) {
    if (!HAM_IMAGE_DIR.test(name) || !(await isDirectory(join(root, name)))) continue;
    const key = name.toLowerCase();
    if (!byLowerName.has(key) || name.startsWith('HAM10000')) byLowerName.set(key, name);
  }
  const dirs = [...byLowerName.values()].map((n) => join(root, n));
  if (dirs.length === 0 && (await isDirectory(join(root, 'images')))) dirs.push(join(root, 'images'));
  return dirs;
}

/**
 * A CSV with `image_id` and `dx` columns (HAM10000_metadata.csv, labels.csv); `lesion_id`, when
 * present, groups images of the same lesion.
 */
export async function readDxCsv(csvPath: string, imageDirs: readonly string[], problems: ProblemList): Promise<ClsSample[]> {
  const table = await readCsvTable(csvPath, ['image_id', 'dx']);
  const images = await indexImages(imageDirs, problems);
  const rows = table.rows.map(({ line, values }) => ({
    where: `${csvPath}:${line}`,
    id: values.image_id!,
    dx: values.dx!,
    groupId: values.lesion_id ?? '',
  }));
  return labelledSamples(rows, images, imageDirs, problems);
}

// ---- ISIC 2018 Task 3 -----------------------------------------------------------------------

/** The one-hot columns of the Task 3 ground truth, and the HAM class each stands for. */
const TASK3_COLUMNS: Record<string, HamClass> = {
  MEL: 'mel',
  NV: 'nv',
  BCC: 'bcc',
  AKIEC: 'akiec',
  BKL: 'bkl',
  DF: 'df',
  VASC: 'vasc',
};

export function isOneHotHeader(columns: string[]): boolean {
  return columns[0] === 'image' && Object.keys(TASK3_COLUMNS).every((c) => columns.includes(c));
}

function isGroupingsHeader(columns: string[]): boolean {
  return columns[0] === 'image' && columns.includes('lesion_id');
}

/** CSV files in `root` and its direct sub-folders (where the ISIC zips unpack them). */
async function csvFilesNear(root: string): Promise<string[]> {
  const files: string[] = [];
  for (const name of await listDir(root)) {
    const path = join(root, name);
    if (name.toLowerCase().endsWith('.csv') && (await isFile(path))) files.push(path);
    else if (await isDirectory(path)) {
      for (const inner of await listDir(path)) if (inner.toLowerCase().endsWith('.csv')) files.push(join(path, inner));
    }
  }
  return files;
}

export interface Task3Files {
  groundTruth: string;
  groupings: string | null;
  imageDirs: string[];
}

/**
 * Finds a one-hot ground-truth CSV near `root` (preferring one whose name mentions `subset`), the
 * lesion groupings CSV for the same subset, and the image folder: `ISIC2018_Task3_<Subset>_Input`,
 * else `images/`, else the CSV's own folder.
 */
export async function findTask3Files(
  root: string,
  subset: Isic2018Subset | undefined,
  givenGroundTruth?: string,
): Promise<Task3Files | null> {
  const oneHot: string[] = [];
  const groupings: string[] = [];
  for (const file of await csvFilesNear(root)) {
    const header = await readCsvHeader(file);
    if (isOneHotHeader(header)) oneHot.push(file);
    else if (isGroupingsHeader(header)) groupings.push(file);
  }
  const preferSubset = (files: string[]) =>
    (subset && files.find((f) => basename(f).includes(subset))) ||
    files.find((f) => basename(f).includes('Training')) ||
    files[0] ||
    null;
  const groundTruth = givenGroundTruth ?? preferSubset(oneHot);
  if (!groundTruth) return null;
  const subsetName = ['Training', 'Validation', 'Test'].find((s) => basename(groundTruth).includes(s));
  const groupingsFile = subsetName
    ? (groupings.find((f) => basename(f).includes(subsetName)) ?? null)
    : (groupings[0] ?? null);
  const candidates = [
    ...(subsetName ? [join(root, `ISIC2018_Task3_${subsetName}_Input`)] : []),
    join(root, 'images'),
    dirname(groundTruth),
  ];
  const imageDirs: string[] = [];
  for (const dir of candidates) {
    if (await isDirectory(dir)) {
      imageDirs.push(dir);
      break;
    }
  }
  return { groundTruth, groupings: groupingsFile, imageDirs };
}

export async function readIsic2018Task3(files: Task3Files, problems: ProblemList): Promise<ClsSample[]> {
  const table = await readCsvTable(files.groundTruth, ['image', ...Object.keys(TASK3_COLUMNS)]);
  const lesionOf = new Map<string, string>();
  if (files.groupings) {
    for (const { values } of (await readCsvTable(files.groupings, ['image', 'lesion_id'])).rows) {
      lesionOf.set(values.image!, values.lesion_id!);
    }
  }
  const rows: LabelRow[] = [];
  for (const { line, values } of table.rows) {
    const where = `${files.groundTruth}:${line}`;
    const set = Object.keys(TASK3_COLUMNS).filter((c) => Number(values[c]) >= 0.5);
    const invalid = Object.keys(TASK3_COLUMNS).filter((c) => values[c] === '' || Number.isNaN(Number(values[c])));
    if (invalid.length > 0) {
      problems.add(where, `non-numeric one-hot value in column(s) ${invalid.join(', ')}`);
      continue;
    }
    if (set.length !== 1) {
      problems.add(where, `one-hot row for ${values.image} has ${set.length} classes set (${set.join(', ') || 'none'}); expected exactly 1`);
      continue;
    }
    const id = values.image!;
    rows.push({ where, id, dx: TASK3_COLUMNS[set[0]!]!, groupId: lesionOf.get(id) ?? id });
  }
  const images = await indexImages(files.imageDirs, problems);
  return labelledSamples(rows, images, files.imageDirs, problems);
}

// ---- labels.csv + images/ -------------------------------------------------------------------

export async function isLabelsCsvLayout(root: string): Promise<boolean> {
  return (await isFile(join(root, 'labels.csv'))) && (await isDirectory(join(root, 'images')));
}

/**
 * labels.csv beside images/; a `masks/` folder beside them (HAM10000 with lesion masks) gives each
 * image with a `<id>_segmentation.png` its mask, for classifiers that train on the lesion.
 */
export async function readLabelsCsv(root: string, problems: ProblemList): Promise<ClsSample[]> {
  const samples = await readDxCsv(join(root, 'labels.csv'), [join(root, 'images')], problems);
  const source = basename(root);
  const masksDir = join(root, 'masks');
  const masks = (await isDirectory(masksDir)) ? await indexImages([masksDir], problems, segmentationMaskId) : new Map<string, string>();
  return samples.map((s) => {
    const maskPath = masks.get(s.id);
    return { ...s, source, ...(maskPath ? { maskPath } : {}) };
  });
}
