/**
 * Keras Applications MobileNet (v1, `keras.applications.mobilenet`): a 3x3 stem and 13 depthwise
 * separable blocks with ReLU6; a stride-2 depthwise convolution is preceded by an explicit
 * bottom/right zero pad. `alpha` is Keras's width multiplier (`int(filters * alpha)`).
 */
import { tf } from '../../tf.js';
import {
  applyTo,
  checkEncoderInput,
  classifierInput,
  conv2d,
  depthwiseConv2d,
  FeatureRecorder,
  KerasAutoNames,
  resolveAlpha,
} from './common.js';
import type { EncoderFeatures, EncoderOptions, EncoderSpec } from './types.js';

const NAME = 'mobilenet';
const MIN_INPUT = 32;
/** Keras's default dropout before `conv_preds`. */
const TOP_DROPOUT = 1e-3;

/** [pointwise filters, stride] of depthwise blocks 1..13. */
const BLOCKS: ReadonlyArray<readonly [number, number]> = [
  [64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2],
  [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1],
];

function bnRelu6(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  const y = applyTo(tf.layers.batchNormalization({ axis: 3, name: `${name}_bn` }), x);
  return applyTo(tf.layers.reLU({ maxValue: 6, name: `${name}_relu` }), y);
}

function depthwiseSeparable(x: tf.SymbolicTensor, filters: number, stride: number, id: number): tf.SymbolicTensor {
  let y = x;
  if (stride !== 1) y = applyTo(tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]], name: `conv_pad_${id}` }), y);
  y = applyTo(
    depthwiseConv2d({
      kernelSize: 3,
      strides: stride,
      padding: stride === 1 ? 'same' : 'valid',
      depthMultiplier: 1,
      useBias: false,
      name: `conv_dw_${id}`,
    }),
    y,
  );
  y = bnRelu6(y, `conv_dw_${id}`);
  y = applyTo(conv2d({ filters, kernelSize: 1, padding: 'same', useBias: false, name: `conv_pw_${id}` }), y);
  return bnRelu6(y, `conv_pw_${id}`);
}

/** Stride 2: conv_pw_1_relu; 4: conv_pw_3_relu; 8: conv_pw_5_relu; 16: conv_pw_11_relu; 32: conv_pw_13_relu. */
function build(input: tf.SymbolicTensor, options?: EncoderOptions): EncoderFeatures {
  checkEncoderInput(NAME, input, MIN_INPUT);
  const alpha = resolveAlpha(NAME, options);
  const width = (filters: number): number => Math.max(1, Math.trunc(filters * alpha));
  const recorder = new FeatureRecorder(NAME);

  let x = applyTo(
    conv2d({ filters: width(32), kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'conv1' }),
    input,
  );
  x = bnRelu6(x, 'conv1');
  let stride = 2;
  BLOCKS.forEach(([filters, blockStride], index) => {
    stride *= blockStride;
    x = depthwiseSeparable(x, width(filters), blockStride, index + 1);
    recorder.record(stride, x);
  });
  return recorder.result();
}

export const mobilenet: EncoderSpec = {
  name: NAME,
  preprocessing: 'tf',
  imagenetInputSize: 224,
  minInputSize: MIN_INPUT,
  inputMultiple: 32,
  // The stem has 32 filters at width 1.
  recogniseWeights: (shape) => (shape('conv_dw_1/depthwise_kernel') ? (shape('conv1/kernel')?.[3] ?? 0) / 32 || null : null),
  build,
  buildImagenetClassifier(inputSize = 224, options) {
    const input = classifierInput(NAME, inputSize, MIN_INPUT);
    const { features, channels } = build(input, options);
    const names = new KerasAutoNames();
    let x = applyTo(tf.layers.globalAveragePooling2d({ name: names.next('global_average_pooling2d') }), features[32]);
    x = applyTo(tf.layers.reshape({ targetShape: [1, 1, channels[32]], name: 'reshape_1' }), x);
    x = applyTo(tf.layers.dropout({ rate: TOP_DROPOUT, name: 'dropout' }), x);
    x = applyTo(conv2d({ filters: 1000, kernelSize: 1, padding: 'same', name: 'conv_preds' }), x);
    x = applyTo(tf.layers.reshape({ targetShape: [1000], name: 'reshape_2' }), x);
    x = applyTo(tf.layers.activation({ activation: 'softmax', name: 'predictions' }), x);
    const alpha = resolveAlpha(NAME, options);
    return tf.model({ inputs: input, outputs: x, name: `mobilenet_${alpha.toFixed(2)}_${inputSize}` });
  },
};
