/**
 * Explanations on classifiers trained on synthetic photos (about 20 s on 2 cores):
 * - one trained to find the lesion (lesion vs the same skin with the lesion painted out): its
 *   class activation map of "lesion" lies mostly inside the lesion;
 * - one trained on the seven synthetic lesion classes: the out-of-distribution detector fitted on
 *   held-out photos passes most photos like them and flags generated non-dermoscopy images.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRng, mixSeed } from '../../src/data/random.js';
import { renderDermoscopy } from '../../src/data/synth/render.js';
import { compileTrainer } from '../../src/engine/index.js';
import { fitOodDetector, type LabelledImage } from '../../src/eval/fit-ood.js';
import { nonDermoscopyProbes } from '../../src/eval/ood-probes.js';
import { encodePng } from '../../src/image/decode.js';
import type { GrayImage, RgbImage } from '../../src/image/types.js';
import { HAM_CLASSES, PREPROCESSING_PRESETS, type ModelConfig } from '../../src/models/config.js';
import { prepareInput } from '../../src/models/preprocess.js';
import { tf } from '../../src/tf.js';
import { analyze } from '../../src/pipeline/analyze.js';
import { decodeFloats } from '../../src/pipeline/ood.js';
import { onnxPredictorFor, type ModelRunner, type Predictor } from '../../src/pipeline/predictor.js';
import { withSeededMathRandom } from '../../src/train/seed.js';

const SIZE = 64;
const BATCH = 16;
const p = PREPROCESSING_PRESETS.tf;
const preprocessing = { inputSize: SIZE, resizeMode: 'stretch' as const, channelOrder: p.channelOrder, scale: p.scale, mean: [...p.mean] as [number, number, number], std: [...p.std] as [number, number, number] };

interface Photo {
  image: RgbImage;
  mask: GrayImage;
  /** Index into the classifier's classes. */
  label: number;
}

/** The photo with its lesion painted over: each row's lesion run filled by interpolating the skin at either end. */
function withoutLesion(image: RgbImage, mask: GrayImage): RgbImage {
  const data = image.data.slice();
  const { width, height } = image;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!mask.data[y * width + x]) continue;
      let end = x;
      while (end < width && mask.data[y * width + end]) end++;
      const left = Math.max(0, x - 1);
      const right = Math.min(width - 1, end);
      for (let k = x; k < end; k++) {
        const t = (k - left) / Math.max(1, right - left);
        for (let c = 0; c < 3; c++) data[(y * width + k) * 3 + c] = Math.round(image.data[(y * width + left) * 3 + c]! * (1 - t) + image.data[(y * width + right) * 3 + c]! * t);
      }
      x = end;
    }
  }
  return { width, height, data };
}

function render(i: number, seed: number): { image: RgbImage; mask: GrayImage } {
  return renderDermoscopy({ width: 96, height: 72, lesion: { dx: HAM_CLASSES[i % 7]!, seed: mixSeed(seed, i) }, shotSeed: mixSeed(seed, i, 1), vignette: false, ruler: false });
}

/** Half the photos with their lesion (label 0), half with it painted out (label 1). */
function lesionOrSkin(n: number, seed: number): Photo[] {
  return Array.from({ length: n }, (_, i) => {
    const { image, mask } = render(i, seed);
    return i % 2 === 0 ? { image, mask, label: 0 } : { image: withoutLesion(image, mask), mask, label: 1 };
  });
}

/** Photos labelled by their synthetic lesion class. */
function lesionClasses(n: number, seed: number): Photo[] {
  return Array.from({ length: n }, (_, i) => ({ ...render(i, seed), label: i % 7 }));
}

function config(classes: string[]): ModelConfig {
  return {
    format: 'dermkit-model/1', kind: 'classifier', name: 'synthetic-test', arch: 'gap-dense', encoder: 'none', trainedOn: 'image',
    preprocessing, classes, provenance: { createdAt: '2026-01-01T00:00:00.000Z', dermkitVersion: 'test', initialisation: 'trained on synthetic photos' },
  };
}

