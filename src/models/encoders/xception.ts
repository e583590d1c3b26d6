/**
 * Keras Applications Xception (`keras.applications.xception`): a two-conv 'valid' stem, three
 * downsampling entry blocks (separable convs + max pool, 1x1 strided conv shortcut), eight
 * middle-flow residual blocks at 728 channels, one exit block and two final separable convs.
 * Shortcut convs/BNs and the adds are unnamed in Keras; they get Keras's automatic names
 * (conv2d, batch_normalization, add, add_1, ...).
 *
 * The 'valid' stem makes feature sides inexact (299 -> 147, 74, 37, 19, 10), so decoders resize
 * skips to match; the minimum input is 71 as in Keras.
 */
import { tf } from '../../tf.js';
import {
  applyTo,
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

const NAME = 'xception';
const MIN_INPUT = 71;

class XceptionBuilder {
  private readonly names = new KerasAutoNames();
  constructor(private readonly alpha: number) {}

  width(filters: number): number {
    return scaleWidth(filters, this.alpha);
  }

  relu(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
    return applyTo(tf.layers.activation({ activation: 'relu', name }), x);
  }

  batchNorm(x: tf.SymbolicTensor, name = this.names.next('batch_normalization')): tf.SymbolicTensor {
    return applyTo(tf.layers.batchNormalization({ axis: 3, name }), x);
  }

  /** SeparableConv2D + BN, named `<name>` and `<name>_bn`. */
  sepConvBn(x: tf.SymbolicTensor, filters: number, name: string): tf.SymbolicTensor {
    const y = applyTo(
      tf.layers.separableConv2d({ filters: this.width(filters), kernelSize: 3, padding: 'same', useBias: false, name }),
      x,
    );
    return this.batchNorm(y, `${name}_bn`);
  }

  /** Unnamed 1x1 stride-2 conv + BN shortcut of a downsampling block. */
  shortcut(x: tf.SymbolicTensor, filters: number): tf.SymbolicTensor {
    const y = applyTo(
      conv2d({
        filters: this.width(filters),
        kernelSize: 1,
        strides: 2,
        padding: 'same',
        useBias: false,
        name: this.names.next('conv2d'),
      }),
      x,
    );
    return this.batchNorm(y);
  }

  add(a: tf.SymbolicTensor, b: tf.SymbolicTensor): tf.SymbolicTensor {
    return applyTo(tf.layers.add({ name: this.names.next('add') }), [a, b]);
  }

  /**
   * Entry/exit block: [relu] sepconv1 -> relu -> sepconv2 -> max pool, plus shortcut. Block 2
   * starts without a ReLU because the stem already ends in one.
   */
  downsamplingBlock(x: tf.SymbolicTensor, block: number, filters: [number, number], leadingRelu: boolean): tf.SymbolicTensor {
    const residual = this.shortcut(x, filters[1]);
    const prefix = `block${block}`;
    let y = leadingRelu ? this.relu(x, `${prefix}_sepconv1_act`) : x;
    y = this.sepConvBn(y, filters[0], `${prefix}_sepconv1`);
    y = this.relu(y, `${prefix}_sepconv2_act`);
    y = this.sepConvBn(y, filters[1], `${prefix}_sepconv2`);
    y = applyTo(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: `${prefix}_pool` }), y);
    return this.add(y, residual);
  }

  /** Middle flow: three relu -> sepconv -> BN at 728 channels, identity shortcut. */
  middleBlock(x: tf.SymbolicTensor, block: number): tf.SymbolicTensor {
    let y = x;
    for (let i = 1; i <= 3; i++) {
      y = this.relu(y, `block${block}_sepconv${i}_act`);
      y = this.sepConvBn(y, 728, `block${block}_sepconv${i}`);
    }
    return this.add(y, x);
  }
}

/** Stride 2: block1_conv2_act (64); 4: add (128); 8: add_1 (256); 16: add_10 (728, end of the
 *  middle flow); 32: block14_sepconv2_act (2048). */
function build(input: tf.SymbolicTensor, options?: EncoderOptions): EncoderFeatures {
  checkEncoderInput(NAME, input, MIN_INPUT);
  const b = new XceptionBuilder(resolveAlpha(NAME, options));
  const recorder = new FeatureRecorder(NAME);

  let x = applyTo(conv2d({ filters: b.width(32), kernelSize: 3, strides: 2, useBias: false, name: 'block1_conv1' }), input);
  x = b.relu(b.batchNorm(x, 'block1_conv1_bn'), 'block1_conv1_act');
  x = applyTo(conv2d({ filters: b.width(64), kernelSize: 3, useBias: false, name: 'block1_conv2' }), x);
  x = b.relu(b.batchNorm(x, 'block1_conv2_bn'), 'block1_conv2_act');
  recorder.record(2, x);

  x = b.downsamplingBlock(x, 2, [128, 128], false);
  recorder.record(4, x);
  x = b.downsamplingBlock(x, 3, [256, 256], true);
  recorder.record(8, x);
  x = b.downsamplingBlock(x, 4, [728, 728], true);
  for (let block = 5; block <= 12; block++) x = b.middleBlock(x, block);
  recorder.record(16, x);
  x = b.downsamplingBlock(x, 13, [728, 1024], true);

  x = b.relu(b.sepConvBn(x, 1536, 'block14_sepconv1'), 'block14_sepconv1_act');
  x = b.relu(b.sepConvBn(x, 2048, 'block14_sepconv2'), 'block14_sepconv2_act');
  recorder.record(32, x);
  return recorder.result();
}

export const xception: EncoderSpec = {
  name: NAME,
  preprocessing: 'tf',
  imagenetInputSize: 299,
  minInputSize: MIN_INPUT,
  inputMultiple: 32,
  build,
  buildImagenetClassifier(inputSize = 224, options) {
    const input = classifierInput(NAME, inputSize, MIN_INPUT);
    const { features } = build(input, options);
    return imagenetTop(input, features[32], 'xception');
  },
};
