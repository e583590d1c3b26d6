/**
 * Train/validation(/test) splits that keep every group (lesion) on one side, so near-identical
 * shots of one lesion never sit in both training and validation data. Stratified by class (or, for
 * segmentation, by lesion-size bins) so small classes appear on both sides in proportion.
 *
 * A split is a JSON file of ids, so an experiment can be repeated or compared on the same split.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { decodeMask } from '../image/index.js';
import { forEachLimited } from './concurrency.js';
import { DatasetError } from './errors.js';
import { createRng, type Rng } from './random.js';
import type { Dataset, SegSample } from './types.js';

/**
 * - 'grouped-stratified': whole groups, per-stratum proportions (the default);
 * - 'grouped': whole groups, no stratification;
 * - 'random': the paper's seeded random split of images, ignoring groups (leaks near-duplicates;
 *   kept for reproducing the paper's numbers);
 * - 'grouped-kfold': one fold of a grouped (optionally stratified) k-fold partition.
 */
/** The methods `splitItems` makes a split by ('grouped-kfold' splits come from `kFoldSplits`). */
export const SPLIT_METHODS = ['grouped-stratified', 'grouped', 'random'] as const;
export type SplitMethod = (typeof SPLIT_METHODS)[number] | 'grouped-kfold';

/** The parts of a split file. */
export const SPLIT_PARTS = ['train', 'val', 'test'] as const;
export type SplitPart = (typeof SPLIT_PARTS)[number];

/** What a split needs to know of a sample. */
export interface SplitItem {
  id: string;
  groupId: string;
  /** Class (or lesion-size bin) to balance across parts; absent = one stratum. */
  stratum?: string;
}

/** The JSON split file. */
export interface Split {
  seed: number;
  method: SplitMethod;
  valFraction: number;
  testFraction?: number;
  /** k-fold only: which fold is `val`, of how many. */
  fold?: number;
  k?: number;
  train: string[];
  val: string[];
  test?: string[];
  /**
   * A pool split (src/data/pool-split.ts) names the dataset folders it was made over. Applied to
   * one of them, ids of the others are expected to be absent, but every sample must be assigned.
   */
  datasets?: string[];
}

export interface SplitOptions {
  method?: (typeof SPLIT_METHODS)[number];
  /** Share of samples for validation; default 0.2 (the paper's 80/20). */
  valFraction?: number;
  /** Share for a held-out test part; default none. */
  testFraction?: number;
  seed: number;
}

interface Group {
  id: string;
  members: string[];
  stratum: string;
}

/** Groups in first-seen order; a group's stratum is its most common member stratum. */
function buildGroups(items: readonly SplitItem[]): Group[] {
  const byId = new Map<string, { members: string[]; strata: Map<string, number> }>();
  for (const item of items) {
    let group = byId.get(item.groupId);
    if (!group) byId.set(item.groupId, (group = { members: [], strata: new Map() }));
    group.members.push(item.id);
    const stratum = item.stratum ?? '';
    group.strata.set(stratum, (group.strata.get(stratum) ?? 0) + 1);
  }
  return [...byId].map(([id, g]) => {
    const [stratum] = [...g.strata].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]!;
    return { id, members: g.members, stratum };
  });
}

function checkItems(items: readonly SplitItem[]): void {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.id)) throw new Error(`split: duplicate sample id ${item.id}`);
    seen.add(item.id);
  }
}

function checkFractions(valFraction: number, testFraction: number): void {
  if (!(valFraction > 0 && valFraction < 1)) throw new RangeError(`valFraction must be in (0, 1), got ${valFraction}`);
  if (!(testFraction >= 0 && valFraction + testFraction < 1)) {
    throw new RangeError(`testFraction must be >= 0 with valFraction + testFraction < 1, got ${testFraction}`);
  }
}

/** Strata in sorted order, each with its groups shuffled by `rng`: the order groups are dealt in. */
function shuffledGroupsByStratum(groups: Group[], rng: Rng): Group[][] {
  const byStratum = new Map<string, Group[]>();
  for (const g of groups) {
    if (!byStratum.has(g.stratum)) byStratum.set(g.stratum, []);
    byStratum.get(g.stratum)!.push(g);
  }
  return [...byStratum.keys()].sort().map((s) => rng.shuffle(byStratum.get(s)!));
}

/**
 * Deals groups into parts with target sizes: a group joins the first part it brings closer to its
 * target, otherwise the last part (train). Per stratum, so each stratum is split in proportion.
 */
