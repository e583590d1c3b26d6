import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// Guards the README's first command: the bundled sample through the bundled models gives what
// models/sample-expectation.json records (written by scripts/train-default-models.sh when it ships them).
test('samples/lesion.jpg through the bundled models gives the recorded top class and lesion fraction', async () => {
  const expected = JSON.parse(await readFile('models/sample-expectation.json', 'utf8')) as {
    image: string; top: string; topProbability: number; lesionAreaFraction: number;
  };
  const out = await mkdtemp(path.join(os.tmpdir(), 'dermkit-bundled-'));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'analyze', expected.image, '--json', '--out', out]);
    const [r] = JSON.parse(stdout) as { ok: boolean; top: string; topProbability: number; lesionAreaFraction: number; warnings: unknown[] }[];
    assert.equal(r!.ok, true);
    assert.equal(r!.top, expected.top);
    assert.ok(Math.abs(r!.topProbability - expected.topProbability) < 1e-3, `top probability ${r!.topProbability}, recorded ${expected.topProbability}`);
    assert.ok(Math.abs(r!.lesionAreaFraction - expected.lesionAreaFraction) < 1e-3, `lesion fraction ${r!.lesionAreaFraction}, recorded ${expected.lesionAreaFraction}`);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
