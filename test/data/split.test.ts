import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { DatasetError } from '../../src/data/errors.js';
import { createRng } from '../../src/data/random.js';
import {
  applySplit,
  foregroundBin,
  foregroundFractions,
  kFoldSplits,
  readSplit,
  splitItems,
  splitItemsOf,
  writeSplit,
  type SplitItem,
} from '../../src/data/split.js';
import type { SegDataset } from '../../src/data/types.js';
import { rectMask, tempDir, writeJpeg, writePng, writeText } from './helpers.js';

/** A HAM-like pool: lesions with 1-4 images each, imbalanced classes. */
function pool(seed = 1): SplitItem[] {
  const rng = createRng(seed);
  const classWeights: [string, number][] = [['nv', 50], ['mel', 20], ['bkl', 15], ['bcc', 8], ['akiec', 4], ['vasc', 2], ['df', 1]];
  const items: SplitItem[] = [];
  for (let lesion = 0; lesion < 700; lesion++) {
    let r = rng.uniform(0, 100);
    const [stratum] = classWeights.find(([, w]) => (r -= w) < 0) ?? classWeights[0]!;
    const images = rng.int(1, 4);
    for (let k = 0; k < images; k++) items.push({ id: `img${items.length}`, groupId: `L${lesion}`, stratum });
  }
  return items;
}

function groupOf(items: SplitItem[]): Map<string, string> {
  return new Map(items.map((i) => [i.id, i.groupId]));
}

function classShare(ids: string[], items: SplitItem[]): Map<string, number> {
  const stratum = new Map(items.map((i) => [i.id, i.stratum!]));
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(stratum.get(id)!, (counts.get(stratum.get(id)!) ?? 0) + 1);
  return new Map([...counts].map(([k, v]) => [k, v / ids.length]));
}

test('grouped stratified split: every id once, no group on both sides, ~20% val, class shares kept', () => {
  const items = pool();
  const split = splitItems(items, { seed: 5 });
  assert.equal(split.method, 'grouped-stratified');
  assert.equal(split.train.length + split.val.length, items.length);
  assert.equal(new Set([...split.train, ...split.val]).size, items.length);
  const groups = groupOf(items);
  const trainGroups = new Set(split.train.map((id) => groups.get(id)));
  for (const id of split.val) assert.ok(!trainGroups.has(groups.get(id)), `group ${groups.get(id)} leaks`);
  assert.ok(Math.abs(split.val.length / items.length - 0.2) < 0.02, `val share ${split.val.length / items.length}`);
  const all = classShare(items.map((i) => i.id), items);
  const val = classShare(split.val, items);
  for (const [cls, share] of all) {
    assert.ok(Math.abs((val.get(cls) ?? 0) - share) < 0.02, `${cls}: val ${val.get(cls)} vs all ${share}`);
  }
  // even the rarest class reaches validation
  assert.ok((val.get('df') ?? 0) > 0);
});

test('splits are deterministic by seed and differ across seeds', () => {
  const items = pool();
  assert.deepEqual(splitItems(items, { seed: 9 }), splitItems(items, { seed: 9 }));
  assert.notDeepEqual(splitItems(items, { seed: 9 }).val, splitItems(items, { seed: 10 }).val);
});

test('three-way split with a test part keeps groups whole', () => {
  const items = pool();
  const split = splitItems(items, { seed: 2, valFraction: 0.15, testFraction: 0.15, method: 'grouped' });
  const groups = groupOf(items);
  const partOfGroup = new Map<string, string>();
  for (const part of ['train', 'val', 'test'] as const) {
    for (const id of split[part]!) {
      const g = groups.get(id)!;
      assert.ok(!partOfGroup.has(g) || partOfGroup.get(g) === part, `group ${g} in two parts`);
      partOfGroup.set(g, part);
    }
  }
  assert.ok(Math.abs(split.test!.length / items.length - 0.15) < 0.02);
  assert.ok(Math.abs(split.val.length / items.length - 0.15) < 0.02);
});

test("'random' (the paper's 80/20) ignores groups and takes exactly 20%", () => {
  const items = pool();
  const split = splitItems(items, { seed: 1, method: 'random' });
  assert.equal(split.val.length, Math.round(items.length * 0.2));
  const groups = groupOf(items);
  const trainGroups = new Set(split.train.map((id) => groups.get(id)));
  assert.ok(split.val.some((id) => trainGroups.has(groups.get(id))), 'a random split of multi-image lesions leaks some groups');
});

test('bad fractions and duplicate ids are refused', () => {
  assert.throws(() => splitItems(pool(), { seed: 1, valFraction: 1.2 }), /valFraction/);
  assert.throws(() => splitItems(pool(), { seed: 1, valFraction: 0.5, testFraction: 0.5 }), /testFraction/);
  assert.throws(() => splitItems([{ id: 'a', groupId: 'a' }, { id: 'a', groupId: 'b' }], { seed: 1 }), /duplicate sample id a/);
});

