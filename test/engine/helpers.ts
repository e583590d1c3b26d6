/**
 * Shared helpers for the engine tests: tiny models of each encoder family, deterministic data,
 * a seeded Math.random (TF.js seeds dropout noise from it), and tolerance checks.
 */
import assert from 'node:assert/strict';
import { tf } from '../../src/tf.js';
import { compileTrainer, type Trainer, type TrainerOptions } from '../../src/engine/index.js';
import { mulberry32 } from '../../src/data/random.js';

const L = tf.layers;
type T = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: T | T[]) => layer.apply(x) as T;

let initializerSeed = 1;
/** Deterministic Glorot initialiser so that every run builds identical weights. */
const init = () => tf.initializers.glorotUniform({ seed: initializerSeed++ });

function conv(x: T, filters: number, kernelSize: number, options: Partial<tf.layers.LayerArgs & { strides: number; padding: 'same' | 'valid'; useBias: boolean; activation: string }> = {}): T {
  return apply(L.conv2d({ filters, kernelSize, padding: 'same', useBias: false, kernelInitializer: init(), ...options } as never), x);
}
/** BN with non-trivial initial statistics, so inference paths are not identity maps. */
function bn(x: T, momentum = 0.9): T {
  return apply(L.batchNormalization({ momentum, movingMeanInitializer: tf.initializers.constant({ value: 0.1 }), movingVarianceInitializer: tf.initializers.constant({ value: 1.5 }) }), x);
}
function head(x: T, classes: number): T {
  return apply(L.dense({ units: classes, activation: 'softmax', kernelInitializer: init() }), apply(L.globalAveragePooling2d({}), x));
}

export const SIZE = 12;
export const CLASSES = 3;

/** conv s2 + BN + ReLU6 (as reLU maxValue and as 'relu6'), inverted residual with depthwise, GAP, softmax. */
export function tinyMobileNetV2(): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  let x = apply(L.reLU({ maxValue: 6 }), bn(conv(input, 8, 3, { strides: 2 })));
  let h = apply(L.activation({ activation: 'relu6' }), bn(conv(x, 16, 1)));
  h = apply(L.zeroPadding2d({ padding: [[0, 1], [0, 1]] }), h);
  h = apply(L.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'valid', useBias: false, depthwiseInitializer: init() }), h);
  h = apply(L.reLU({ maxValue: 6 }), bn(h, 0.99));
  h = bn(conv(h, 8, 1));
  let s = apply(L.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2, useBias: false, depthwiseInitializer: init() }), h);
  s = bn(conv(apply(L.reLU({ maxValue: 6 }), bn(s)), 8, 1));
  x = apply(L.add(), [h, s]);
  return tf.model({ inputs: input, outputs: head(x, CLASSES) });
}

/** ZeroPadding + 7x7/2 biased conv + ReLU, max pool 3x3/2, a residual block with BN, average pool, GAP, softmax. */
export function tinyResNet(): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  let x = apply(L.zeroPadding2d({ padding: 3 }), input);
  // A bias right before batch norm has an identically zero gradient (Adam then amplifies noise), so the biased conv feeds ReLU.
  x = conv(x, 8, 7, { strides: 2, padding: 'valid', useBias: true, activation: 'relu' });
  x = apply(L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), x);
  let h = apply(L.activation({ activation: 'relu' }), bn(conv(x, 8, 3)));
  h = bn(conv(h, 8, 3));
  x = apply(L.activation({ activation: 'relu' }), apply(L.add(), [x, h]));
  x = apply(L.averagePooling2d({ poolSize: 2, strides: 1, padding: 'valid' }), x);
  return tf.model({ inputs: input, outputs: head(x, CLASSES) });
}

/** Swish, a squeeze-and-excitation block, spatial and dense dropout, GAP, softmax. */
export function tinyEfficientNet(): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  let x = apply(L.activation({ activation: 'swish' }), bn(conv(input, 8, 3, { strides: 2 })));
  x = apply(L.depthwiseConv2d({ kernelSize: 5, padding: 'same', useBias: false, depthwiseInitializer: init() }), x);
  x = apply(L.activation({ activation: 'swish' }), bn(x));
  let se = apply(L.globalAveragePooling2d({}), x);
  se = apply(L.reshape({ targetShape: [1, 1, 8] }), se);
  se = conv(se, 2, 1, { activation: 'swish', useBias: true });
  se = conv(se, 8, 1, { activation: 'sigmoid', useBias: true });
  x = apply(L.multiply(), [x, se]);
  x = bn(conv(x, 8, 1));
  x = apply(L.dropout({ rate: 0.2, noiseShape: [null, 1, 1, 1] as unknown as number[] }), x);
  x = apply(L.globalAveragePooling2d({}), x);
  x = apply(L.dropout({ rate: 0.3 }), x);
  x = apply(L.dense({ units: CLASSES, activation: 'softmax', kernelInitializer: init() }), x);
  return tf.model({ inputs: input, outputs: x });
}

