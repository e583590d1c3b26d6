import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateSynthetic } from '../../src/data/synth.js';
import { runSegBackbones, type SegBackbonesOptions } from '../../src/experiment/seg-backbones.js';
import { createSegmenter } from '../../src/models/registry.js';
import { RESEARCH_NOTICE } from '../../src/pipeline/analyze.js';

let root: string;
let options: SegBackbonesOptions;

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'dermkit-exp-seg-'));
  const data = path.join(root, 'data');
  await generateSynthetic({ out: data, n: 32, size: 64, seed: 7, task: 'seg' });
  options = {
    data, out: path.join(root, 'exp'), encoders: ['unet-original', 'mobilenetv2', 'nosuchnet'],
    inputSize: 32, epochs: 2, batch: 8, alpha: 0.25, augment: 'none', patience: 0,
  };
});
after(() => rm(root, { recursive: true, force: true }));

const readJson = async (...parts: string[]) => JSON.parse(await readFile(path.join(...parts), 'utf8'));

/** Runs the CLI; resolves with its exit code and output. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/cli/main.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('seg-backbones: rows share one split, a failing row is recorded, an interrupted row resumes, a rerun skips finished rows', async () => {
  // First run: the MobileNetV2 row is interrupted right after its first epoch (as a kill would be),
  // and the unknown encoder fails; the original U-Net row must still finish.
  const first = await runSegBackbones({
    ...options,
    log: (line) => {
      if (line.startsWith('unet-mobilenetv2: epoch 1:')) throw new Error('interrupted after epoch 1');
    },
  });
  assert.equal(first.failed, 2);
  assert.deepEqual(first.report.rows.map((r) => [r.name, r.status]), [['unet-original', 'done'], ['unet-mobilenetv2', 'failed'], ['unet-nosuchnet', 'failed']]);
  const unknown = first.report.rows[2]!;
  assert.ok(unknown.status === 'failed' && /unknown encoder "nosuchnet"/.test(unknown.error), JSON.stringify(unknown));
  const originalResult = path.join(options.out, 'unet-original', 'result.json');
  const originalWritten = (await stat(originalResult)).mtimeMs;

  // Second run: the finished row is skipped, the interrupted one resumes at epoch 2.
  const t0 = performance.now();
  const second = await runSegBackbones(options);
  const secondSeconds = (performance.now() - t0) / 1000;
  assert.equal(second.failed, 1);
  assert.equal((await stat(originalResult)).mtimeMs, originalWritten);
  const log = (await readFile(path.join(options.out, 'unet-mobilenetv2', 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(log.map((r) => r.epoch), [1, 2]);

  const results = await readJson(options.out, 'results.json');
  assert.equal(results.experiment, 'seg-backbones');
  assert.match(results.reproduces, /Table 2/);
  assert.deepEqual(results.split, { file: 'split.json', method: 'grouped-stratified', seed: 1, valFraction: 0.2, train: second.report.split.train, val: second.report.split.val });
  assert.equal(results.split.train + results.split.val, 32);
  assert.deepEqual(results.rows.map((r: { encoder: string; status: string }) => [r.encoder, r.status]), [['unet-original', 'done'], ['mobilenetv2', 'done'], ['nosuchnet', 'failed']]);
  for (const row of results.rows.slice(0, 2)) {
    const { result } = row;
    assert.equal(result.metrics.n, results.split.val);
    assert.ok(result.metrics.dice >= 0 && result.metrics.dice <= 1);
    assert.ok(result.metrics.ci.dice.lower >= 0 && result.metrics.ci.dice.lower <= result.metrics.ci.dice.upper && result.metrics.ci.dice.upper <= 1);
    assert.equal(result.epochs, 2);
    assert.ok(result.trainSeconds > 0);
    // Every row trained on the experiment's split file and made none of its own.
    const state = await readJson(options.out, row.name, 'last', 'training.json');
    assert.equal(state.options.split, path.join(options.out, 'split.json'));
    await assert.rejects(access(path.join(options.out, row.name, 'split.json')));
  }
  const mobilenet = createSegmenter({ arch: 'unet', encoder: 'mobilenetv2', alpha: 0.25, inputSize: 32 });
  assert.equal(results.rows[1].result.params, mobilenet.model.countParams());
  mobilenet.model.dispose();

  const table = await readFile(path.join(options.out, 'table.md'), 'utf8');
  assert.match(table, /\| Encoder +\| Params \| Dice % \(ours, 95 % CI\) \| mIoU % \(ours\) \| Dice % \(paper\) \| mIoU % \(paper\) \| Train wall time \|/);
  assert.match(table, /\| U-Net \(original\) .*\| +71\.53 \| +60\.58 \|/);
  assert.match(table, /\| mobilenetv2 .*\| +— \| +— \|/);
  assert.match(table, /\| nosuchnet .*failed/);
  assert.match(table, /Budget, the same for every row: 32 px input, up to 2 epochs .* batch 8, Adam lr 0\.001, seed 1, augmentation "none", width multiplier 0\.25/);
  assert.ok(table.includes(`Split: split.json (grouped-stratified, seed 1, validation fraction 0.2): ${results.split.train} train / ${results.split.val} val`), table);
  assert.ok(table.includes(RESEARCH_NOTICE));

  // Through the CLI an unknown encoder is refused before any row starts.
  const refused = await cli(['experiment', 'seg-backbones', '--data', options.data, '--out', options.out, '--encoders', 'unet-original,nosuchnet']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /unknown encoder "nosuchnet"/);

  // Third run, through the CLI: nothing left to train, the same results for the rows it names.
  const t1 = performance.now();
  const run = await cli(['experiment', 'seg-backbones', '--data', options.data, '--out', options.out, '--encoders', 'unet-original,mobilenetv2',
    '--input-size', '32', '--epochs', '2', '--batch', '8', '--alpha', '0.25', '--augment', 'none', '--patience', '0']);
  const thirdSeconds = (performance.now() - t1) / 1000;
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.includes('| U-Net (original)'), run.stdout);
  assert.match(run.stderr, /\[1\/2\] unet-original: finished earlier/);
  assert.match(run.stderr, /\[2\/2\] unet-mobilenetv2: finished earlier/);
  assert.deepEqual((await readJson(options.out, 'results.json')).rows, results.rows.slice(0, 2));
  console.log(`seg-backbones: resumed run ${secondSeconds.toFixed(1)} s, CLI rerun of finished rows ${thirdSeconds.toFixed(1)} s`);
});

test('seg-backbones refuses to mix budgets in one folder', async () => {
  await assert.rejects(runSegBackbones({ ...options, epochs: 3 }), /other settings \(budget\.epochs: 2 there, 3 now\)/);
});
