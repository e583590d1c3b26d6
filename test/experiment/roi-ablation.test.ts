import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateSynthetic } from '../../src/data/synth.js';
import { runRoiAblation, type RoiAblationOptions } from '../../src/experiment/roi-ablation.js';
import { DEFAULT_SEGMENTER_DIR } from '../../src/pipeline/defaults.js';
import { RESEARCH_NOTICE } from '../../src/pipeline/analyze.js';

let root: string;
let options: RoiAblationOptions;

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'dermkit-exp-roi-'));
  const data = path.join(root, 'data');
  await generateSynthetic({ out: data, n: 40, size: 64, seed: 11, task: 'cls' });
  options = {
    data, out: path.join(root, 'exp'), encoders: ['mobilenetv2', 'nosuchnet', 'mobilenet'],
    inputSize: 32, epochs: 1, batch: 8, alpha: 0.25, augment: 'none', limit: 16,
  };
});
after(() => rm(root, { recursive: true, force: true }));

const readJson = async (...parts: string[]) => JSON.parse(await readFile(path.join(...parts), 'utf8'));

test('roi-ablation: whole-image and ROI classifier per backbone on one limited split; failures recorded; rerun skips', async () => {
  const first = await runRoiAblation(options);
  assert.equal(first.failed, 2);
  assert.deepEqual(first.report.rows.map((r) => [r.name, r.encoder, r.input, r.status]), [
    ['mobilenetv2-image', 'mobilenetv2', 'image', 'done'], ['mobilenetv2-roi', 'mobilenetv2', 'roi', 'done'],
    ['nosuchnet-image', 'nosuchnet', 'image', 'failed'], ['nosuchnet-roi', 'nosuchnet', 'roi', 'failed'],
    ['mobilenet-image', 'mobilenet', 'image', 'done'], ['mobilenet-roi', 'mobilenet', 'roi', 'done'],
  ]);

  const results = await readJson(options.out, 'results.json');
  assert.match(results.reproduces, /Table 3/);
  assert.equal(results.settings.segModel, path.resolve(DEFAULT_SEGMENTER_DIR));
  assert.equal(results.settings.limit, 16);
  // --limit: the first 16 train and 4 val ids of the shared split, in a split file of their own.
  const shared = await readJson(options.out, 'split.json');
  const limited = await readJson(options.out, 'split-limit-16.json');
  assert.deepEqual(limited.train, shared.train.slice(0, 16));
  assert.deepEqual(limited.val, shared.val.slice(0, 4));
  assert.deepEqual(results.split, { file: 'split-limit-16.json', method: 'grouped-stratified', seed: 1, valFraction: 0.2, train: 16, val: 4 });

  for (const row of results.rows.filter((r: { status: string }) => r.status === 'done')) {
    const state = await readJson(options.out, row.name, 'last', 'training.json');
    assert.equal(state.options.split, path.join(options.out, 'split-limit-16.json'));
    assert.equal(state.options.roiFrom, row.input === 'roi' ? path.resolve(DEFAULT_SEGMENTER_DIR) : undefined);
    assert.equal((await readJson(options.out, row.name, 'best', 'dermkit.json')).trainedOn, row.input);
    assert.equal(row.result.metrics.n, 4);
    assert.equal(row.result.metrics.classes.length, 7);
    assert.ok(row.result.metrics.ci.accuracy);
  }
  // Both ROI rows read one ROI cache: each train/val image cut once.
  const [fingerprint] = await readdir(path.join(options.out, 'roi-cache'));
  assert.equal((await readdir(path.join(options.out, 'roi-cache', fingerprint!))).length, 20);

  const table = await readFile(path.join(options.out, 'table.md'), 'utf8');
  assert.match(table, /\| Backbone +\| Acc\. % w\/o ROI \| Acc\. % with ROI \| Δ \(points\) \| Bal\. acc\. % w\/o \| Bal\. acc\. % with \| Mel\. recall % w\/o \| Mel\. recall % with \| Paper acc\. % w\/o \| Paper acc\. % with \|/);
  const rowLines = table.split('\n').filter((l) => /^\| (mobilenetv2|MobileNet|nosuchnet) /.test(l));
  assert.equal(rowLines.length, 3);
  assert.match(rowLines[0]!, /^\| mobilenetv2 +\| +\d+\.\d\d \| +\d+\.\d\d \| +[+-]\d+\.\d\d \|/);
  assert.match(rowLines[1]!, /^\| nosuchnet +\| +failed \| +failed \| +— \|/);
  assert.match(rowLines[2]!, /^\| MobileNet /);
  assert.match(table, /about 4 points of accuracy for every backbone/);
  assert.match(table, /Quick run \(--limit 16\): only the first 16 train and 4 val items/);
  assert.ok(table.includes(RESEARCH_NOTICE));

  const t0 = performance.now();
  const second = await runRoiAblation(options);
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(second.failed, 2);
  assert.deepEqual((await readJson(options.out, 'results.json')).rows, results.rows);
  assert.equal(second.table, first.table);
  console.log(`roi-ablation: rerun with finished rows ${seconds.toFixed(2)} s`);
  assert.ok(seconds < 5, `rerun took ${seconds} s`);
});

test('roi-ablation refuses a --split that is not the folder\'s split, or does not fit the data', async () => {
  const other = path.join(root, 'other-split.json');
  const shared = await readJson(options.out, 'split.json');
  await writeFile(other, JSON.stringify({ ...shared, train: shared.val, val: shared.train }));
  await assert.rejects(runRoiAblation({ ...options, split: other }), /is not the split .*split\.json was made with/);
  // A split made for other data is refused before the new folder records anything.
  const foreign = path.join(root, 'foreign-split.json');
  await writeFile(foreign, JSON.stringify({ ...shared, val: [...shared.val, 'ISIC_0000000'] }));
  const fresh = path.join(root, 'exp-foreign');
  await assert.rejects(runRoiAblation({ ...options, out: fresh, split: foreign }), /does not match the dataset/);
  await assert.rejects(readdir(fresh));
});

test('roi-ablation needs a segmentation model', async () => {
  await assert.rejects(runRoiAblation({ ...options, out: path.join(root, 'exp2'), segModel: path.resolve('models/classifier') }), /must be a segmentation model, this one is a classifier/);
});
