import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBatchStream, type Batch } from '../../src/data/pipeline.js';
import type { ClsSample } from '../../src/data/types.js';
import { scheduledLearningRate } from '../../src/train/fit.js';
import { samplingWeights, trainingClassPrior, uniformPriorShift } from '../../src/train/sampling.js';
import { solid, tempDir, writePng } from '../data/helpers.js';
import { join } from 'node:path';

test('sampling weights: natural 1 each, sqrt n^-1/2, balanced 1/n per key', () => {
  const keys = ['nv', 'nv', 'nv', 'nv', 'df'];
  assert.deepEqual(samplingWeights(keys, 'natural'), [1, 1, 1, 1, 1]);
  assert.deepEqual(samplingWeights(keys, 'sqrt'), [0.5, 0.5, 0.5, 0.5, 1]);
  assert.deepEqual(samplingWeights(keys, 'balanced'), [0.25, 0.25, 0.25, 0.25, 1]);
});

test('the training prior follows sampling and class weights; its shift makes the prior uniform', () => {
  const labels = [...Array(9).fill('nv'), 'df'];
  const classes = ['df', 'nv', 'mel'];
  const natural = trainingClassPrior(labels, classes, 'natural');
  assert.deepEqual(natural.map((p) => +p.toFixed(3)), [0.1, 0.9, 0]);
  assert.deepEqual(trainingClassPrior(labels, classes, 'balanced').map((p) => +p.toFixed(3)), [0.5, 0.5, 0]);
  assert.deepEqual(trainingClassPrior(labels, classes, 'natural', [9, 1, 1]).map((p) => +p.toFixed(3)), [0.5, 0.5, 0]);
  const sqrt = trainingClassPrior(labels, classes, 'sqrt');
  assert.ok(Math.abs(sqrt[0]! - 1 / 4) < 1e-9, 'sqrt: 1 : 3');
  const shift = uniformPriorShift(natural);
  // log p + shift is the same for both classes when p is the prior itself.
  assert.ok(Math.abs(Math.log(0.1) + shift[0]! - (Math.log(0.9) + shift[1]!)) < 1e-9);
  assert.equal(shift[2], 0);
});

test('warm-up then cosine: linear to the peak, half a cosine down to the floor at the last step', () => {
  const s = { kind: 'cosine' as const, warmupSteps: 10, totalSteps: 110, minLearningRate: 0.01 };
  assert.ok(Math.abs(scheduledLearningRate(s, 1, 0) - 0.1) < 1e-12);
  assert.ok(Math.abs(scheduledLearningRate(s, 1, 9) - 1) < 1e-12);
  assert.ok(Math.abs(scheduledLearningRate(s, 1, 10) - 1) < 1e-12);
  assert.ok(Math.abs(scheduledLearningRate(s, 1, 60) - 0.505) < 1e-12);
  assert.ok(Math.abs(scheduledLearningRate(s, 1, 110) - 0.01) < 1e-12);
  assert.ok(Math.abs(scheduledLearningRate(s, 1, 500) - 0.01) < 1e-12);
});

test('an epoch drawn by weight: its size, the class mix the weights ask for, and two draws of one image augment differently', async () => {
  const dir = await tempDir();
  const samples: ClsSample[] = [];
  for (let i = 0; i < 10; i++) {
    const imagePath = join(dir, `i${i}.png`);
    await writePng(imagePath, solid(8, 8, [20 * i, 100, 100]));
    samples.push({ id: `i${i}`, imagePath, label: i === 0 ? 'df' : 'nv', groupId: `i${i}` });
  }
  const stream = createBatchStream({
    task: 'cls', samples, batchSize: 50, inputSize: 8, normalize: (img) => Float32Array.from(img.data), seed: 4,
    epochSize: 400, sampleWeights: samplingWeights(samples.map((s) => s.label), 'balanced'),
    augment: { rotationDeg: 0, shear: 0, zoom: 0, brightness: [0.5, 1.5], horizontalFlip: false, verticalFlip: false, contrast: null, gamma: null, blur: null, downscale: null, border: 'reflect' },
  });
  assert.equal(stream.stepsPerEpoch, 8);
  const batches: Batch[] = [];
  for await (const b of stream.epoch(0)) batches.push(b);
  const ids = batches.flatMap((b) => b.ids);
  assert.equal(ids.length, 400);
  const df = ids.filter((id) => id === 'i0').length;
  assert.ok(df > 160 && df < 240, `balanced: about half the draws are the one df image, got ${df}`);
  const firstPixels = batches.flatMap((b) => b.ids.map((id, k) => ({ id, v: b.x[k * 8 * 8 * 3 + 1]! })));
  const i0 = new Set(firstPixels.filter((p) => p.id === 'i0').map((p) => p.v));
  assert.ok(i0.size > 10, 'repeated draws get their own brightness');
  const again: string[] = [];
  for await (const b of stream.epoch(0)) again.push(...b.ids);
  assert.deepEqual(again, ids, 'the same epoch draws the same samples');
});
