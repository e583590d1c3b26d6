import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { analyze } from '../../src/pipeline/analyze.js';
import { loadPredictor } from '../../src/pipeline/predictor.js';
import { lesionPicture, tinyModels, writeBadImages, writeTestImages } from '../pipeline/fixtures.js';

const run = promisify(execFile);
const MAIN = path.resolve('src/cli/main.ts');

async function dermkit(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', MAIN, ...args], { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

let models: { root: string; seg: string; cls: string };
let work: string;

before(async () => {
  models = await tinyModels();
  work = await mkdtemp(path.join(os.tmpdir(), 'dermkit-cli-'));
});
after(async () => {
  await rm(models.root, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

test('analyze writes mask, ROI, overlay, class activation map, results.jsonl and summary.csv for every image', async () => {
  const inputs = path.join(work, 'good');
  await mkdir(inputs);
  const files = await writeTestImages(inputs);
  const out = path.join(work, 'out-good');
  const r = await dermkit(['analyze', inputs, '--seg', models.seg, '--cls', models.cls, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  for (const [name, file] of Object.entries(files)) {
    const size = await sharp(file).metadata();
    const maskFile = path.join(out, `${name}.mask.png`);
    assert.equal((await sharp(maskFile).metadata()).channels, 1);
    const mask = await sharp(maskFile).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    assert.equal(mask.info.width, size.width);
    assert.equal(mask.info.height, size.height);
    assert.ok(mask.data.every((v) => v === 0 || v === 255), `${name} mask is not binary`);
    const overlay = await sharp(path.join(out, `${name}.overlay.png`)).metadata();
    assert.equal(overlay.width, size.width);
    const cam = await sharp(path.join(out, `${name}.cam.png`)).metadata();
    assert.deepEqual([cam.width, cam.height], [size.width, size.height]);
    assert.equal((await sharp(path.join(out, `${name}.roi.jpg`)).metadata()).format, 'jpeg');
  }
  const lines = (await readFile(path.join(out, 'results.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  for (const l of lines) {
    assert.equal(l.ok, true);
    assert.ok(Array.isArray(l.warnings));
    assert.equal(l.outputs.cam, `${l.name}.cam.png`);
    const sum = Object.values(l.probabilities as Record<string, number>).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5);
  }
  const csv = (await readFile(path.join(out, 'summary.csv'), 'utf8')).trim().split('\n');
  assert.equal(csv.length, 4);
  assert.match(csv[0]!, /^file,ok,error,top,top_probability,p_akiec.*,warnings,flag_for_review$/);

  const again = await dermkit(['analyze', inputs, '--seg', models.seg, '--cls', models.cls, '--out', out]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /3 already in/);
});

test('bad files are reported by name, good ones still analysed, exit code 2', async () => {
  const inputs = path.join(work, 'mixed');
  await mkdir(inputs);
  const good = await writeTestImages(inputs);
  const bad = await writeBadImages(inputs);
  const out = path.join(work, 'out-mixed');
  const r = await dermkit(['analyze', inputs, '--seg', models.seg, '--cls', models.cls, '--out', out, '--json']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /truncated\.jpg/);
  assert.match(r.stderr, /notes\.jpg/);
  const records = JSON.parse(r.stdout) as { file: string; ok: boolean }[];
  for (const file of Object.values(good)) assert.equal(records.find((x) => x.file === file)?.ok, true);
  for (const file of Object.values(bad)) assert.equal(records.find((x) => x.file === file)?.ok, false);
});

test('an image over the pixel limit is refused before decoding', async () => {
  const inputs = path.join(work, 'limit');
  await mkdir(inputs);
  const { small } = await writeTestImages(inputs);
  const r = await dermkit(['analyze', small, '--seg', models.seg, '--cls', models.cls, '--out', path.join(work, 'out-limit'), '--max-pixels', '100000']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /small\.jpg.*(too large|exceeds)/);
});

test('the CLI and the library preprocess identically: same model, same image, same probabilities', async () => {
  const inputs = path.join(work, 'same');
  await mkdir(inputs);
  const { small } = await writeTestImages(inputs);
  const r = await dermkit(['analyze', small, '--seg', models.seg, '--cls', models.cls, '--out', path.join(work, 'out-same'), '--json', '--engine', 'tfjs', '--mel-threshold', '0']);
  assert.equal(r.code, 0, r.stderr);
  const [cliRecord] = JSON.parse(r.stdout) as { probabilities: Record<string, number>; lesionAreaFraction: number; warnings: unknown[]; review: { flagged: boolean } }[];
  const segmenter = await loadPredictor(models.seg, 'tfjs');
  const classifier = await loadPredictor(models.cls, 'tfjs');
  const lib = await analyze(small, { segmenter, classifier, melThreshold: 0 });
  assert.deepEqual(cliRecord!.probabilities, lib.probabilities);
  assert.equal(cliRecord!.lesionAreaFraction, lib.lesionAreaFraction);
  assert.deepEqual(cliRecord!.warnings, lib.warnings);
  assert.equal(cliRecord!.review.flagged, true, '--mel-threshold 0 flags every image');
  const text = await dermkit(['analyze', small, '--seg', models.seg, '--cls', models.cls, '--out', path.join(work, 'out-text'), '--mel-threshold', '0']);
  assert.match(text.stdout, /FLAG FOR REVIEW: p\(mel\)/);
  assert.match(text.stdout, /class activation map of \w+: small\.cam\.png/);
  const bad = await dermkit(['analyze', small, '--seg', models.seg, '--cls', models.cls, '--out', path.join(work, 'out-bad'), '--mel-threshold', '1.5']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /probability between 0 and 1/);
  segmenter.dispose();
  classifier.dispose();
});

test('--mask-threshold replaces the segmenter\'s own threshold', async () => {
  const image = path.join(work, 'threshold.jpg');
  await lesionPicture(300, 200).jpeg().toFile(image);
  const lesionShare = async (threshold: string) => {
    const r = await dermkit(['analyze', image, '--seg', models.seg, '--cls', models.cls, '--out', path.join(work, `out-threshold-${threshold}`), '--json', '--mask-threshold', threshold]);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { lesionAreaFraction: number }[])[0]!.lesionAreaFraction;
  };
  // An untrained U-Net's probabilities lie strictly between 0 and 1: above 0 everywhere, above 1 nowhere.
  assert.equal(await lesionShare('0'), 1);
  assert.equal(await lesionShare('1'), 0);
});

test('models create saves an untrained model that analyze can use', async () => {
  const dir = path.join(work, 'created');
  const r = await dermkit(['models', 'create', '--cls', 'mobilenetv2', '--alpha', '0.35', '--input-size', '64', '--out', dir]);
  assert.equal(r.code, 0, r.stderr);
  const card = JSON.parse(await readFile(path.join(dir, 'dermkit.json'), 'utf8'));
  assert.equal(card.kind, 'classifier');
  assert.equal(card.preprocessing.inputSize, 64);
  const bad = await dermkit(['models', 'create', '--cls', 'vgg', '--out', path.join(work, 'x')]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /vgg/);
});
