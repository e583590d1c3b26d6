import assert from 'node:assert/strict';
import { readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { PAPER_AUGMENTATION } from '../../src/data/augment.js';
import { createBatchStream, type Batch, type BatchStreamOptions } from '../../src/data/pipeline.js';
import type { ClsSample, SegSample } from '../../src/data/types.js';
import type { RgbImage } from '../../src/image/types.js';
import { HAM_CLASSES } from '../../src/models/config.js';
import { rectMask, solid, tempDir, writePng } from './helpers.js';

const toUnit = (img: RgbImage) => Float32Array.from(img.data, (v) => v / 255);

/** Sample i is a flat image of grey level 10 * i (PNG, so exact), mask = left half. */
async function segFixture(n: number, width = 16, height = 16): Promise<{ dir: string; samples: SegSample[] }> {
  const dir = await tempDir();
  const samples: SegSample[] = [];
  for (let i = 0; i < n; i++) {
    const id = `s${i}`;
    const imagePath = join(dir, 'images', `${id}.png`);
    const maskPath = join(dir, 'masks', `${id}_segmentation.png`);
    await writePng(imagePath, solid(width, height, [10 * i, 10 * i, 10 * i]));
    await writePng(maskPath, rectMask(width, height, { x: 0, y: 0, w: width / 2, h: height }));
    samples.push({ id, imagePath, maskPath, groupId: id });
  }
  return { dir, samples };
}

async function collect(stream: AsyncGenerator<Batch>): Promise<Batch[]> {
  const batches: Batch[] = [];
  for await (const b of stream) batches.push(b);
  return batches;
}

test('segmentation batches: shapes, normalised inputs, 0/1 masks at input size, last batch smaller', async () => {
  const { samples } = await segFixture(5);
  const stream = createBatchStream({ task: 'seg', samples, batchSize: 2, inputSize: 8, normalize: toUnit, shuffle: false });
  assert.equal(stream.stepsPerEpoch, 3);
  const batches = await collect(stream.epoch(0));
  assert.deepEqual(batches.map((b) => b.ids), [['s0', 's1'], ['s2', 's3'], ['s4']]);
  const [first, , last] = batches;
  assert.deepEqual(first!.xShape, [2, 8, 8, 3]);
  assert.deepEqual(first!.yShape, [2, 8, 8, 1]);
  assert.deepEqual(last!.xShape, [1, 8, 8, 3]);
  assert.ok(Math.abs(first!.x[8 * 8 * 3] - 10 / 255) < 1e-6, 'second image is grey level 10');
  const firstMask = first!.y.subarray(0, 64);
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) assert.equal(firstMask[y * 8 + x], x < 4 ? 1 : 0);
});

test('classification batches carry one-hot labels in HAM_CLASSES order', async () => {
  const { samples: seg } = await segFixture(3);
  const labels = ['mel', 'nv', 'vasc'] as const;
  const samples: ClsSample[] = seg.map((s, i) => ({ id: s.id, imagePath: s.imagePath, label: labels[i]!, groupId: s.id }));
  const [batch] = await collect(createBatchStream({ task: 'cls', samples, batchSize: 3, inputSize: 4, normalize: toUnit, shuffle: false }).epoch(0));
  assert.deepEqual(batch!.yShape, [3, 7]);
  labels.forEach((label, i) => {
    const row = [...batch!.y.subarray(i * 7, i * 7 + 7)];
    assert.deepEqual(row, HAM_CLASSES.map((c) => (c === label ? 1 : 0)));
  });
});

test('shuffling is seeded per epoch: same epoch replays exactly, another epoch reorders', async () => {
  const { samples } = await segFixture(12, 8, 8);
  const opts: BatchStreamOptions = { task: 'seg', samples, batchSize: 4, inputSize: 8, normalize: toUnit, seed: 7, augment: PAPER_AUGMENTATION };
  const stream = createBatchStream(opts);
  const a = await collect(stream.epoch(0));
  const b = await collect(createBatchStream(opts).epoch(0));
  const c = await collect(stream.epoch(1));
  assert.deepEqual(a.map((x) => x.ids), b.map((x) => x.ids));
  assert.deepEqual(a.map((x) => [...x.x]), b.map((x) => [...x.x]), 'augmentation replays too');
  assert.notDeepEqual(a.flatMap((x) => x.ids), c.flatMap((x) => x.ids));
  assert.deepEqual(a.flatMap((x) => x.ids).sort(), samples.map((s) => s.id).sort());
  const dropped = createBatchStream({ ...opts, batchSize: 5, dropRemainder: true });
  assert.equal(dropped.stepsPerEpoch, 2);
  assert.equal((await collect(dropped.epoch(0))).length, 2);
});

