import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { generateSynthetic } from '../../src/data/synth.js';
import { tinyModels } from '../pipeline/fixtures.js';

const run = promisify(execFile);
const MAIN = path.resolve('src/cli/main.ts');

let models: { root: string; seg: string; cls: string };
let work: string;
let data: string;

before(async () => {
  models = await tinyModels();
  work = await mkdtemp(path.join(os.tmpdir(), 'dermkit-eval-'));
  data = path.join(work, 'data');
  await generateSynthetic({ out: data, n: 4, size: 64, seed: 1, task: 'seg' });
});
after(async () => {
  await rm(models.root, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

async function evalSeg(args: string[]): Promise<{ n: number; dice: number }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', MAIN, 'eval', 'seg', '--data', data, '--json', ...args], { maxBuffer: 16 << 20 });
  return JSON.parse(stdout) as { n: number; dice: number };
}

test('eval seg --model <training run> scores its best/ checkpoint, at the mask threshold asked for', async () => {
  const runDir = path.join(work, 'run');
  await cp(models.seg, path.join(runDir, 'best'), { recursive: true });
  // An untrained U-Net's probabilities lie strictly between 0 and 1: above 0 everywhere, above 1 nowhere.
  assert.equal((await evalSeg(['--model', runDir, '--mask-threshold', '1'])).dice, 0);
  assert.ok((await evalSeg(['--model', runDir, '--mask-threshold', '0'])).dice > 0);
});

test('eval seg without --model scores the bundled segmenter', async () => {
  assert.equal((await evalSeg([])).n, 4);
});
