import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatasets } from '../../src/data/open.js';
import { poolSplit } from '../../src/data/pool-split.js';
import { applySplit } from '../../src/data/split.js';
import { unionById } from '../../src/data/union.js';
import { DatasetError } from '../../src/data/errors.js';
import { rectMask, solid, tempDir, writePng, writeText } from './helpers.js';

/**
 * A pool like ../shared/data: `seg/` (manifest with group_id and dataset), `cls/` (labels.csv),
 * and `ham/` (labels.csv with lesion ids beside images/ and masks/, overlapping both).
 */
async function pool() {
  const root = await tempDir();
  const img = solid(8, 6);
  const mask = rectMask(8, 6, { x: 2, y: 1, w: 3, h: 3 });
  const put = async (dir: string, id: string, withMask: boolean) => {
    await writePng(join(root, dir, 'images', `${id}.png`), img);
    if (withMask) await writePng(join(root, dir, 'masks', `${id}_segmentation.png`), mask);
  };
  // ISIC 2017 pairs a..d (a and b near-duplicates), HAM h1 in seg/ too.
  for (const id of ['isic_a', 'isic_b', 'isic_c', 'isic_d', 'h1']) await put('seg', id, true);
  await writeText(join(root, 'seg', 'manifest.csv'), 'id,group_id,dataset\nisic_a,g_ab,ISIC2017\nisic_b,g_ab,ISIC2017\nisic_c,,ISIC2017\nisic_d,,ISIC2017\nh1,L1,HAM10000\n');
  const ham: [string, string, string][] = [];
  for (let i = 1; i <= 24; i++) ham.push([`h${i}`, ['mel', 'nv', 'bkl'][i % 3]!, `L${Math.ceil(i / 2)}`]);
  for (const [id] of ham) await put('ham', id, true);
  await writeText(join(root, 'ham', 'labels.csv'), `image_id,dx,lesion_id\n${ham.map((r) => r.join(',')).join('\n')}\n`);
  // cls/ holds h1..h6 (no masks) and one image only it has.
  for (const [id] of ham.slice(0, 6)) await put('cls', id, false);
  await put('cls', 'c_only', false);
  await writeText(join(root, 'cls', 'labels.csv'), `image_id,dx,lesion_id\n${ham.slice(0, 6).map((r) => r.join(',')).join('\n')}\nc_only,df,L99\n`);
  return { seg: join(root, 'seg'), cls: join(root, 'cls'), ham: join(root, 'ham') };
}

test('unionById keeps the first copy of an id and merges groups that share an image', () => {
  const merged = unionById([
    [{ id: 'x', groupId: 'A', v: 1 }, { id: 'y', groupId: 'B', v: 1 }],
    [{ id: 'x', groupId: 'C', v: 2 }, { id: 'z', groupId: 'C', v: 2 }, { id: 'w', groupId: 'D', v: 2 }],
  ]);
  assert.deepEqual(merged.map((s) => [s.id, s.v]), [['x', 1], ['y', 1], ['z', 2], ['w', 2]]);
  const group = new Map(merged.map((s) => [s.id, s.groupId]));
  assert.equal(group.get('x'), group.get('z'), 'x links A and C, so z joins x');
  assert.notEqual(group.get('x'), group.get('y'));
  assert.notEqual(group.get('w'), group.get('x'));
});

test('unionById takes a lesion mask from a later folder when the first copy has none', () => {
  const merged = unionById<{ id: string; groupId: string; source: string; maskPath?: string }>([
    [{ id: 'x', groupId: 'A', source: 'cls' }, { id: 'y', groupId: 'B', source: 'cls', maskPath: 'y-own.png' }],
    [{ id: 'x', groupId: 'A', source: 'ham', maskPath: 'x.png' }, { id: 'y', groupId: 'B', source: 'ham', maskPath: 'y.png' }],
  ]);
  assert.deepEqual(merged.map((s) => [s.id, s.source, s.maskPath]), [['x', 'cls', 'x.png'], ['y', 'cls', 'y-own.png']]);
});

test('an images/ + masks/ folder with labels.csv groups by lesion and names its source; labels.csv images get their masks', async () => {
  const p = await pool();
  const seg = await openDatasets([p.ham], 'seg');
  assert.equal(seg.samples.find((s) => s.id === 'h2')!.groupId, 'L1');
  assert.equal(seg.samples[0]!.source, 'ham');
  const cls = await openDatasets(p.ham, 'cls');
  assert.ok(cls.samples.every((s) => s.maskPath?.endsWith('_segmentation.png')));
  const plain = await openDatasets(p.cls, 'cls');
  assert.ok(plain.samples.every((s) => s.maskPath === undefined));
  const manifest = await openDatasets(p.seg, 'seg');
  assert.deepEqual(manifest.samples.map((s) => s.source), ['ISIC2017', 'ISIC2017', 'ISIC2017', 'ISIC2017', 'HAM10000']);
});

test('several folders open as one dataset: ids once, the first folder\'s copy', async () => {
  const p = await pool();
  const seg = await openDatasets([p.ham, p.seg], 'seg');
  assert.equal(seg.format, 'union');
  assert.equal(seg.samples.length, 24 + 4);
  assert.equal(seg.samples.find((s) => s.id === 'h1')!.source, 'ham');
  const cls = await openDatasets([p.cls, p.ham], 'cls');
  assert.equal(cls.samples.length, 25);
});

test('a pool split covers every folder, keeps lesions and near-duplicates together, and applies to each task', async () => {
  const p = await pool();
  const split = await poolSplit([p.seg, p.cls, p.ham], { seed: 3, valFraction: 0.3 });
  assert.equal(split.train.length + split.val.length, 4 + 24 + 1);
  assert.deepEqual(split.datasets, [`${p.seg} (seg)`, `${p.cls} (cls)`, `${p.ham} (cls)`, `${p.ham} (seg)`]);
  const side = (id: string) => (split.val.includes(id) ? 'val' : 'train');
  assert.equal(side('isic_a'), side('isic_b'));
  for (let i = 1; i <= 24; i += 2) assert.equal(side(`h${i}`), side(`h${i + 1}`), `lesion L${(i + 1) / 2}`);
  // The same split serves the segmentation and the classification union.
  const seg = applySplit(split, (await openDatasets([p.ham, p.seg], 'seg')).samples);
  const cls = applySplit(split, (await openDatasets([p.cls, p.ham], 'cls')).samples);
  assert.equal(seg.train.length + seg.val.length, 28);
  assert.equal(cls.train.length + cls.val.length, 25);
  // A sample the pool split does not know is an error, not silently dropped.
  const partial = { ...split, train: split.train.filter((id) => id !== 'h3'), val: split.val.filter((id) => id !== 'h3') };
  assert.throws(() => applySplit(partial, [...cls.train, ...cls.val]), (e: unknown) => e instanceof DatasetError && /h3 is in none of the parts/.test(e.message));
});
