import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateSynthetic } from '../../src/data/synth.js';

const MAIN = path.resolve('src/cli/main.ts');

function train(args: string[], onLine?: (line: string, kill: () => void) => void): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'train', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      for (const line of d.toString().split('\n')) onLine?.(line, () => child.kill('SIGKILL'));
    });
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

test('a run killed with SIGKILL mid-epoch resumes with --resume and finishes', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'dermkit-resume-'));
  try {
    const data = path.join(root, 'data');
    await generateSynthetic({ out: data, n: 48, size: 64, seed: 5, task: 'seg' });
    const out = path.join(root, 'run');
    const args = ['seg', '--data', data, '--out', out, '--encoder', 'mobilenetv2', '--alpha', '0.35', '--input-size', '32',
      '--epochs', '3', '--batch', '4', '--checkpoint-every', '2', '--patience', '0', '--augment', 'none'];
    // Kill once the second epoch has a mid-epoch checkpoint.
    const killed = await train(args, (line, kill) => {
      if (line.startsWith('checkpoint epoch 2 ')) kill();
    });
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    const before = JSON.parse(await readFile(path.join(out, 'last', 'training.json'), 'utf8'));
    assert.equal(before.epoch, 1);
    assert.ok(before.stepInEpoch > 0);

    const resumed = await train([...args, '--resume']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const state = JSON.parse(await readFile(path.join(out, 'last', 'training.json'), 'utf8'));
    assert.equal(state.epoch, 3);
    const log = (await readFile(path.join(out, 'log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(log.map((r) => r.epoch), [1, 2, 3]);
    assert.deepEqual((await readdir(out)).filter((e) => e.includes('.tmp-') || e.includes('.old-')), []);

    // Naming --epochs on resume extends the finished run, and the new budget is what it records.
    const extended = await train(['seg', '--data', data, '--out', out, '--resume', '--epochs', '4']);
    assert.equal(extended.code, 0, extended.stderr);
    const after = JSON.parse(await readFile(path.join(out, 'last', 'training.json'), 'utf8'));
    assert.equal(after.epoch, 4);
    assert.equal(after.options.epochs, 4);
    assert.equal(after.options.inputSize, 32);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