test('prefetch is bounded: the first batch arrives before the dataset is read', async () => {
  const { samples } = await segFixture(20, 8, 8);
  let normalised = 0;
  const counting = (img: RgbImage) => (normalised++, toUnit(img));
  const stream = createBatchStream({ task: 'seg', samples, batchSize: 2, inputSize: 8, normalize: counting, prefetch: 1 }).epoch(0);
  await stream.next();
  // the batch handed out, the one prefetched, and at most one more started
  assert.ok(normalised <= 6, `${normalised} images prepared for the first batch`);
  let batches = 1;
  for await (const _ of stream) batches++;
  assert.equal(batches, 10);
  assert.equal(normalised, 20);
});

test('letterbox keeps the aspect ratio and pads image and mask alike', async () => {
  const dir = await tempDir();
  const imagePath = join(dir, 'wide.png');
  const maskPath = join(dir, 'wide_segmentation.png');
  await writePng(imagePath, solid(16, 8, [200, 200, 200]));
  await writePng(maskPath, rectMask(16, 8, { x: 0, y: 0, w: 16, h: 8 }));
  const [batch] = await collect(
    createBatchStream({ task: 'seg', samples: [{ id: 'w', imagePath, maskPath, groupId: 'w' }], batchSize: 1, inputSize: 8, resizeMode: 'letterbox', normalize: toUnit }).epoch(0),
  );
  const maskRows = Array.from({ length: 8 }, (_, y) => batch!.y[y * 8 + 3]);
  assert.deepEqual(maskRows, [0, 0, 1, 1, 1, 1, 0, 0]);
  assert.equal(batch!.x[0], 0, 'padding is black');
  assert.ok(Math.abs(batch!.x[(3 * 8 + 3) * 3]! - 200 / 255) < 1e-6);
});

test('the resized-image cache is filled once, reused, and invalidated when a source changes', async () => {
  const { dir, samples } = await segFixture(3, 12, 12);
  const cacheDir = join(dir, 'cache');
  const opts: BatchStreamOptions = { task: 'seg', samples, batchSize: 3, inputSize: 6, normalize: toUnit, shuffle: false, cacheDir };
  const [uncached] = await collect(createBatchStream({ ...opts, cacheDir: undefined }).epoch(0));
  const [first] = await collect(createBatchStream(opts).epoch(0));
  assert.equal((await readdir(cacheDir)).filter((f) => f.endsWith('.bin')).length, 6, 'one entry per image and per mask');
  const [second] = await collect(createBatchStream(opts).epoch(0));
  assert.deepEqual([...first!.x], [...uncached!.x]);
  assert.deepEqual([...second!.x], [...first!.x]);
  assert.deepEqual([...second!.y], [...first!.y]);

  await writePng(samples[0]!.imagePath, solid(12, 12, [255, 255, 255]));
  await utimes(samples[0]!.imagePath, new Date(), new Date(Date.now() + 5000));
  const [third] = await collect(createBatchStream(opts).epoch(0));
  assert.equal(third!.x[0], 1, 'the edited image is read again');
});

test('errors name the file: a mask of the wrong size, a normalize of the wrong length', async () => {
  const { samples } = await segFixture(1, 8, 8);
  await writePng(samples[0]!.maskPath, rectMask(4, 4));
  const bad = createBatchStream({ task: 'seg', samples, batchSize: 1, inputSize: 4, normalize: toUnit });
  await assert.rejects(collect(bad.epoch(0)), /s0_segmentation\.png: mask is 4x4 but its image .*s0\.png is 8x8/);
  const { samples: ok } = await segFixture(1, 8, 8);
  const short = createBatchStream({ task: 'seg', samples: ok, batchSize: 1, inputSize: 4, normalize: () => new Float32Array(3) });
  await assert.rejects(collect(short.epoch(0)), /normalize returned 3 values/);
  assert.throws(() => createBatchStream({ task: 'seg', samples: [], batchSize: 1, inputSize: 4, normalize: toUnit }), /no samples/);
});
