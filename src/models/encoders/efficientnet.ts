/**
 * Keras Applications EfficientNet B0/B3/B4 (Keras 2.x `keras.applications.efficientnet`):
 * Rescaling(1/255) + Normalization at the input, a stride-2 stem, seven stages of MBConv blocks
 * (expand, depthwise, squeeze-excite, project; swish) and a 1x1 top conv. Widths use Keras's
 * `round_filters` (multiples of 8, never 10 % below), depths `ceil(depth_coefficient * repeats)`.
 * Drop-connect is Keras's Dropout with noise shape (batch, 1, 1, 1), active only in training.
 *
 * The input takes raw 0..255 RGB. The Normalization weights start at the ImageNet mean and
 * variance (Keras starts at 0/1 and fills them from its weight file); Keras's extra
 * `Rescaling(1/sqrt(std))`, which only reproduces a quirk of the original TF checkpoints, is
 * left out because no such checkpoint is loaded here.
 */
import { tf } from '../../tf.js';
import { Normalization } from '../layers/normalization.js';
import { applyTo, checkEncoderInput, classifierInput, correctPad, FeatureRecorder, resolveAlpha } from './common.js';
import type { EncoderFeatures, EncoderOptions, EncoderSpec } from './types.js';

const MIN_INPUT = 32;
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_VARIANCE = [0.229 ** 2, 0.224 ** 2, 0.225 ** 2];
const DEPTH_DIVISOR = 8;
const DROP_CONNECT_RATE = 0.2;
const SE_RATIO = 0.25;

const convInitializer = () =>
  tf.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'truncatedNormal' });
const denseInitializer = () =>
  tf.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanOut', distribution: 'uniform' });

interface StageArgs {
  kernelSize: number;
  repeats: number;
  filtersIn: number;
  filtersOut: number;
  expandRatio: number;
  stride: number;
}

/** Keras DEFAULT_BLOCKS_ARGS (all stages: id_skip true, se_ratio 0.25). */
const STAGES: readonly StageArgs[] = [
  { kernelSize: 3, repeats: 1, filtersIn: 32, filtersOut: 16, expandRatio: 1, stride: 1 },
  { kernelSize: 3, repeats: 2, filtersIn: 16, filtersOut: 24, expandRatio: 6, stride: 2 },
  { kernelSize: 5, repeats: 2, filtersIn: 24, filtersOut: 40, expandRatio: 6, stride: 2 },
  { kernelSize: 3, repeats: 3, filtersIn: 40, filtersOut: 80, expandRatio: 6, stride: 2 },
  { kernelSize: 5, repeats: 3, filtersIn: 80, filtersOut: 112, expandRatio: 6, stride: 1 },
  { kernelSize: 5, repeats: 4, filtersIn: 112, filtersOut: 192, expandRatio: 6, stride: 2 },
  { kernelSize: 3, repeats: 1, filtersIn: 192, filtersOut: 320, expandRatio: 6, stride: 1 },
];

interface Variant {
  name: string;
  width: number;
  depth: number;
  imagenetInputSize: number;
  topDropout: number;
}

/** Keras `round_filters`. */
function roundFilters(filters: number, width: number): number {
  const scaled = filters * width;
  let rounded = Math.max(DEPTH_DIVISOR, Math.floor(Math.trunc(scaled + DEPTH_DIVISOR / 2) / DEPTH_DIVISOR) * DEPTH_DIVISOR);
  if (rounded < 0.9 * scaled) rounded += DEPTH_DIVISOR;
  return rounded;
}

function roundRepeats(repeats: number, depth: number): number {
  return Math.ceil(depth * repeats);
}

function swish(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return applyTo(tf.layers.activation({ activation: 'swish', name }), x);
}

function batchNorm(x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return applyTo(tf.layers.batchNormalization({ axis: 3, name }), x);
}

function conv1x1(x: tf.SymbolicTensor, filters: number, name: string, activation?: 'swish' | 'sigmoid'): tf.SymbolicTensor {
  return applyTo(
    tf.layers.conv2d({
      filters,
      kernelSize: 1,
      padding: 'same',
      useBias: activation !== undefined,
      activation,
      kernelInitializer: convInitializer(),
      name,
    }),
    x,
  );
}

interface BlockArgs {
  kernelSize: number;
  filtersIn: number;
  filtersOut: number;
  expandRatio: number;
  stride: number;
  dropRate: number;
  /** Keras prefix, e.g. `block2a_`. */
  name: string;
}

