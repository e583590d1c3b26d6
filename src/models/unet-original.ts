import { tf } from '../tf.js';

/**
 * The original U-Net of Ronneberger et al. (2015): four 2x2 max-pool downsamplings with two 3x3
 * conv + ReLU per level (64..1024 filters), 2x2 transposed-conv upsampling, concatenation at every
 * level. 'same' padding instead of the original 'valid' so the mask has the input's size (the
 * convention of every modern re-implementation, and of the paper's baseline row). One sigmoid
 * channel of lesion probability, as the U-Net decoder gives.
 */
export interface OriginalUnetOptions {
  inputSize: number;
  /** Filters at the first level; doubled at each of the four levels below. 64 in the original. */
  baseFilters?: number;
}

const DEPTH = 4;

function doubleConv(x: tf.SymbolicTensor, filters: number, name: string): tf.SymbolicTensor {
  for (const part of ['a', 'b']) {
    x = tf.layers
      .conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: 'heNormal', name: `${name}_${part}` })
      .apply(x) as tf.SymbolicTensor;
  }
  return x;
}

export function buildOriginalUnet(opts: OriginalUnetOptions): tf.LayersModel {
  const { inputSize, baseFilters = 64 } = opts;
  if (inputSize % 2 ** DEPTH !== 0) throw new Error(`original U-Net needs an input size divisible by ${2 ** DEPTH}, got ${inputSize}`);
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'image' });
  const skips: tf.SymbolicTensor[] = [];
  let x: tf.SymbolicTensor = input;
  for (let level = 0; level < DEPTH; level++) {
    x = doubleConv(x, baseFilters * 2 ** level, `down${level}`);
    skips.push(x);
    x = tf.layers.maxPooling2d({ poolSize: 2, name: `pool${level}` }).apply(x) as tf.SymbolicTensor;
  }
  x = doubleConv(x, baseFilters * 2 ** DEPTH, 'bottom');
  for (let level = DEPTH - 1; level >= 0; level--) {
    const filters = baseFilters * 2 ** level;
    x = tf.layers
      .conv2dTranspose({ filters, kernelSize: 2, strides: 2, padding: 'same', name: `up${level}_tconv` })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers.concatenate({ name: `up${level}_concat` }).apply([skips[level]!, x]) as tf.SymbolicTensor;
    x = doubleConv(x, filters, `up${level}`);
  }
  const output = tf.layers
    .conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid', name: 'mask_head' })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'unet' });
}
