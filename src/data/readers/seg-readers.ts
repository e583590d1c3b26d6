/**
 * Segmentation layouts:
 * - ISIC 2018 Task 1 as distributed: `ISIC2018_Task1-2_<Subset>_Input/ISIC_*.jpg` with
 *   `ISIC2018_Task1_<Subset>_GroundTruth/ISIC_*_segmentation.png`, Subset = Training | Validation | Test.
 * - images + masks: `images/<id>.<ext>` with `masks/<id>_segmentation.png` (or `masks/<id>.png`),
 *   and optionally `manifest.csv` with an `id` column (the sample list) and `group_id` / `dataset`
 *   columns; without a manifest, a `labels.csv` with `image_id,lesion_id` (HAM10000 with lesion
 *   masks) groups the images by lesion.
 */
import { basename, join } from 'node:path';
import { readCsvTable } from '../csv.js';
import type { ProblemList } from '../errors.js';
import type { SegSample } from '../types.js';
import { indexImages, isDirectory, isFile, readCsvHeader } from './files.js';

export const ISIC2018_SUBSETS = ['Training', 'Validation', 'Test'] as const;
export type Isic2018Subset = (typeof ISIC2018_SUBSETS)[number];

const SEGMENTATION_SUFFIX = '_segmentation';

function isic2018Task1Dirs(root: string, subset: Isic2018Subset) {
  return {
    images: join(root, `ISIC2018_Task1-2_${subset}_Input`),
    masks: join(root, `ISIC2018_Task1_${subset}_GroundTruth`),
  };
}

/** ISIC 2018 Task 1 subsets present under `root` (both input and ground-truth folders exist). */
export async function findIsic2018Task1Subsets(root: string): Promise<Isic2018Subset[]> {
  const found: Isic2018Subset[] = [];
  for (const subset of ISIC2018_SUBSETS) {
    const dirs = isic2018Task1Dirs(root, subset);
    if ((await isDirectory(dirs.images)) && (await isDirectory(dirs.masks))) found.push(subset);
  }
  return found;
}

/** Masks are `<id>_segmentation.<ext>`; a plain `<id>.<ext>` is accepted too. */
export function segmentationMaskId(stem: string): string {
  return stem.endsWith(SEGMENTATION_SUFFIX) ? stem.slice(0, -SEGMENTATION_SUFFIX.length) : stem;
}

/**
 * Pairs every image with its mask. Images without a mask and masks without an image are problems:
 * either means the folders are out of step.
 */
async function pairFolders(imagesDir: string, masksDir: string, problems: ProblemList, groupOf: ReadonlyMap<string, string> = new Map(), source?: string): Promise<SegSample[]> {
  const images = await indexImages([imagesDir], problems);
  const masks = await indexImages([masksDir], problems, segmentationMaskId);
  const samples: SegSample[] = [];
  for (const [id, imagePath] of images) {
    const maskPath = masks.get(id);
    if (!maskPath) problems.add(imagePath, `no mask ${id}${SEGMENTATION_SUFFIX}.png in ${masksDir}`);
    else samples.push({ id, imagePath, maskPath, groupId: groupOf.get(id) || id, ...(source ? { source } : {}) });
  }
  for (const [id, maskPath] of masks) {
    if (!images.has(id)) problems.add(maskPath, `mask without an image ${id}.* in ${imagesDir}`);
  }
  return samples;
}

export async function readIsic2018Task1(root: string, subset: Isic2018Subset, problems: ProblemList): Promise<SegSample[]> {
  const dirs = isic2018Task1Dirs(root, subset);
  // ISIC 2018 has no lesion ids: each image is its own group.
  return pairFolders(dirs.images, dirs.masks, problems);
}

export async function isImagesMasksLayout(root: string): Promise<boolean> {
  return (await isDirectory(join(root, 'images'))) && (await isDirectory(join(root, 'masks')));
}

/** `image_id -> lesion_id` from a `labels.csv` beside the folders, when it has both columns. */
async function lesionGroups(root: string): Promise<Map<string, string>> {
  const labelsPath = join(root, 'labels.csv');
  if (!(await isFile(labelsPath)) || !(await readCsvHeader(labelsPath)).includes('lesion_id')) return new Map();
  const table = await readCsvTable(labelsPath, ['image_id', 'lesion_id']);
  return new Map(table.rows.map(({ values }) => [values.image_id!, values.lesion_id!]));
}

export async function readImagesMasks(root: string, problems: ProblemList): Promise<SegSample[]> {
  const imagesDir = join(root, 'images');
  const masksDir = join(root, 'masks');
  const manifestPath = join(root, 'manifest.csv');
  const folderName = basename(root);
  if (!(await isFile(manifestPath))) return pairFolders(imagesDir, masksDir, problems, await lesionGroups(root), folderName);

  // With a manifest, its rows are the sample list; extra files in the folders are ignored.
  const manifest = await readCsvTable(manifestPath, ['id']);
  const images = await indexImages([imagesDir], problems);
  const masks = await indexImages([masksDir], problems, segmentationMaskId);
  const samples: SegSample[] = [];
  const seen = new Map<string, number>();
  for (const { line, values } of manifest.rows) {
    const id = values.id!;
    const where = `${manifestPath}:${line}`;
    if (id === '') {
      problems.add(where, 'empty id');
      continue;
    }
    const firstLine = seen.get(id);
    if (firstLine !== undefined) {
      problems.add(where, `duplicate id ${id} (first on line ${firstLine})`);
      continue;
    }
    seen.set(id, line);
    const imagePath = images.get(id);
    const maskPath = masks.get(id);
    if (!imagePath) problems.add(where, `row ${id} has no image ${id}.* in ${imagesDir}`);
    if (!maskPath) problems.add(where, `row ${id} has no mask ${id}${SEGMENTATION_SUFFIX}.png in ${masksDir}`);
    if (imagePath && maskPath) samples.push({ id, imagePath, maskPath, groupId: values.group_id || id, source: values.dataset || folderName });
  }
  return samples;
}