/** Three convolutions, then the GAP + dense head of the registry's classifiers, trained with dermkit's ONNX trainer. */
async function trainClassifier(photos: Photo[], classes: string[], width: number, epochs: number): Promise<Predictor> {
  const model = withSeededMathRandom(3, () => {
    const input = tf.input({ shape: [SIZE, SIZE, 3] });
    let x = tf.layers.conv2d({ filters: width / 2, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    x = tf.layers.conv2d({ filters: width, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.conv2d({ filters: width, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x) as tf.SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling2d({ name: 'head_pool' }).apply(x);
    const output = tf.layers.dense({ units: classes.length, activation: 'softmax', name: 'head_predictions' }).apply(pooled) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: output });
  });
  const inputs = await Promise.all(photos.map(async (photo) => (await prepareInput(photo.image, preprocessing)).data));
  const trainer = await compileTrainer(model, { loss: 'categoricalCrossentropy', optimizer: { type: 'adam', learningRate: 3e-3 }, batchSize: BATCH, seed: 4 });
  const rng = createRng(4);
  const perImage = SIZE * SIZE * 3;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = rng.shuffle(photos.map((_, i) => i));
    for (let start = 0; start + BATCH <= order.length; start += BATCH) {
      const x = new Float32Array(BATCH * perImage);
      const y = new Float32Array(BATCH * classes.length);
      order.slice(start, start + BATCH).forEach((i, k) => {
        x.set(inputs[i]!, k * perImage);
        y[k * classes.length + photos[i]!.label] = 1;
      });
      await trainer.step(x, y);
    }
  }
  await trainer.writeBack();
  trainer.dispose();
  return onnxPredictorFor({ model, config: config(classes) });
}

/** No lesion anywhere: whole-image classifiers need no mask, and the maps are judged against the true masks. */
const noSegmenter: ModelRunner = {
  config: { ...config([]), kind: 'segmenter', name: 'none', classes: undefined, trainedOn: undefined, maskThreshold: 0.5 },
  predict: async () => new Float32Array(SIZE * SIZE),
};

let root: string;
const trained: Predictor[] = [];

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'dermkit-trained-'));
});
after(async () => {
  for (const predictor of trained) predictor.dispose();
  await rm(root, { recursive: true, force: true });
});

describe('classifiers trained on synthetic photos', () => {
  it('find the lesion, and the class activation map of "lesion" lies mostly inside it', async () => {
    const classifier = await trainClassifier(lesionOrSkin(240, 11), ['lesion', 'skin'], 16, 15);
    trained.push(classifier);
    const test = lesionOrSkin(40, 12);
    let correct = 0;
    let inside = 0;
    let total = 0;
    let area = 0;
    for (const photo of test) {
      const r = await analyze(photo.image, { segmenter: noSegmenter, classifier });
      if (r.top.label === classifier.config.classes![photo.label]) correct++;
      if (photo.label !== 0) continue;
      area += photo.mask.data.filter((v) => v > 0).length / photo.mask.data.length / (test.length / 2);
      if (r.top.label !== 'lesion') continue;
      assert.ok(r.cam, 'the result has a class activation map');
      r.cam.data.forEach((v, i) => {
        total += v;
        if (photo.mask.data[i]) inside += v;
      });
    }
    const accuracy = correct / test.length;
    const mass = inside / total;
    console.log(`held-out accuracy ${accuracy.toFixed(3)}; map mass inside the lesion ${mass.toFixed(3)} (the lesions cover ${area.toFixed(3)} of the photos)`);
    assert.ok(accuracy >= 0.85, `accuracy ${accuracy}`);
    assert.ok(mass >= 0.6 && mass >= 3 * area, `map mass inside the lesion ${mass} (lesion area ${area})`);
  });

  it('have an out-of-distribution detector that passes photos like their own and flags non-dermoscopy images', async () => {
    const classifier = await trainClassifier(lesionClasses(280, 11), [...HAM_CLASSES], 32, 20);
    trained.push(classifier);
    const write = async (photos: Photo[], name: string): Promise<LabelledImage[]> => Promise.all(photos.map(async (photo, i) => {
      const imagePath = path.join(root, `${name}-${i}.png`);
      await writeFile(imagePath, await encodePng(photo.image));
      return { id: `${name}-${i}`, imagePath, label: HAM_CLASSES[photo.label]! };
    }));
    const { detector } = await fitOodDetector({
      segmenter: noSegmenter, classifier, statsSamples: await write(lesionClasses(120, 13), 'stats'), thresholdSamples: await write(lesionClasses(40, 12), 'held'),
      fittedOn: 'synthetic', coverage: 0.95, dims: 16,
    });
    assert.deepEqual(Object.keys(detector.classMeans), [...HAM_CLASSES].sort());
    assert.equal(decodeFloats(detector.precision).length, 16 * 16);
    assert.ok(detector.flagged!.out_of_distribution! <= 0.1, `held-out photos flagged: ${detector.flagged!.out_of_distribution}`);
    const fitted = { ...classifier, config: { ...classifier.config, ood: detector } };
    const missed: string[] = [];
    for (const probe of await nonDermoscopyProbes()) {
      const r = await analyze(probe.image, { segmenter: noSegmenter, classifier: fitted });
      if (!r.warnings.some((w) => w.code === 'out_of_distribution')) missed.push(probe.name);
    }
    console.log(`range ${detector.range.join(' - ')}; probes not flagged: ${missed.join(', ') || 'none'}`);
    for (const name of ['flat grey', 'colour noise', 'grey noise']) assert.ok(!missed.includes(name), `${name} is flagged`);
    assert.ok(missed.length <= 5, `not flagged as out of distribution: ${missed.join(', ')}`);
  });
});
