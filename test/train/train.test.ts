import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateSynthetic } from '../../src/data/synth.js';
import { trainRun } from '../../src/train/run.js';

let root: string;
let data: string;

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'dermkit-train-'));
  data = path.join(root, 'data');
  await generateSynthetic({ out: data, n: 160, size: 96, seed: 3, task: 'both' });
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('a small U-Net learns synthetic lesions to validation Dice >= 0.90', async () => {
  // With the paper's augmentation and 20 epochs this seed reaches 0.918 (seed 2: 0.935); without
  // augmentation runs plateau at 0.898-0.907, too close to the target for a guard.
  const t0 = performance.now();
  const out = path.join(root, 'seg');
  const { history } = await trainRun({
    task: 'seg', data, out, encoder: 'mobilenetv2', alpha: 0.35, inputSize: 64, epochs: 20, batch: 8, lr: 3e-3,
    patience: 0, augment: 'paper', seed: 1, bnMomentum: 0.9, reduceOnPlateau: true,
  });
  const best = Math.max(...history.map((h) => h.metrics.dice!));
  console.log(`seg: best val Dice ${best.toFixed(3)} after ${history.length} epochs in ${((performance.now() - t0) / 1000).toFixed(1)} s (${history[0]!.engine})`);
  assert.ok(best >= 0.9, `best validation Dice ${best}`);
  const log = (await readFile(path.join(out, 'log.jsonl'), 'utf8')).trim().split('\n');
  assert.equal(log.length, history.length);
  assert.deepEqual((await readdir(path.join(out, 'best'))).sort(), ['dermkit.json', 'model.json', 'optimizer.bin', 'optimizer.json', 'training.json', 'weights.bin']);
});

test('a small classifier learns synthetic lesion classes from scratch', async () => {
  // The target: validation accuracy >= 0.90. The classes differ in fine pattern (network,
  // vessels, lobules, follicles), so the model needs many varied views: 720 images with flips,
  // rotations and zoom. This seed reaches 0.979 at best; 480 images without augmentation overfit
  // and stall at 0.80-0.87. About 100 s on a 2-core machine.
  const clsData = path.join(root, 'cls-data');
  await generateSynthetic({ out: clsData, n: 720, size: 96, seed: 3, task: 'cls' });
  const t0 = performance.now();
  const { history } = await trainRun({
    task: 'cls', data: clsData, out: path.join(root, 'cls'), encoder: 'mobilenetv2', alpha: 0.35, inputSize: 64, epochs: 16,
    batch: 16, lr: 3e-3, patience: 0, augment: 'paper', seed: 1, bnMomentum: 0.9, reduceOnPlateau: true,
  });
  const best = Math.max(...history.map((h) => h.metrics.accuracy!));
  console.log(`cls: best val accuracy ${best.toFixed(3)} after ${history.length} epochs in ${((performance.now() - t0) / 1000).toFixed(1)} s (${history[0]!.engine})`);
  assert.ok(best >= 0.9, `best validation accuracy ${best}`);
});

test('the recipe options reach the model: crop input from the dataset masks, colour constancy, uniform output prior, RSS logged', async () => {
  const out = path.join(root, 'cls-recipe');
  const { history } = await trainRun({
    task: 'cls', data, out, encoder: 'mobilenetv2', alpha: 0.35, inputSize: 32, epochs: 2, batch: 8, patience: 0, seed: 1,
    input: 'crop', roiMargin: 0.25, colourConstancy: 'shades-of-gray', outputPrior: 'uniform', sampling: 'sqrt', epochSize: 24,
    schedule: 'cosine', warmupEpochs: 0.5, weightDecay: 0.01, labelSmoothing: 0.1, augment: 'lesion', monitor: 'balancedLoss',
  });
  assert.equal(history.length, 2);
  assert.ok(history.every((h) => h.rssMB > 0 && Number.isFinite(h.metrics.balancedLoss!)));
  assert.ok(history[1]!.learningRate < history[0]!.learningRate, 'cosine decay');
  const config = JSON.parse(await readFile(path.join(out, 'best', 'dermkit.json'), 'utf8'));
  assert.equal(config.trainedOn, 'crop');
  assert.equal(config.roiMargin, 0.25);
  assert.equal(config.preprocessing.colourConstancy, 'shades-of-gray');
  assert.equal(config.calibration.temperature, 1);
  assert.equal(config.calibration.logPriorShift.length, 7);
  const state = JSON.parse(await readFile(path.join(out, 'last', 'training.json'), 'utf8'));
  assert.equal(state.globalStep, 2 * 3);
});