/** Encoder with two strides, bilinear upsampling back to each skip, concatenation, sigmoid head. */
export function tinyUnet(): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  const s1 = apply(L.activation({ activation: 'relu' }), bn(conv(input, 4, 3)));
  const s2 = apply(L.activation({ activation: 'relu' }), bn(conv(s1, 8, 3, { strides: 2 })));
  const s4 = apply(L.activation({ activation: 'relu' }), bn(conv(s2, 8, 3, { strides: 2 })));
  let x = apply(L.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }), s4);
  x = apply(L.concatenate(), [x, s2]);
  x = apply(L.activation({ activation: 'relu' }), bn(conv(x, 8, 3)));
  x = apply(L.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }), x);
  x = apply(L.concatenate(), [x, s1]);
  x = apply(L.activation({ activation: 'relu' }), bn(conv(x, 4, 3)));
  x = conv(x, 1, 1, { activation: 'sigmoid', useBias: true });
  return tf.model({ inputs: input, outputs: x });
}

/** A reproducible stream of floats in [0, 1): the project's seeded PRNG. */
export const prng = mulberry32;

/** Run `fn` with Math.random replaced by a seeded generator (TF.js seeds dropout from Math.random). */
export async function withSeededMathRandom<R>(seed: number, fn: () => Promise<R>): Promise<R> {
  const original = Math.random;
  Math.random = prng(seed);
  try {
    return await fn();
  } finally {
    Math.random = original;
  }
}

export interface Batch {
  x: Float32Array;
  y: Float32Array;
}

/** Random NHWC images and matching targets: one-hot classes, or binary masks for 1-channel outputs. */
export function makeBatches(model: tf.LayersModel, batch: number, count: number, seed: number): Batch[] {
  const random = prng(seed);
  const inputSize = (model.inputs[0]!.shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
  const outputShape = model.outputs[0]!.shape.slice(1) as number[];
  const outputSize = outputShape.reduce((a, b) => a * b, 1);
  return Array.from({ length: count }, () => {
    const x = Float32Array.from({ length: batch * inputSize }, () => random() * 2 - 1);
    const y = new Float32Array(batch * outputSize);
    if (outputShape.length === 1) {
      for (let i = 0; i < batch; i++) y[i * outputSize + Math.floor(random() * outputSize)] = 1;
    } else {
      for (let i = 0; i < y.length; i++) y[i] = random() > 0.5 ? 1 : 0;
    }
    return { x, y };
  });
}

export interface RunResult {
  engine: Trainer['engine'];
  losses: number[];
  weights: Float32Array[];
  optimizer: Float32Array[];
}

/**
 * Train `model` from `initial` weights on `batches` with the given engine and return losses,
 * all model weights (batch-norm statistics included) and the optimizer state afterwards.
 * `beforeStep` may change hyperparameters between steps.
 */
export async function trainRun(
  model: tf.LayersModel,
  initial: tf.Tensor[],
  batches: Batch[],
  options: Omit<TrainerOptions, 'engine' | 'batchSize'> & { engine: 'onnx' | 'eager' },
  seed = 7,
  beforeStep?: (trainer: Trainer, step: number) => void,
): Promise<RunResult> {
  model.setWeights(initial);
  const batch = batches[0]!.x.length / (model.inputs[0]!.shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
  // One ONNX Runtime thread keeps reduction order, and so the results, identical from run to run.
  const trainer = await compileTrainer(model, { ...options, batchSize: batch, threads: 1, onFallback: (reason) => assert.fail(`unexpected fallback: ${reason}`) });
  try {
    const losses = await withSeededMathRandom(seed, async () => {
      const values: number[] = [];
      for (const [i, b] of batches.entries()) {
        beforeStep?.(trainer, i);
        values.push(await trainer.step(b.x, b.y));
      }
      return values;
    });
    await trainer.writeBack();
    return {
      engine: trainer.engine,
      losses,
      weights: model.getWeights().map((w) => Float32Array.from(w.dataSync())),
      optimizer: (await trainer.getOptimizerState()).map((a) => a.data),
    };
  } finally {
    trainer.dispose();
  }
}

/**
 * max|a - b| / max(max|b|, floor): the error relative to the tensor's scale. The floor keeps
 * tensors that are (almost) all zero, whose relative error is meaningless, from dominating.
 */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 0): number {
  assert.equal(a.length, b.length, 'length mismatch');
  let diff = 0;
  let scale = floor;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string, floor = 0): void {
  const error = relativeError(actual, expected, floor);
  assert.ok(error <= tolerance, `${what}: relative error ${error.toExponential(2)} > ${tolerance}`);
}
