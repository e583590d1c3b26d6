import { tf } from '../../tf.js';
import type { EncoderFeatures, Stride } from '../encoders/types.js';
import { ResizeBilinearTo } from './resize-layer.js';

/**
 * The U-Net decoder over any encoder. It knows only feature maps keyed by stride, never which
 * encoder made them.
 *
 * Paper design ("asymmetric"): start from the encoder's output at `outputStride`, go up one
 * stride at a time with bilinear resizing, and concatenate encoder features only at the strides
 * listed in `skipStrides` (not at every block). Each stage is two 3x3 conv + BN + ReLU. A final
 * bilinear resize brings features to the input resolution, where a 1x1 head and a sigmoid give
 * the lesion probability (one channel: what the training stream's masks and the BCE + Dice loss are).
 */
export interface UnetDecoderOptions {
  /** Encoder feature to start from: 16 (paper) or 32. */
  outputStride: 16 | 32;
  /** Strides whose encoder features are concatenated on the way up. */
  skipStrides: Stride[];
  /** Output channels of each up stage, from the deepest (outputStride/2) to the shallowest. */
  decoderChannels: number[];
  /** Channels of the 1x1 bottleneck on the encoder output (0 = none). */
  bottleneckChannels: number;
}

export const PAPER_DECODER: UnetDecoderOptions = {
  outputStride: 16,
  skipStrides: [8, 4],
  decoderChannels: [128, 64, 32],
  bottleneckChannels: 256,
};

function convBnRelu(x: tf.SymbolicTensor, filters: number, kernel: number, name: string): tf.SymbolicTensor {
  let y = tf.layers
    .conv2d({ filters, kernelSize: kernel, padding: 'same', useBias: false, name: `${name}_conv` })
    .apply(x) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization({ epsilon: 1e-5, momentum: 0.9, name: `${name}_bn` }).apply(y) as tf.SymbolicTensor;
  return tf.layers.activation({ activation: 'relu', name: `${name}_relu` }).apply(y) as tf.SymbolicTensor;
}

function resizeTo(x: tf.SymbolicTensor, height: number, width: number, name: string): tf.SymbolicTensor {
  return new ResizeBilinearTo({ height, width, name }).apply(x) as tf.SymbolicTensor;
}

/** Spatial size a stride corresponds to, taken from the encoder when it has a map there. */
function sizeAt(enc: EncoderFeatures, stride: Stride, inputSize: number): [number, number] {
  const f = enc.features[stride];
  if (f) return [f.shape[1] as number, f.shape[2] as number];
  return [Math.ceil(inputSize / stride), Math.ceil(inputSize / stride)];
}

export function buildUnetDecoder(enc: EncoderFeatures, inputSize: number, opts: UnetDecoderOptions): tf.SymbolicTensor {
  const start = enc.features[opts.outputStride];
  if (!start) throw new Error(`encoder exposes no feature map at output stride ${opts.outputStride}`);
  for (const s of opts.skipStrides) {
    if (s >= opts.outputStride) throw new Error(`skip stride ${s} must be finer than output stride ${opts.outputStride}`);
    if (!enc.features[s]) throw new Error(`encoder exposes no feature map at stride ${s} for a skip connection`);
  }
  const upStrides: Stride[] = ([16, 8, 4, 2] as Stride[]).filter((s) => s < opts.outputStride);
  if (opts.decoderChannels.length !== upStrides.length) {
    throw new Error(`decoderChannels needs ${upStrides.length} entries (strides ${upStrides.join(', ')}), got ${opts.decoderChannels.length}`);
  }

  let x = start;
  if (opts.bottleneckChannels > 0) x = convBnRelu(x, opts.bottleneckChannels, 1, 'decoder_bottleneck');
  upStrides.forEach((stride, i) => {
    const [h, w] = sizeAt(enc, stride, inputSize);
    x = resizeTo(x, h, w, `decoder_up${stride}`);
    const skip = opts.skipStrides.includes(stride) ? enc.features[stride] : undefined;
    if (skip) x = tf.layers.concatenate({ name: `decoder_concat${stride}` }).apply([x, skip]) as tf.SymbolicTensor;
    const filters = opts.decoderChannels[i]!;
    x = convBnRelu(x, filters, 3, `decoder_s${stride}_a`);
    x = convBnRelu(x, filters, 3, `decoder_s${stride}_b`);
  });
  // The 1x1 head mixes channels per pixel and bilinear resizing interpolates each channel with
  // weights summing to one, so they commute: mixing first resizes one channel instead of all
  // decoder channels at full resolution (forward and backward), for the same function.
  x = tf.layers.conv2d({ filters: 1, kernelSize: 1, name: 'mask_head' }).apply(x) as tf.SymbolicTensor;
  x = resizeTo(x, inputSize, inputSize, 'decoder_up1');
  return tf.layers.activation({ activation: 'sigmoid', name: 'mask_activation' }).apply(x) as tf.SymbolicTensor;
}
