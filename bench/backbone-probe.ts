/**
 * Which ImageNet backbone to fine-tune, measured rather than assumed: a linear probe. Each
 * encoder, initialised from its imported ImageNet weights and left frozen, turns a class-balanced
 * subset of the pool's training part and the whole validation part into global-average-pooled
 * features; a softmax regression with balanced class weights is fitted on the training features
 * and scored on validation (balanced accuracy, melanoma recall). Features that separate the
 * seven classes linearly are the ones fine-tuning starts furthest ahead with. Needs the pool.
 *
 *   node --import tsx bench/backbone-probe.ts --data ../shared/data/cls ../shared/data/ham10000 \
 *     --split runs/final/pool-split.json --weights runs/imagenet [--encoders mobilenetv2-1.0,mobilenet,resnet50] [--per-class 250] [--size 224]
 *     [--colour-constancy shades-of-gray] [--val-cast 1.15,1,0.85]
 *
 * --val-cast multiplies the validation images' channels (a different camera's white balance, or
 * light), to measure what colour constancy is for: the same lesions under another illuminant.
 */
import path from 'node:path';
import { openDatasets } from '../src/data/open.js';
import { applySplit, readSplit } from '../src/data/split.js';
import type { ClsSample } from '../src/data/types.js';
import { createRng } from '../src/data/random.js';
import { createOnnxPredictor, exportOnnx } from '../src/engine/index.js';
import { evaluateClassification } from '../src/eval/cls-metrics.js';
import { decodeImage } from '../src/image/decode.js';
import type { RgbImage } from '../src/image/types.js';
import { HAM_CLASSES, type ColourConstancy } from '../src/models/config.js';
import { prepareInput } from '../src/models/preprocess.js';
import { tf } from '../src/tf.js';
import { readWeightsCard } from '../src/weights/import.js';
import { createInitialModel } from '../src/train/initial-model.js';

function flag(name: string, fallback?: string): string[] {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback === undefined ? [] : [fallback];
  const values: string[] = [];
  for (let j = i + 1; j < process.argv.length && !process.argv[j]!.startsWith('--'); j++) values.push(process.argv[j]!);
  return values;
}

const data = flag('data');
const split = await readSplit(flag('split')[0]!);
const weightsRoot = flag('weights', 'runs/imagenet')[0]!;
const encoders = flag('encoders', 'mobilenetv2-1.0,mobilenet,resnet50')[0]!.split(',');
const perClass = Number(flag('per-class', '250')[0]);
const size = Number(flag('size', '224')[0]);
const colourConstancy = flag('colour-constancy')[0] as ColourConstancy | undefined;
const cast = flag('val-cast')[0]?.split(',').map(Number) as [number, number, number] | undefined;

function withCast(img: RgbImage, gains: readonly number[] | undefined): RgbImage {
  if (!gains) return img;
  return { ...img, data: Uint8Array.from(img.data, (v, i) => Math.min(255, Math.round(v * gains[i % 3]!))) };
}

const dataset = await openDatasets(data, 'cls');
const parts = applySplit(split, dataset.samples);
const rng = createRng(7);
const train = HAM_CLASSES.flatMap((c) => rng.shuffle(parts.train.filter((s) => s.label === c)).slice(0, perClass));
const val = parts.val;
console.log(`probe: ${train.length} training images (<= ${perClass} per class), ${val.length} validation images, ${size} px, colour constancy ${colourConstancy ?? 'none'}${cast ? `, validation cast ${cast.join('/')}` : ''}`);

async function features(samples: readonly ClsSample[], weightsDir: string, gains?: readonly number[]): Promise<{ x: Float32Array; dim: number; seconds: number }> {
  const card = await readWeightsCard(weightsDir);
  if (!card) throw new Error(`${weightsDir}: not a \`dermkit weights import\` folder`);
  const m = await createInitialModel({ task: 'cls', encoder: card.encoder, inputSize: size, pretrained: weightsDir, seed: 1 });
  if (colourConstancy) m.config.preprocessing.colourConstancy = colourConstancy;
  const pool = tf.model({ inputs: m.model.inputs, outputs: m.model.getLayer('head_pool').output as tf.SymbolicTensor });
  const predictor = await createOnnxPredictor(exportOnnx(pool), { threads: 2 });
  const dim = predictor.outputShape[0]!;
  const x = new Float32Array(samples.length * dim);
  const start = performance.now();
  for (const [i, s] of samples.entries()) {
    const { data: input } = await prepareInput(withCast(await decodeImage(s.imagePath), gains), m.config.preprocessing);
    x.set(await predictor.predict(input, 1), i * dim);
  }
  predictor.dispose();
  m.model.dispose();
  return { x, dim, seconds: (performance.now() - start) / 1000 };
}

/** Softmax regression on standardised features, balanced class weights, L2, full-batch Adam. */
function probe(trainX: Float32Array, trainY: readonly number[], valX: Float32Array, dim: number): Float32Array {
  return tf.tidy(() => {
    const xt = tf.tensor2d(trainX, [trainY.length, dim]);
    const mean = tf.mean(xt, 0);
    const std = tf.add(tf.sqrt(tf.mean(tf.square(tf.sub(xt, mean)), 0)), 1e-6);
    const norm = (x: tf.Tensor) => tf.div(tf.sub(x, mean), std);
    const xn = norm(xt);
    const y = tf.oneHot(tf.tensor1d([...trainY], 'int32'), HAM_CLASSES.length);
    const counts = HAM_CLASSES.map((_, k) => trainY.filter((v) => v === k).length);
    const sampleWeights = tf.tensor1d(trainY.map((k) => trainY.length / (HAM_CLASSES.length * counts[k]!)));
    const w = tf.variable(tf.zeros([dim, HAM_CLASSES.length]));
    const b = tf.variable(tf.zeros([HAM_CLASSES.length]));
    const optimizer = tf.train.adam(0.01);
    for (let step = 0; step < 300; step++) {
      optimizer.minimize(() => {
        const logits = tf.add(tf.matMul(xn, w), b);
        const nll = tf.mean(tf.mul(tf.losses.softmaxCrossEntropy(y, logits, undefined, undefined, tf.Reduction.NONE), sampleWeights));
        return tf.add(nll, tf.mul(1e-3, tf.sum(tf.square(w)))) as tf.Scalar;
      });
    }
    const xv = norm(tf.tensor2d(valX, [valX.length / dim, dim]));
    return tf.softmax(tf.add(tf.matMul(xv, w), b)).dataSync() as Float32Array;
  });
}

for (const name of encoders) {
  const dir = path.join(weightsRoot, name);
  const t = await features(train, dir);
  const v = await features(val, dir, cast);
  const probabilities = probe(t.x, train.map((s) => HAM_CLASSES.indexOf(s.label)), v.x, t.dim);
  const k = HAM_CLASSES.length;
  const result = evaluateClassification([...HAM_CLASSES], val.map((s, i) => ({ id: s.id, trueLabel: s.label, probabilities: probabilities.subarray(i * k, (i + 1) * k) })));
  console.log(`PROBE ${name} dim=${t.dim} balancedAccuracy=${result.balancedAccuracy.toFixed(4)} melRecall=${result.perClass.mel!.recall.toFixed(4)} macroAuc=${result.auc.macro?.toFixed(4)} accuracy=${result.accuracy.toFixed(4)} feature_img_s=${((train.length + val.length) / (t.seconds + v.seconds)).toFixed(1)}`);
}
