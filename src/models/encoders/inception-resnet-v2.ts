/**
 * Keras Applications InceptionResNetV2 (`keras.applications.inception_resnet_v2`): a 'valid'
 * Inception stem, mixed_5b, 10x block35, reduction mixed_6a, 20x block17, reduction mixed_7a,
 * 10x block8 and conv_7b. Every `conv2d_bn` is conv (no bias) + BN without scale + ReLU; the
 * unnamed ones get Keras's automatic names (conv2d_N, batch_normalization_N, activation_N).
 * Residual joins `x + scale * up` use the registered CustomScaleLayer, named after the block
 * (`block35_1`, as Keras 2.x names its Lambda).
 *
 * Feature sides are inexact ('valid' padding: 299 -> 147, 71, 35, 17, 8); minimum input 75.
 */
import { tf } from '../../tf.js';
import { CustomScaleLayer } from '../layers/scaled-residual.js';
import {
  applyTo,
  channelsOf,
  checkEncoderInput,
  classifierInput,
  conv2d,
  imagenetTop,
  FeatureRecorder,
  KerasAutoNames,
  resolveAlpha,
  scaleWidth,
} from './common.js';
import type { EncoderFeatures, EncoderOptions, EncoderSpec } from './types.js';

const NAME = 'inceptionresnetv2';
const MIN_INPUT = 75;

type BlockType = 'block35' | 'block17' | 'block8';

interface ConvBnOptions {
  strides?: number;
  padding?: 'same' | 'valid';
  /** null: linear output (the residual projections). */
  activation?: 'relu' | null;
  /** With a bias the BN is skipped, as in Keras's `conv2d_bn(use_bias=True)`. */
  useBias?: boolean;
  name?: string;
  /** Use `filters` as given instead of scaling it by alpha (it already is a tensor's width). */
  unscaled?: boolean;
}

class InceptionResNetBuilder {
  private readonly names = new KerasAutoNames();
  constructor(private readonly alpha: number) {}

  /** Keras `conv2d_bn`; `filters` is Keras's (alpha 1) width. */
  convBn(x: tf.SymbolicTensor, filters: number, kernelSize: number | [number, number], options: ConvBnOptions = {}): tf.SymbolicTensor {
    const { strides = 1, padding = 'same', activation = 'relu', useBias = false, name, unscaled = false } = options;
    let y = applyTo(
      conv2d({
        filters: unscaled ? filters : scaleWidth(filters, this.alpha),
        kernelSize,
        strides,
        padding,
        useBias,
        name: name ?? this.names.next('conv2d'),
      }),
      x,
    );
    if (!useBias) {
      const bnName = name === undefined ? this.names.next('batch_normalization') : `${name}_bn`;
      y = applyTo(tf.layers.batchNormalization({ axis: 3, scale: false, name: bnName }), y);
    }
    if (activation !== null) {
      const actName = name === undefined ? this.names.next('activation') : `${name}_ac`;
      y = applyTo(tf.layers.activation({ activation, name: actName }), y);
    }
    return y;
  }

  maxPool(x: tf.SymbolicTensor, padding: 'same' | 'valid' = 'valid'): tf.SymbolicTensor {
    return applyTo(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding, name: this.names.next('max_pooling2d') }), x);
  }

  concat(branches: tf.SymbolicTensor[], name: string): tf.SymbolicTensor {
    return applyTo(tf.layers.concatenate({ axis: 3, name }), branches);
  }

  /** Keras `inception_resnet_block`. */
  residualBlock(x: tf.SymbolicTensor, type: BlockType, index: number, scale: number, activation: 'relu' | null = 'relu'): tf.SymbolicTensor {
    let branches: tf.SymbolicTensor[];
    if (type === 'block35') {
      branches = [
        this.convBn(x, 32, 1),
        this.convBn(this.convBn(x, 32, 1), 32, 3),
        this.convBn(this.convBn(this.convBn(x, 32, 1), 48, 3), 64, 3),
      ];
    } else if (type === 'block17') {
      branches = [this.convBn(x, 192, 1), this.convBn(this.convBn(this.convBn(x, 128, 1), 160, [1, 7]), 192, [7, 1])];
    } else {
      branches = [this.convBn(x, 192, 1), this.convBn(this.convBn(this.convBn(x, 192, 1), 224, [1, 3]), 256, [3, 1])];
    }
    const blockName = `${type}_${index}`;
    const mixed = this.concat(branches, `${blockName}_mixed`);
    const up = this.convBn(mixed, channelsOf(x), 1, { activation: null, useBias: true, name: `${blockName}_conv`, unscaled: true });
    let y = applyTo(new CustomScaleLayer({ scale, name: blockName }), [x, up]);
    if (activation !== null) y = applyTo(tf.layers.activation({ activation, name: `${blockName}_ac` }), y);
    return y;
  }
}