function dealGroups(strata: Group[][], fractions: number[]): string[][] {
  const parts = fractions.map(() => [] as string[]);
  const remainder: string[] = [];
  for (const groups of strata) {
    const total = groups.reduce((n, g) => n + g.members.length, 0);
    const targets = fractions.map((f) => Math.round(total * f));
    const counts = fractions.map(() => 0);
    for (const group of groups) {
      const size = group.members.length;
      const part = targets.findIndex((t, i) => Math.abs(counts[i]! + size - t) < Math.abs(counts[i]! - t));
      if (part >= 0) {
        counts[part]! += size;
        parts[part]!.push(...group.members);
      } else remainder.push(...group.members);
    }
  }
  return [remainder, ...parts];
}

const sortIds = (ids: string[]) => ids.sort();

/** Splits items into train / val (/ test). Deterministic for a given seed and item list. */
export function splitItems(items: readonly SplitItem[], opts: SplitOptions): Split {
  const method = opts.method ?? 'grouped-stratified';
  const valFraction = opts.valFraction ?? 0.2;
  const testFraction = opts.testFraction ?? 0;
  checkFractions(valFraction, testFraction);
  checkItems(items);
  const rng = createRng(opts.seed);

  let train: string[], val: string[], test: string[];
  if (method === 'random') {
    const ids = rng.shuffle(items.map((i) => i.id));
    const nTest = Math.round(ids.length * testFraction);
    const nVal = Math.round(ids.length * valFraction);
    test = ids.slice(0, nTest);
    val = ids.slice(nTest, nTest + nVal);
    train = ids.slice(nTest + nVal);
  } else {
    const stratified = method === 'grouped-stratified';
    const groups = buildGroups(stratified ? items : items.map(({ id, groupId }) => ({ id, groupId })));
    // Test first so that, with both, the smaller targets are not starved by val's greed.
    [train, test, val] = dealGroups(shuffledGroupsByStratum(groups, rng), [testFraction, valFraction]) as [string[], string[], string[]];
  }
  const split: Split = { seed: opts.seed, method, valFraction, train: sortIds(train), val: sortIds(val) };
  if (testFraction > 0) Object.assign(split, { testFraction, test: sortIds(test) });
  return split;
}

/**
 * A grouped k-fold partition: every group in exactly one fold; with strata, each fold gets a
 * near-equal share of every stratum (largest groups placed first, each into the emptiest fold).
 */
export function kFoldSplits(items: readonly SplitItem[], opts: { k: number; seed: number; stratified?: boolean }): Split[] {
  const { k, seed } = opts;
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`k must be an integer >= 2, got ${k}`);
  checkItems(items);
  const stratified = opts.stratified ?? true;
  const groups = buildGroups(stratified ? items : items.map(({ id, groupId }) => ({ id, groupId })));
  if (groups.length < k) throw new RangeError(`k-fold: ${groups.length} groups cannot fill ${k} folds`);
  const rng = createRng(seed);
  const folds = Array.from({ length: k }, () => [] as string[]);
  for (const stratumGroups of shuffledGroupsByStratum(groups, rng)) {
    const counts = new Array<number>(k).fill(0);
    // Stable sort after the shuffle: random order among equal sizes, big groups first.
    for (const group of [...stratumGroups].sort((a, b) => b.members.length - a.members.length)) {
      let best = 0;
      for (let f = 1; f < k; f++) {
        if (counts[f]! < counts[best]! || (counts[f] === counts[best] && folds[f]!.length < folds[best]!.length)) best = f;
      }
      counts[best]! += group.members.length;
      folds[best]!.push(...group.members);
    }
  }
  return folds.map((val, fold) => ({
    seed,
    method: 'grouped-kfold',
    valFraction: 1 / k,
    fold,
    k,
    train: sortIds(folds.filter((_, f) => f !== fold).flat()),
    val: sortIds([...val]),
  }));
}

// ---- from datasets --------------------------------------------------------------------------

/** Upper edges of the lesion-size bins used to stratify segmentation splits (fraction of the image). */
export const FOREGROUND_BIN_EDGES = [0.05, 0.15, 0.3, 0.5];

export function foregroundBin(fraction: number, edges: readonly number[] = FOREGROUND_BIN_EDGES): string {
  const bin = edges.findIndex((e) => fraction < e);
  return `fg${bin === -1 ? edges.length : bin}`;
}

/** Lesion pixel fraction of every mask (values above half the mask's maximum count: 0/255 and 0/1 masks alike). */
export async function foregroundFractions(samples: readonly SegSample[]): Promise<Map<string, number>> {
  const fractions = new Map<string, number>();
  await forEachLimited(samples, 16, async (s) => {
    const { data } = await decodeMask(s.maskPath);
    let max = 0;
    for (const v of data) if (v > max) max = v;
    let lesion = 0;
    for (const v of data) if (v * 2 > max) lesion++;
    fractions.set(s.id, max > 0 ? lesion / data.length : 0);
  });
  return fractions;
}

