/**
 * The commands around explanations, end to end on synthetic data and tiny untrained models:
 * `models calibrate` records the melanoma operating points, `models fit-ood` the
 * out-of-distribution detector with the share of held-out images each warning flags, `eval cls
 * --report` the reliability diagram and the operating-point table, `models card` all of it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ModelConfig } from '../../src/models/config.js';
import { tinyModels } from '../pipeline/fixtures.js';

const run = promisify(execFile);
const MAIN = path.resolve('src/cli/main.ts');

async function dermkit(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', MAIN, ...args], { maxBuffer: 64 << 20 });
  return stdout;
}

let models: { root: string; seg: string; cls: string };
let work: string;

before(async () => {
  models = await tinyModels();
  work = await mkdtemp(path.join(os.tmpdir(), 'dermkit-cli-explain-'));
});
after(async () => {
  await rm(models.root, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

test('calibrate, fit-ood, eval cls --report and the model card carry operating points, warning shares and the calibration plot', async () => {
  const data = path.join(work, 'data');
  const split = path.join(work, 'split.json');
  await dermkit(['data', 'synth', '--out', data, '--n', '42', '--size', '64', '--task', 'both']);
  await dermkit(['data', 'split', data, '--out', split, '--val-fraction', '0.4']);
  const common = ['--data', data, '--split', split, '--seg', models.seg];

  const calibrated = JSON.parse(await dermkit(['models', 'calibrate', models.cls, ...common, '--flag-at', '0.9']));
  assert.deepEqual(calibrated.triage.operatingPoints.map((p: { targetSensitivity: number }) => p.targetSensitivity), [0.9, 0.95]);
  // The fitted temperature is kept only where it lowers the calibration error; else 1.
  const ece = calibrated.ece[calibrated.weighting];
  assert.ok(calibrated.temperature === calibrated.fittedTemperature ? ece.after < ece.before : calibrated.temperature === 1 && Math.abs(ece.after - ece.before) < 1e-6, JSON.stringify(calibrated));
  const fitted = await dermkit(['models', 'fit-ood', models.cls, ...common, '--per-class', '2']);
  assert.match(fitted, /share of the val images flagged: no_lesion [\d.]+ %, lesion_at_border [\d.]+ %, image_too_small [\d.]+ %, low_confidence [\d.]+ %, out_of_distribution [\d.]+ %, any [\d.]+ %/);
  assert.match(fitted, /generated non-dermoscopy images flagged \(out of distribution or no lesion\): \d+ of 13 \(out of distribution: \d+\)/);
  const config = JSON.parse(await readFile(path.join(models.cls, 'dermkit.json'), 'utf8')) as ModelConfig;
  assert.equal(config.triage!.threshold, config.triage!.operatingPoints![0]!.threshold, '--flag-at 0.9 made that point the default');
  assert.equal(config.ood!.method, 'mahalanobis-random-projection');
  assert.ok(config.ood!.range[0] <= config.ood!.range[1]);
  assert.equal(Object.keys(config.ood!.flagged!).length, 6);

  const report = path.join(work, 'report');
  const summary = JSON.parse(await dermkit(['eval', 'cls', '--model', models.cls, ...common, '--json', '--report', report]));
  assert.deepEqual(summary.melanomaOperatingPoints.rows.map((r: { chosenOn: string }) => r.chosenOn.split(' ')[0]), ['dermkit.json', 'dermkit.json']);
  await access(path.join(report, 'reliability.png'));
  const markdown = await readFile(path.join(report, 'report.md'), 'utf8');
  assert.match(markdown, /## Melanoma operating points/);
  assert.match(markdown, /\| 0\.95 \| [\d.]+ \| dermkit\.json/);

  await dermkit(['models', 'card', models.cls]);
  const card = await readFile(path.join(models.cls, 'MODEL_CARD.md'), 'utf8');
  assert.match(card, /Flag for review \(mel\): p ≥ [\d.]+ for sensitivity 0\.9/);
  assert.match(card, /Share of the held-out images each warning flags: no_lesion/);
  assert.match(card, /Generated non-dermoscopy images .* flagged as out of distribution or without a lesion: \d+ of 13/);
});