/** Stride 2: third stem conv (64); 4: the 192-channel stem conv; 8: block35_10_ac (320);
 *  16: block17_20_ac (1088); 32: conv_7b_ac (1536). */
function build(input: tf.SymbolicTensor, options?: EncoderOptions): EncoderFeatures {
  checkEncoderInput(NAME, input, MIN_INPUT);
  const b = new InceptionResNetBuilder(resolveAlpha(NAME, options));
  const recorder = new FeatureRecorder(NAME);

  // Stem.
  let x = b.convBn(input, 32, 3, { strides: 2, padding: 'valid' });
  x = b.convBn(x, 32, 3, { padding: 'valid' });
  x = b.convBn(x, 64, 3);
  recorder.record(2, x);
  x = b.maxPool(x);
  x = b.convBn(x, 80, 1, { padding: 'valid' });
  x = b.convBn(x, 192, 3, { padding: 'valid' });
  recorder.record(4, x);
  x = b.maxPool(x);

  // Mixed 5b (Inception-A).
  const pool5b = applyTo(
    tf.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same', name: 'average_pooling2d' }),
    x,
  );
  x = b.concat(
    [
      b.convBn(x, 96, 1),
      b.convBn(b.convBn(x, 48, 1), 64, 5),
      b.convBn(b.convBn(b.convBn(x, 64, 1), 96, 3), 96, 3),
      b.convBn(pool5b, 64, 1),
    ],
    'mixed_5b',
  );
  for (let i = 1; i <= 10; i++) x = b.residualBlock(x, 'block35', i, 0.17);
  recorder.record(8, x);

  // Mixed 6a (Reduction-A).
  x = b.concat(
    [
      b.convBn(x, 384, 3, { strides: 2, padding: 'valid' }),
      b.convBn(b.convBn(b.convBn(x, 256, 1), 256, 3), 384, 3, { strides: 2, padding: 'valid' }),
      b.maxPool(x),
    ],
    'mixed_6a',
  );
  for (let i = 1; i <= 20; i++) x = b.residualBlock(x, 'block17', i, 0.1);
  recorder.record(16, x);

  // Mixed 7a (Reduction-B).
  x = b.concat(
    [
      b.convBn(b.convBn(x, 256, 1), 384, 3, { strides: 2, padding: 'valid' }),
      b.convBn(b.convBn(x, 256, 1), 288, 3, { strides: 2, padding: 'valid' }),
      b.convBn(b.convBn(b.convBn(x, 256, 1), 288, 3), 320, 3, { strides: 2, padding: 'valid' }),
      b.maxPool(x),
    ],
    'mixed_7a',
  );
  for (let i = 1; i <= 9; i++) x = b.residualBlock(x, 'block8', i, 0.2);
  x = b.residualBlock(x, 'block8', 10, 1, null);
  x = b.convBn(x, 1536, 1, { name: 'conv_7b' });
  recorder.record(32, x);
  return recorder.result();
}

export const inceptionresnetv2: EncoderSpec = {
  name: NAME,
  preprocessing: 'tf',
  imagenetInputSize: 299,
  minInputSize: MIN_INPUT,
  inputMultiple: 32,
  build,
  buildImagenetClassifier(inputSize = 224, options) {
    const input = classifierInput(NAME, inputSize, MIN_INPUT);
    const { features } = build(input, options);
    return imagenetTop(input, features[32], 'inception_resnet_v2');
  },
};
