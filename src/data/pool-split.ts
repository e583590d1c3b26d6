/**
 * One split for a whole training pool: every folder read as a segmentation and as a
 * classification dataset where it holds such a layout, all ids together, lesion groups merged
 * across folders. The segmenter and the classifier then share one validation part, so the
 * cascade is scored on images neither stage has seen, and no lesion sits on both sides.
 *
 * Strata: the class where an image has one (HAM10000), else the collection it comes from (ISIC
 * 2017 has no HAM classes), so both the small classes and the harder collection keep their share
 * of the validation part.
 */
import { NoLayoutError, openDataset } from './open.js';
import { splitItems, type Split, type SplitItem, type SplitOptions } from './split.js';
import type { Dataset, Task } from './types.js';
import { unionById } from './union.js';

const TASKS: readonly Task[] = ['cls', 'seg'];

/** Every dataset layout in `path` (classification first, so its class labels give the strata). */
async function datasetsIn(path: string): Promise<Dataset[]> {
  const found: Dataset[] = [];
  for (const task of TASKS) {
    try {
      found.push(await openDataset(path, task));
    } catch (error) {
      if (!(error instanceof NoLayoutError)) throw error;
    }
  }
  if (found.length === 0) throw new Error(`${path}: holds no segmentation or classification dataset layout`);
  return found;
}

export async function poolSplitItems(paths: readonly string[]): Promise<{ items: SplitItem[]; roots: string[] }> {
  const byTask: Record<Task, SplitItem[][]> = { cls: [], seg: [] };
  const roots: string[] = [];
  for (const path of paths) {
    for (const dataset of await datasetsIn(path)) {
      roots.push(`${path} (${dataset.task})`);
      byTask[dataset.task].push(dataset.samples.map((s) => ({ id: s.id, groupId: s.groupId, stratum: 'label' in s ? s.label : (s.source ?? 'seg') })));
    }
  }
  // Classification lists first: an image in both keeps its class as stratum.
  const items = unionById([...byTask.cls, ...byTask.seg]).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { items, roots };
}

/** A grouped split over the union of `paths`; `datasets` records which folders it covers. */
export async function poolSplit(paths: readonly string[], opts: SplitOptions): Promise<Split> {
  const { items, roots } = await poolSplitItems(paths);
  return { ...splitItems(items, opts), datasets: roots };
}