/** Keras `block`: MBConv with squeeze-excite and, on identity blocks, drop-connect. */
function mbConv(input: tf.SymbolicTensor, args: BlockArgs): tf.SymbolicTensor {
  const { kernelSize, filtersIn, filtersOut, expandRatio, stride, dropRate, name } = args;
  const filters = filtersIn * expandRatio;
  let x = input;
  if (expandRatio !== 1) x = swish(batchNorm(conv1x1(x, filters, `${name}expand_conv`), `${name}expand_bn`), `${name}expand_activation`);

  if (stride === 2) x = applyTo(tf.layers.zeroPadding2d({ padding: correctPad(x, kernelSize), name: `${name}dwconv_pad` }), x);
  x = applyTo(
    tf.layers.depthwiseConv2d({
      kernelSize,
      strides: stride,
      padding: stride === 2 ? 'valid' : 'same',
      useBias: false,
      depthwiseInitializer: convInitializer(),
      name: `${name}dwconv`,
    }),
    x,
  );
  x = swish(batchNorm(x, `${name}bn`), `${name}activation`);

  const filtersSe = Math.max(1, Math.trunc(filtersIn * SE_RATIO));
  let se = applyTo(tf.layers.globalAveragePooling2d({ name: `${name}se_squeeze` }), x);
  se = applyTo(tf.layers.reshape({ targetShape: [1, 1, filters], name: `${name}se_reshape` }), se);
  se = conv1x1(se, filtersSe, `${name}se_reduce`, 'swish');
  se = conv1x1(se, filters, `${name}se_expand`, 'sigmoid');
  x = applyTo(tf.layers.multiply({ name: `${name}se_excite` }), [x, se]);

  x = batchNorm(conv1x1(x, filtersOut, `${name}project_conv`), `${name}project_bn`);
  if (stride === 1 && filtersIn === filtersOut) {
    if (dropRate > 0) {
      // Keras noise_shape (None, 1, 1, 1): one keep/drop decision per sample. TF.js fills a null
      // entry from the input's shape at call time, though its typings only admit numbers.
      const noiseShape = [null, 1, 1, 1] as unknown as number[];
      x = applyTo(tf.layers.dropout({ rate: dropRate, noiseShape, name: `${name}drop` }), x);
    }
    x = applyTo(tf.layers.add({ name: `${name}add` }), [x, input]);
  }
  return x;
}

/**
 * Stride 2: block1a (B0) / block1b (B3, B4) output; 4: last block2 output; 8: last block3 output;
 * 16: last block5 output; 32: top_activation (1280 / 1536 / 1792 channels).
 */
function buildEfficientNet(variant: Variant, input: tf.SymbolicTensor, options?: EncoderOptions): EncoderFeatures {
  checkEncoderInput(variant.name, input, MIN_INPUT);
  const width = variant.width * resolveAlpha(variant.name, options);
  const recorder = new FeatureRecorder(variant.name);

  let x = applyTo(tf.layers.rescaling({ scale: 1 / 255, name: 'rescaling' }), input);
  x = applyTo(new Normalization({ mean: IMAGENET_MEAN, variance: IMAGENET_VARIANCE, name: 'normalization' }), x);
  x = applyTo(tf.layers.zeroPadding2d({ padding: correctPad(x, 3), name: 'stem_conv_pad' }), x);
  x = applyTo(
    tf.layers.conv2d({
      filters: roundFilters(32, width),
      kernelSize: 3,
      strides: 2,
      padding: 'valid',
      useBias: false,
      kernelInitializer: convInitializer(),
      name: 'stem_conv',
    }),
    x,
  );
  x = swish(batchNorm(x, 'stem_bn'), 'stem_activation');

  const totalBlocks = STAGES.reduce((sum, stage) => sum + roundRepeats(stage.repeats, variant.depth), 0);
  let blockIndex = 0;
  let stride = 2;
  STAGES.forEach((stage, stageIndex) => {
    const filtersOut = roundFilters(stage.filtersOut, width);
    let filtersIn = roundFilters(stage.filtersIn, width);
    for (let repeat = 0; repeat < roundRepeats(stage.repeats, variant.depth); repeat++) {
      const blockStride = repeat === 0 ? stage.stride : 1;
      stride *= blockStride;
      x = mbConv(x, {
        kernelSize: stage.kernelSize,
        filtersIn,
        filtersOut,
        expandRatio: stage.expandRatio,
        stride: blockStride,
        dropRate: (DROP_CONNECT_RATE * blockIndex) / totalBlocks,
        name: `block${stageIndex + 1}${String.fromCharCode(97 + repeat)}_`,
      });
      filtersIn = filtersOut;
      blockIndex++;
    }
    recorder.record(stride, x);
  });

  x = applyTo(
    tf.layers.conv2d({
      filters: roundFilters(1280, width),
      kernelSize: 1,
      padding: 'same',
      useBias: false,
      kernelInitializer: convInitializer(),
      name: 'top_conv',
    }),
    x,
  );
  x = swish(batchNorm(x, 'top_bn'), 'top_activation');
  recorder.record(stride, x);
  return recorder.result();
}

function efficientNetSpec(variant: Variant): EncoderSpec {
  const spec: EncoderSpec = {
    name: variant.name,
    preprocessing: 'raw',
    imagenetInputSize: variant.imagenetInputSize,
    minInputSize: MIN_INPUT,
    inputMultiple: 32,
    build: (input, options) => buildEfficientNet(variant, input, options),
    buildImagenetClassifier(inputSize = 224, options) {
      const input = classifierInput(variant.name, inputSize, MIN_INPUT);
      const { features } = spec.build(input, options);
      let x = applyTo(tf.layers.globalAveragePooling2d({ name: 'avg_pool' }), features[32]);
      x = applyTo(tf.layers.dropout({ rate: variant.topDropout, name: 'top_dropout' }), x);
      x = applyTo(
        tf.layers.dense({ units: 1000, activation: 'softmax', kernelInitializer: denseInitializer(), name: 'predictions' }),
        x,
      );
      return tf.model({ inputs: input, outputs: x, name: variant.name });
    },
  };
  return spec;
}

export const efficientnetb0 = efficientNetSpec({ name: 'efficientnetb0', width: 1.0, depth: 1.0, imagenetInputSize: 224, topDropout: 0.2 });
export const efficientnetb3 = efficientNetSpec({ name: 'efficientnetb3', width: 1.2, depth: 1.4, imagenetInputSize: 300, topDropout: 0.3 });
export const efficientnetb4 = efficientNetSpec({ name: 'efficientnetb4', width: 1.4, depth: 1.8, imagenetInputSize: 380, topDropout: 0.4 });
