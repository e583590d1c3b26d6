/**
 * Helpers shared by the Keras Applications ports: Keras's automatic layer names, its width
 * rounding rules, its stride-2 padding, input checks and the per-stride feature bookkeeping.
 */
import { tf } from '../../tf.js';
import type { EncoderFeatures, EncoderOptions, Stride } from './types.js';

/**
 * Keras names an unnamed layer after its class, counting per class from a fresh session:
 * `conv2d`, `conv2d_1`, `conv2d_2`, ... Layers Keras names explicitly never consume a number.
 * One instance per model build reproduces the names a fresh Keras session would give.
 */
export class KerasAutoNames {
  private readonly used = new Map<string, number>();

  next(prefix: string): string {
    const count = this.used.get(prefix) ?? 0;
    this.used.set(prefix, count + 1);
    return count === 0 ? prefix : `${prefix}_${count}`;
  }
}

/** Validates and returns the width multiplier (default 1). */
export function resolveAlpha(encoder: string, options: EncoderOptions | undefined): number {
  const alpha = options?.alpha ?? 1;
  if (!Number.isFinite(alpha) || alpha <= 0) {
    throw new Error(`encoder ${encoder}: alpha must be a positive number, got ${String(alpha)}`);
  }
  return alpha;
}

/**
 * Filter count for families Keras gives no width multiplier (ResNet, Xception, InceptionResNetV2):
 * scaled by alpha, at least 8 so that test-sized models keep usable channels. alpha 1 is exact.
 */
export function scaleWidth(filters: number, alpha: number): number {
  return alpha === 1 ? filters : Math.max(8, Math.round(filters * alpha));
}

/** Keras/TF-slim `_make_divisible`: round to a multiple of `divisor`, never below 90 % of `value`. */
export function makeDivisible(value: number, divisor: number, minValue: number = divisor): number {
  let rounded = Math.max(minValue, Math.floor(Math.trunc(value + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * value) rounded += divisor;
  return rounded;
}

/**
 * Keras `imagenet_utils.correct_pad`: the zero padding in front of a stride-2 'valid' convolution
 * that makes it match TF's 'same' output size, for even and odd inputs alike.
 */
export function correctPad(x: tf.SymbolicTensor, kernelSize: number): [[number, number], [number, number]] {
  const half = Math.floor(kernelSize / 2);
  const before = (size: number | null): number => (size == null ? half - 1 : half - (1 - (size % 2)));
  return [
    [before(x.shape[1]), half],
    [before(x.shape[2]), half],
  ];
}

/** Throws unless `input` is an NHWC 3-channel tensor whose known sides are at least `minSize`. */
export function checkEncoderInput(encoder: string, input: tf.SymbolicTensor, minSize: number): void {
  const shape = input.shape;
  if (shape.length !== 4 || shape[3] !== 3) {
    throw new Error(`encoder ${encoder}: input must be NHWC with 3 channels, got shape ${JSON.stringify(shape)}`);
  }
  for (const side of [shape[1], shape[2]]) {
    if (side != null && side < minSize) {
      throw new Error(`encoder ${encoder}: input side ${side} is below the minimum of ${minSize} pixels`);
    }
  }
}

/** The NHWC input of a Keras ImageNet classifier, named as Keras names it. */
export function classifierInput(encoder: string, inputSize: number, minSize: number): tf.SymbolicTensor {
  if (!Number.isInteger(inputSize) || inputSize < minSize) {
    throw new Error(`encoder ${encoder}: classifier input size must be an integer >= ${minSize}, got ${inputSize}`);
  }
  return tf.input({ shape: [inputSize, inputSize, 3], name: 'input_1' });
}

/**
 * The Keras include_top head of ResNet, Xception, InceptionResNetV2 and MobileNetV2: global
 * average pooling then a 1000-way softmax named 'predictions'.
 */
export function imagenetTop(input: tf.SymbolicTensor, features32: tf.SymbolicTensor, modelName: string, poolName = 'avg_pool'): tf.LayersModel {
  let x = applyTo(tf.layers.globalAveragePooling2d({ name: poolName }), features32);
  x = applyTo(dense({ units: 1000, activation: 'softmax', name: 'predictions' }), x);
  return tf.model({ inputs: input, outputs: x, name: modelName });
}

/** Number of channels of an NHWC tensor (always known in these architectures). */
export function channelsOf(x: tf.SymbolicTensor): number {
  const channels = x.shape[x.shape.length - 1];
  if (channels == null) throw new Error(`tensor ${x.name} has an unknown channel count`);
  return channels;
}

/**
 * Remembers, for each output stride, the last tensor produced at that resolution: recording a
 * stage's output overwrites the earlier blocks of the same stage.
 */
export class FeatureRecorder {
  private readonly features = new Map<Stride, tf.SymbolicTensor>();

  constructor(private readonly encoder: string) {}

  record(stride: number, x: tf.SymbolicTensor): void {
    if (stride !== 2 && stride !== 4 && stride !== 8 && stride !== 16 && stride !== 32) {
      throw new Error(`encoder ${this.encoder}: internal error, no feature slot for stride ${stride}`);
    }
    this.features.set(stride, x);
  }

  result(): EncoderFeatures {
    const deepest = this.features.get(32);
    if (deepest === undefined) throw new Error(`encoder ${this.encoder}: internal error, no stride-32 feature`);
    const features: EncoderFeatures['features'] = { 32: deepest };
    const channels: EncoderFeatures['channels'] = { 32: channelsOf(deepest) };
    for (const [stride, x] of this.features) {
      features[stride] = x;
      channels[stride] = channelsOf(x);
    }
    return { features, channels };
  }
}

/** Applies a layer to a single symbolic tensor (TF.js types `apply` for tensors and arrays). */
export function applyTo(layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return layer.apply(x) as tf.SymbolicTensor;
}

/**
 * Keras initialises kernels with glorot_uniform; TF.js's conv, depthwise and dense layers default
 * to glorotNormal instead (whose truncated-normal sampling also makes big models several times
 * slower to build). These wrappers restore Keras's default; explicit initializers still win.
 */
const KERAS_DEFAULT_KERNEL_INITIALIZER = 'glorotUniform';

export function conv2d(args: Parameters<typeof tf.layers.conv2d>[0]): tf.layers.Layer {
  return tf.layers.conv2d({ kernelInitializer: KERAS_DEFAULT_KERNEL_INITIALIZER, ...args });
}

export function depthwiseConv2d(args: Parameters<typeof tf.layers.depthwiseConv2d>[0]): tf.layers.Layer {
  return tf.layers.depthwiseConv2d({ depthwiseInitializer: KERAS_DEFAULT_KERNEL_INITIALIZER, ...args });
}

export function dense(args: Parameters<typeof tf.layers.dense>[0]): tf.layers.Layer {
  return tf.layers.dense({ kernelInitializer: KERAS_DEFAULT_KERNEL_INITIALIZER, ...args });
}