test('grouped k-fold: each id in exactly one val fold, groups whole, folds balanced per class', () => {
  const items = pool();
  const folds = kFoldSplits(items, { k: 5, seed: 3 });
  assert.equal(folds.length, 5);
  const seen = new Map<string, number>();
  for (const fold of folds) {
    assert.equal(fold.train.length + fold.val.length, items.length);
    for (const id of fold.val) seen.set(id, (seen.get(id) ?? 0) + 1);
    const groups = groupOf(items);
    const trainGroups = new Set(fold.train.map((id) => groups.get(id)));
    for (const id of fold.val) assert.ok(!trainGroups.has(groups.get(id)));
    assert.ok(Math.abs(fold.val.length / items.length - 0.2) < 0.03, `fold size ${fold.val.length}`);
    const mel = classShare(fold.val, items).get('mel')!;
    assert.ok(Math.abs(mel - classShare(items.map((i) => i.id), items).get('mel')!) < 0.03);
  }
  assert.equal(seen.size, items.length);
  assert.ok([...seen.values()].every((n) => n === 1));
  assert.deepEqual(kFoldSplits(items, { k: 5, seed: 3 }), folds);
  assert.throws(() => kFoldSplits(items.slice(0, 2), { k: 5, seed: 1 }), /cannot fill 5 folds/);
});

test('a split survives a JSON round trip and re-applies to the dataset', async () => {
  const dir = await tempDir();
  const items = pool().slice(0, 60);
  const split = splitItems(items, { seed: 4 });
  const file = join(dir, 'split.json');
  await writeSplit(file, split);
  const back = await readSplit(file);
  assert.deepEqual(back, split);
  const samples = items.map((i) => ({ id: i.id, payload: i.stratum }));
  const applied = applySplit(back, [...samples, { id: 'new', payload: 'nv' }], file);
  assert.deepEqual(applied.train.map((s) => s.id), split.train);
  assert.deepEqual(applied.val.map((s) => s.id), split.val);
  assert.deepEqual(applied.unassigned.map((s) => s.id), ['new']);
});

test('applying a split to data without its ids names the split file and the ids', () => {
  const split = { seed: 1, method: 'grouped' as const, valFraction: 0.2, train: ['a', 'ghost1'], val: ['ghost2'] };
  assert.throws(() => applySplit(split, [{ id: 'a' }], 'my-split.json'), (err: unknown) => {
    assert.ok(err instanceof DatasetError);
    assert.deepEqual(err.problems, [
      { file: 'my-split.json', problem: 'train id ghost1 is not in the dataset' },
      { file: 'my-split.json', problem: 'val id ghost2 is not in the dataset' },
    ]);
    return true;
  });
});

test('readSplit rejects malformed files and ids in two parts', async () => {
  const dir = await tempDir();
  const bad = join(dir, 'bad.json');
  await writeText(bad, '{"seed": 1, "method": "grouped", "train": "a", "val": []}');
  await assert.rejects(readSplit(bad), /"train" must be an array of ids/);
  const overlap = join(dir, 'overlap.json');
  await writeText(overlap, '{"seed": 1, "method": "grouped", "valFraction": 0.2, "train": ["a"], "val": ["a"]}');
  await assert.rejects(readSplit(overlap), /id a is in both train and val/);
  const broken = join(dir, 'broken.json');
  await writeText(broken, '{not json');
  await assert.rejects(readSplit(broken), /Cannot read split file/);
});

test('segmentation stratification by lesion-size bins', async () => {
  assert.equal(foregroundBin(0.01), 'fg0');
  assert.equal(foregroundBin(0.2), 'fg2');
  assert.equal(foregroundBin(0.9), 'fg4');
  const root = await tempDir();
  const samples = [];
  for (const [id, w] of [['small', 2], ['big', 8]] as const) {
    await writeJpeg(join(root, 'images', `${id}.jpg`));
    const maskPath = join(root, 'masks', `${id}_segmentation.png`);
    await writePng(maskPath, rectMask(8, 6, { x: 0, y: 0, w, h: 6 }, 255));
    samples.push({ id, imagePath: join(root, 'images', `${id}.jpg`), maskPath, groupId: id });
  }
  const fractions = await foregroundFractions(samples);
  assert.ok(Math.abs(fractions.get('small')! - 0.25) < 1e-6);
  assert.ok(Math.abs(fractions.get('big')! - 1) < 1e-6);
  const dataset: SegDataset = { task: 'seg', root, format: 'images-masks', samples };
  assert.deepEqual((await splitItemsOf(dataset, 'foreground')).map((i) => i.stratum), ['fg2', 'fg4']);
  assert.deepEqual(await splitItemsOf(dataset), samples.map((s) => ({ id: s.id, groupId: s.groupId })));
  await assert.rejects(splitItemsOf(dataset, 'class'), /classification dataset/);
});
