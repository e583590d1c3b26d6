import type { HamClass } from '../vocabulary.js';

export { TASKS, type Task } from '../vocabulary.js';

/** One image + lesion mask pair. */
export interface SegSample {
  id: string;
  imagePath: string;
  maskPath: string;
  /** Images sharing a group (same lesion, near-duplicates) must land on the same side of a split. */
  groupId: string;
  /** Which collection the pair comes from (manifest `dataset` column, else the dataset folder's name): evaluation reports each part. */
  source?: string;
}

/** One labelled image. */
export interface ClsSample {
  id: string;
  imagePath: string;
  label: HamClass;
  groupId: string;
  source?: string;
  /** The lesion mask, when the dataset has one (`masks/<id>_segmentation.png` beside `images/`): lesion crops for training. */
  maskPath?: string;
}

/** The on-disk layouts dermkit understands; see src/data/readers/. */
export type SegFormat = 'isic2018-task1' | 'images-masks' | 'union';
export type ClsFormat = 'ham10000' | 'isic2018-task3' | 'labels-csv' | 'union';

export interface SegDataset {
  task: 'seg';
  /** Folder the dataset was opened from (absolute); for a union, the folders joined by ' + '. */
  root: string;
  format: SegFormat;
  samples: SegSample[];
}

export interface ClsDataset {
  task: 'cls';
  root: string;
  format: ClsFormat;
  samples: ClsSample[];
}

export type Dataset = SegDataset | ClsDataset;

/**
 * How much checking `openDataset` does beyond finding every listed file:
 * - 'none': nothing more (instant);
 * - 'fast': read image/mask headers (sizes must match, files must be images); ~1 s per 2,500 pairs;
 * - 'full': also decode every mask (must be binary) and, for classification, every image.
 */
export type ValidationLevel = 'none' | 'fast' | 'full';