export type Stratify = 'auto' | 'none' | 'class' | 'foreground';

/**
 * Split items of a dataset. `stratify`: 'auto' = class for classification, none for segmentation;
 * 'foreground' (segmentation) reads every mask once to bin lesion sizes.
 */
export async function splitItemsOf(dataset: Dataset, stratify: Stratify = 'auto'): Promise<SplitItem[]> {
  if (dataset.task === 'cls') {
    if (stratify === 'foreground') throw new Error('foreground stratification needs a segmentation dataset');
    const byClass = stratify !== 'none';
    return dataset.samples.map((s) => ({ id: s.id, groupId: s.groupId, ...(byClass ? { stratum: s.label } : {}) }));
  }
  if (stratify === 'class') throw new Error('class stratification needs a classification dataset');
  if (stratify !== 'foreground') return dataset.samples.map((s) => ({ id: s.id, groupId: s.groupId }));
  const fractions = await foregroundFractions(dataset.samples);
  return dataset.samples.map((s) => ({ id: s.id, groupId: s.groupId, stratum: foregroundBin(fractions.get(s.id)!) }));
}

// ---- files --------------------------------------------------------------------------------

export async function writeSplit(file: string, split: Split): Promise<void> {
  await writeFile(file, JSON.stringify(split, null, 1) + '\n');
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** Reads a split file, checking its shape and that no id is in two parts. */
export async function readSplit(file: string): Promise<Split> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new DatasetError(`Cannot read split file`, [{ file, problem: err instanceof Error ? err.message : String(err) }]);
  }
  const split = parsed as Partial<Split>;
  const problems: { file: string; problem: string }[] = [];
  if (typeof split !== 'object' || split === null) problems.push({ file, problem: 'not a JSON object' });
  else {
    if (!isStringArray(split.train)) problems.push({ file, problem: '"train" must be an array of ids' });
    if (!isStringArray(split.val)) problems.push({ file, problem: '"val" must be an array of ids' });
    if (split.test !== undefined && !isStringArray(split.test)) problems.push({ file, problem: '"test" must be an array of ids' });
    if (typeof split.seed !== 'number') problems.push({ file, problem: '"seed" must be a number' });
    if (typeof split.method !== 'string') problems.push({ file, problem: '"method" must be a string' });
    if (split.datasets !== undefined && !isStringArray(split.datasets)) problems.push({ file, problem: '"datasets" must be an array of folder names' });
  }
  if (problems.length === 0) {
    const partOf = new Map<string, string>();
    for (const part of ['train', 'val', 'test'] as const) {
      for (const id of split[part] ?? []) {
        const earlier = partOf.get(id);
        if (earlier) problems.push({ file, problem: `id ${id} is in both ${earlier} and ${part}` });
        else partOf.set(id, part);
      }
    }
  }
  if (problems.length > 0) throw new DatasetError(`Invalid split file ${file}`, problems);
  return split as Split;
}

export interface AppliedSplit<S> extends Record<SplitPart, S[]> {
  /** Dataset samples the split does not mention (e.g. added after it was made). */
  unassigned: S[];
}

/**
 * Picks a split's samples out of a dataset. Ids the dataset lacks are an error (the split was made
 * for other data), listed together; `splitFile` names the split in that error. A pool split covers
 * several datasets: there the error is a sample the split does not assign.
 */
export function applySplit<S extends { id: string }>(split: Split, samples: readonly S[], splitFile = '<split>'): AppliedSplit<S> {
  const byId = new Map(samples.map((s) => [s.id, s]));
  const problems: { file: string; problem: string }[] = [];
  const pool = split.datasets !== undefined;
  const pick = (ids: readonly string[] | undefined, part: string) =>
    (ids ?? []).flatMap((id) => {
      const sample = byId.get(id);
      if (!sample && !pool) problems.push({ file: splitFile, problem: `${part} id ${id} is not in the dataset` });
      return sample ? [sample] : [];
    });
  const result = { train: pick(split.train, 'train'), val: pick(split.val, 'val'), test: pick(split.test, 'test') };
  const used = new Set([...split.train, ...split.val, ...(split.test ?? [])]);
  const unassigned = samples.filter((s) => !used.has(s.id));
  if (pool) for (const s of unassigned.slice(0, 50)) problems.push({ file: splitFile, problem: `sample ${s.id} is in none of the parts of this pool split (made over ${split.datasets!.join(', ')})` });
  if (problems.length > 0) throw new DatasetError(`Split ${splitFile} does not match the dataset`, problems);
  return { ...result, unassigned };
}
