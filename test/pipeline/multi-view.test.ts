/**
 * Multi-view classifiers and calibrated probabilities, through the same `analyze` every runtime
 * uses: the fused model equals the geometric mean of its members on their own views, in TF.js and
 * in its ONNX export, and the calibration in dermkit.json shapes the probabilities.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { decodeImage } from '../../src/image/decode.js';
import { loadModel, saveModel } from '../../src/models/io.js';
import { createMultiViewClassifier } from '../../src/models/multi-view.js';
import { createClassifier } from '../../src/models/registry.js';
import { analyze } from '../../src/pipeline/analyze.js';
import { calibrate, classify, viewImage } from '../../src/pipeline/classify.js';
import { loadPredictor, type Predictor } from '../../src/pipeline/predictor.js';
import { withSeededMathRandom } from '../../src/train/seed.js';
import { tinyModels, writeTestImages } from './fixtures.js';

let root: string;
let files: Record<string, string>;
let segmenter: Predictor;
const dirs = { image: '', crop: '', fused: '' };

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'dermkit-multiview-'));
  files = await writeTestImages(root);
  const tiny = await tinyModels();
  segmenter = await loadPredictor(tiny.seg, 'tfjs');
  const make = (seed: number, trainedOn: 'image' | 'crop') => withSeededMathRandom(seed, () => {
    const m = createClassifier({ encoder: 'mobilenetv2', inputSize: 64, alpha: 0.35 });
    m.config.trainedOn = trainedOn;
    if (trainedOn === 'crop') m.config.roiMargin = 0.2;
    m.config.calibration = { temperature: 1, logPriorShift: [0.5, 0, 0, 1, -0.5, -1, 0] };
    return m;
  });
  const image = make(1, 'image');
  const crop = make(2, 'crop');
  dirs.image = path.join(root, 'image');
  dirs.crop = path.join(root, 'crop');
  dirs.fused = path.join(root, 'fused');
  await saveModel(dirs.image, image);
  await saveModel(dirs.crop, crop);
  await saveModel(dirs.fused, createMultiViewClassifier([image, crop]));
});
after(async () => {
  segmenter.dispose();
  await rm(root, { recursive: true, force: true });
});

test('the fused classifier is the geometric mean of its members, each on its own view, in TF.js and ONNX', async () => {
  const config = (await loadModel(dirs.fused)).config;
  assert.deepEqual(config.views, ['image', 'crop']);
  assert.equal(config.roiMargin, 0.2);
  assert.equal(config.trainedOn, undefined);
  const image = await decodeImage(files.small);
  const r = await analyze(image, { segmenter, classifier: await loadPredictor(dirs.fused, 'tfjs') });
  assert.equal(r.classifiedOn, 'image+crop');
  const crop = viewImage(image, r.mask, 'crop', 0.2);
  assert.deepEqual([r.roi.width, r.roi.height], [crop.width, crop.height]);
  const uncalibrated = async (dir: string, view: typeof image) => {
    const p = await loadPredictor(dir, 'tfjs');
    return classify(view, { config: { ...p.config, calibration: undefined }, predict: (x, n) => p.predict(x, n) });
  };
  const a = await uncalibrated(dirs.image, image);
  const b = await uncalibrated(dirs.crop, crop);
  const classes = Object.keys(a);
  const geometric = calibrate(classes.map((c) => Math.sqrt(a[c]! * b[c]!)), { temperature: 1, logPriorShift: config.calibration!.logPriorShift });
  for (const engine of ['tfjs', 'onnx'] as const) {
    const fused = await analyze(image, { segmenter, classifier: await loadPredictor(dirs.fused, engine) });
    classes.forEach((c, i) => assert.ok(Math.abs(fused.probabilities[c]! - geometric[i]!) < 1e-5, `${engine} ${c}: ${fused.probabilities[c]} vs ${geometric[i]}`));
  }
  await assert.rejects(analyze(image, { segmenter, classifier: { config, predict: async () => new Float32Array(7) }, roi: false }), /takes image \+ crop together/);
});

test('calibration: the prior shift moves the probabilities, a higher temperature flattens them, T = 1 without shift is the identity', () => {
  const p = [0.7, 0.2, 0.1];
  assert.deepEqual(Array.from(calibrate(p, undefined)), Array.from(Float32Array.from(p)));
  const same = calibrate(p, { temperature: 1 });
  p.forEach((v, i) => assert.ok(Math.abs(same[i]! - v) < 1e-6));
  const hot = calibrate(p, { temperature: 2 });
  assert.ok(hot[0]! < 0.7 && hot[2]! > 0.1);
  const shifted = calibrate(p, { temperature: 1, logPriorShift: [0, 0, Math.log(7)] });
  assert.ok(Math.abs(shifted[0]! - shifted[2]!) < 1e-6, 'shifting class 2 by log 7 ties it with class 0');
});
