/**
 * Keras Applications MobileNetV2 (`keras.applications.mobilenet_v2`): inverted residual blocks
 * (1x1 expand, 3x3 depthwise, linear 1x1 project) with ReLU6 and batch norm momentum 0.999.
 * Widths follow Keras: `_make_divisible(filters * alpha, 8)`, last conv 1280 unless alpha > 1.
 */
import { tf } from '../../tf.js';
import {
  applyTo,
  channelsOf,
  checkEncoderInput,
  classifierInput,
  conv2d,
  correctPad,
  imagenetTop,
  depthwiseConv2d,
  FeatureRecorder,
  KerasAutoNames,
  makeDivisible,
  resolveAlpha,
} from './common.js';
import type { EncoderFeatures, EncoderOptions, EncoderSpec } from './types.js';

const NAME = 'mobilenetv2';
const MIN_INPUT = 32;
const SYMMETRIC_PAD: [[number, number], [number, number]] = [[1, 1], [1, 1]];

/** [output filters, stride, expansion] of inverted residual blocks 0..16. */
const BLOCKS: ReadonlyArray<readonly [number, number, number]> = [
  [16, 1, 1],
  [24, 2, 6], [24, 1, 6],
  [32, 2, 6], [32, 1, 6], [32, 1, 6],
  [64, 2, 6], [64, 1, 6], [64, 1, 6], [64, 1, 6],
  [96, 1, 6], [96, 1, 6], [96, 1, 6],
  [160, 2, 6], [160, 1, 6], [160, 1, 6],
  [320, 1, 6],
];

function batchNorm(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return applyTo(tf.layers.batchNormalization({ axis: 3, epsilon: 1e-3, momentum: 0.999, name }), x);
}

function relu6(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return applyTo(tf.layers.reLU({ maxValue: 6, name }), x);
}

/** Keras `_inverted_res_block`; block 0 has no expansion and is named `expanded_conv_`. */
function invertedResidual(
  input: tf.SymbolicTensor,
  filters: number,
  stride: number,
  expansion: number,
  alpha: number,
  id: number,
  symmetric: boolean,
): tf.SymbolicTensor {
  const inChannels = channelsOf(input);
  const projectFilters = makeDivisible(Math.trunc(filters * alpha), 8);
  const prefix = id === 0 ? 'expanded_conv_' : `block_${id}_`;
  let x = input;
  if (id !== 0) {
    x = applyTo(
      conv2d({ filters: expansion * inChannels, kernelSize: 1, padding: 'same', useBias: false, name: `${prefix}expand` }),
      x,
    );
    x = relu6(batchNorm(x, `${prefix}expand_BN`), `${prefix}expand_relu`);
  }
  if (stride === 2) x = applyTo(tf.layers.zeroPadding2d({ padding: symmetric ? SYMMETRIC_PAD : correctPad(x, 3), name: `${prefix}pad` }), x);
  x = applyTo(
    depthwiseConv2d({
      kernelSize: 3,
      strides: stride,
      padding: stride === 1 ? 'same' : 'valid',
      useBias: false,
      name: `${prefix}depthwise`,
    }),
    x,
  );
  x = relu6(batchNorm(x, `${prefix}depthwise_BN`), `${prefix}depthwise_relu`);
  x = applyTo(conv2d({ filters: projectFilters, kernelSize: 1, padding: 'same', useBias: false, name: `${prefix}project` }), x);
  x = batchNorm(x, `${prefix}project_BN`);
  if (inChannels === projectFilters && stride === 1) x = applyTo(tf.layers.add({ name: `${prefix}add` }), [input, x]);
  return x;
}

/**
 * Stride 2: expanded_conv_project_BN (16 ch at alpha 1); 4: block_2_add (24); 8: block_5_add (32);
 * 16: block_12_add (96); 32: out_relu (1280). These are torchvision's features[1], [3], [6], [13], [18].
 */
function build(input: tf.SymbolicTensor, options?: EncoderOptions): EncoderFeatures {
  checkEncoderInput(NAME, input, MIN_INPUT);
  const alpha = resolveAlpha(NAME, options);
  const symmetric = options?.padding === 'symmetric';
  const recorder = new FeatureRecorder(NAME);

  const stem = symmetric ? applyTo(tf.layers.zeroPadding2d({ padding: SYMMETRIC_PAD, name: 'Conv1_pad' }), input) : input;
  let x = applyTo(
    conv2d({ filters: makeDivisible(32 * alpha, 8), kernelSize: 3, strides: 2, padding: symmetric ? 'valid' : 'same', useBias: false, name: 'Conv1' }),
    stem,
  );
  x = relu6(batchNorm(x, 'bn_Conv1'), 'Conv1_relu');
  let stride = 2;
  BLOCKS.forEach(([filters, blockStride, expansion], id) => {
    stride *= blockStride;
    x = invertedResidual(x, filters, blockStride, expansion, alpha, id, symmetric);
    recorder.record(stride, x);
  });
  const lastFilters = alpha > 1 ? makeDivisible(1280 * alpha, 8) : 1280;
  x = applyTo(conv2d({ filters: lastFilters, kernelSize: 1, useBias: false, name: 'Conv_1' }), x);
  x = relu6(batchNorm(x, 'Conv_1_bn'), 'out_relu');
  recorder.record(stride, x);
  return recorder.result();
}

export const mobilenetv2: EncoderSpec = {
  name: NAME,
  preprocessing: 'tf',
  imagenetInputSize: 224,
  minInputSize: MIN_INPUT,
  inputMultiple: 32,
  symmetricPadding: true,
  // The last projection has makeDivisible(320 alpha, 8) filters; Keras published these widths.
  recogniseWeights: (shape) => {
    const project = shape('block_16_project/kernel');
    return (project && [0.35, 0.5, 0.75, 1, 1.3, 1.4].find((a) => makeDivisible(320 * a, 8) === project[3])) ?? null;
  },
  build,
  buildImagenetClassifier(inputSize = 224, options) {
    const input = classifierInput(NAME, inputSize, MIN_INPUT);
    const { features } = build(input, options);
    const alpha = resolveAlpha(NAME, options);
    const poolName = new KerasAutoNames().next('global_average_pooling2d');
    return imagenetTop(input, features[32], `mobilenetv2_${alpha.toFixed(2)}_${inputSize}`, poolName);
  },
};
