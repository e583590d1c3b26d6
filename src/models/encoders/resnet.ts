/**
 * Keras Applications ResNet50 / ResNet101 (v1, `keras.applications.resnet`): 7x7 stem, max pool,
 * then bottleneck stacks whose first block has a 1x1 convolution shortcut (stride in the first
 * 1x1, as Keras/Caffe do). Convolutions carry biases; batch norm epsilon is 1.001e-5.
 */
import { tf } from '../../tf.js';
import {
  applyTo,
  checkEncoderInput,
  classifierInput,
  conv2d,
  imagenetTop,
  FeatureRecorder,
  resolveAlpha,
  scaleWidth,
} from './common.js';
import type { EncoderFeatures, EncoderOptions, EncoderSpec } from './types.js';

export const BN_EPSILON = 1.001e-5;

interface Stack {
  /** Keras stack name: conv2 .. conv5. */
  name: string;
  /** Bottleneck width; the block output has 4x as many channels. */
  filters: number;
  blocks: number;
  /** Stride of the stack's first block. */
  stride: number;
}

function batchNorm(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return applyTo(tf.layers.batchNormalization({ axis: 3, epsilon: BN_EPSILON, name }), x);
}

function relu(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return applyTo(tf.layers.activation({ activation: 'relu', name }), x);
}

/** Keras `block1`: 1x1 -> 3x3 -> 1x1 (4x filters) bottleneck plus shortcut, then ReLU. */
function bottleneck(x: tf.SymbolicTensor, filters: number, stride: number, convShortcut: boolean, name: string): tf.SymbolicTensor {
  let shortcut = x;
  if (convShortcut) {
    shortcut = applyTo(conv2d({ filters: 4 * filters, kernelSize: 1, strides: stride, name: `${name}_0_conv` }), x);
    shortcut = batchNorm(shortcut, `${name}_0_bn`);
  }
  let y = applyTo(conv2d({ filters, kernelSize: 1, strides: stride, name: `${name}_1_conv` }), x);
  y = relu(batchNorm(y, `${name}_1_bn`), `${name}_1_relu`);
  y = applyTo(conv2d({ filters, kernelSize: 3, padding: 'same', name: `${name}_2_conv` }), y);
  y = relu(batchNorm(y, `${name}_2_bn`), `${name}_2_relu`);
  y = applyTo(conv2d({ filters: 4 * filters, kernelSize: 1, name: `${name}_3_conv` }), y);
  y = batchNorm(y, `${name}_3_bn`);
  y = applyTo(tf.layers.add({ name: `${name}_add` }), [shortcut, y]);
  return relu(y, `${name}_out`);
}

function buildResNet(encoder: string, stacks: Stack[], input: tf.SymbolicTensor, options?: EncoderOptions): EncoderFeatures {
  checkEncoderInput(encoder, input, 32);
  const alpha = resolveAlpha(encoder, options);
  const recorder = new FeatureRecorder(encoder);

  let x = applyTo(tf.layers.zeroPadding2d({ padding: [[3, 3], [3, 3]], name: 'conv1_pad' }), input);
  x = applyTo(conv2d({ filters: scaleWidth(64, alpha), kernelSize: 7, strides: 2, name: 'conv1_conv' }), x);
  x = relu(batchNorm(x, 'conv1_bn'), 'conv1_relu');
  recorder.record(2, x);
  x = applyTo(tf.layers.zeroPadding2d({ padding: [[1, 1], [1, 1]], name: 'pool1_pad' }), x);
  x = applyTo(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }), x);

  let stride = 4;
  for (const stack of stacks) {
    stride *= stack.stride;
    const filters = scaleWidth(stack.filters, alpha);
    for (let block = 1; block <= stack.blocks; block++) {
      const first = block === 1;
      x = bottleneck(x, filters, first ? stack.stride : 1, first, `${stack.name}_block${block}`);
    }
    recorder.record(stride, x);
  }
  return recorder.result();
}

function resnetSpec(name: string, modelName: string, blocks: [number, number, number, number]): EncoderSpec {
  const stacks: Stack[] = [
    { name: 'conv2', filters: 64, blocks: blocks[0], stride: 1 },
    { name: 'conv3', filters: 128, blocks: blocks[1], stride: 2 },
    { name: 'conv4', filters: 256, blocks: blocks[2], stride: 2 },
    { name: 'conv5', filters: 512, blocks: blocks[3], stride: 2 },
  ];
  const spec: EncoderSpec = {
    name,
    preprocessing: 'caffe',
    imagenetInputSize: 224,
    minInputSize: 32,
    inputMultiple: 32,
    // Keras names each block of a stack, so the last block of conv4 tells the depth.
    recogniseWeights: (shape) => (shape('conv2_block1_1_conv/kernel') && shape(`conv4_block${blocks[2]}_1_conv/kernel`) && !shape(`conv4_block${blocks[2] + 1}_1_conv/kernel`) ? 1 : null),
    build: (input, options) => buildResNet(name, stacks, input, options),
    buildImagenetClassifier(inputSize = 224, options) {
      const input = classifierInput(name, inputSize, spec.minInputSize);
      const { features } = spec.build(input, options);
      return imagenetTop(input, features[32], modelName);
    },
  };
  return spec;
}

/** Stride 2: conv1_relu (64); 4: conv2_block3_out (256); 8: conv3_block4_out (512);
 *  16: conv4_block6_out (1024); 32: conv5_block3_out (2048). */
export const resnet50 = resnetSpec('resnet50', 'resnet50', [3, 4, 6, 3]);
/** As ResNet50 with 23 blocks in conv4 (stride 16: conv4_block23_out). */
export const resnet101 = resnetSpec('resnet101', 'resnet101', [3, 4, 23, 3]);
