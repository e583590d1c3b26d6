/**
 * One entry point to every architecture: `createSegmenter` and `createClassifier` return the
 * TF.js model together with the `dermkit.json` config that says how to feed it. Like
 * segmentation_models.pytorch, encoders and decoders are independent: any encoder in
 * ./encoders pairs with the U-Net decoder or the classification head.
 */
import { tf } from '../tf.js';
import { DEFAULT_MASK_THRESHOLD, HAM_CLASSES, preprocessingFor, type ModelConfig, type PreprocessingPreset, type ResizeMode } from './config.js';
import { ENCODER_NAMES, getEncoder } from './encoders/index.js';
import type { EncoderFeatures, EncoderPadding, EncoderSpec } from './encoders/types.js';
import { PAPER_DECODER, buildUnetDecoder, type UnetDecoderOptions } from './decoders/unet.js';
import { buildOriginalUnet } from './unet-original.js';
import { DERMKIT_VERSION } from '../version.js';

export interface DermkitModel {
  model: tf.LayersModel;
  config: ModelConfig;
}


/** How the encoder is built and fed, when its (imported) weights need other than the defaults. */
export interface EncoderVariant {
  /** Stride-2 padding of the encoder (default 'tf'); 'symmetric' for PyTorch-trained weights. */
  padding?: EncoderPadding;
  /** Input preprocessing, when the encoder's weights expect another than its family's Keras default. */
  preprocessing?: PreprocessingPreset;
}

export interface SegmenterSpec extends EncoderVariant {
  arch: SegmenterArch;
  /** Required for 'unet'; ignored by 'unet-original'. */
  encoder?: string;
  inputSize?: number;
  /** Encoder width multiplier (or the original U-Net's width as baseFilters = 64 * alpha). */
  alpha?: number;
  decoder?: Partial<UnetDecoderOptions>;
  resizeMode?: ResizeMode;
  maskThreshold?: number;
}

export interface ClassifierSpec extends EncoderVariant {
  encoder: string;
  classes?: readonly string[];
  inputSize?: number;
  alpha?: number;
  dropout?: number;
  resizeMode?: ResizeMode;
}

export const DEFAULT_SEG_INPUT = 512;
export const DEFAULT_CLS_INPUT = 224;

function checkInputSize(encoder: EncoderSpec, inputSize: number): void {
  if (!Number.isInteger(inputSize) || inputSize < encoder.minInputSize) {
    throw new Error(`${encoder.name} needs an input size of at least ${encoder.minInputSize}, got ${inputSize}`);
  }
  if (inputSize % encoder.inputMultiple !== 0) {
    throw new Error(`${encoder.name} needs an input size that is a multiple of ${encoder.inputMultiple}, got ${inputSize}`);
  }
}

/** Build `encoder` on `input`; the options it was built with go into the model's config. */
function buildEncoder(encoder: EncoderSpec, input: tf.SymbolicTensor, alpha: number, padding: EncoderPadding = 'tf'): { encoded: EncoderFeatures; options: Record<string, unknown> } {
  if (padding === 'symmetric' && !encoder.symmetricPadding) throw new Error(`encoder ${encoder.name} has no symmetric-padding variant`);
  return { encoded: encoder.build(input, { alpha, padding }), options: padding === 'tf' ? { alpha } : { alpha, padding } };
}

function provenance(): ModelConfig['provenance'] {
  return { createdAt: new Date().toISOString(), dermkitVersion: DERMKIT_VERSION, initialisation: 'random' };
}

/** What every segmenter architecture gets from the spec, defaults applied. */
interface SegmenterBuild { spec: SegmenterSpec; inputSize: number; resizeMode: ResizeMode; maskThreshold: number; alpha: number }

interface SegmenterArchitecture {
  /** Whether the architecture is built around a zoo encoder (named `<arch>:<encoder>`) or stands alone. */
  encoder: boolean;
  build(b: SegmenterBuild): DermkitModel;
}

function originalUnet({ inputSize, resizeMode, maskThreshold, alpha }: SegmenterBuild): DermkitModel {
  const baseFilters = Math.max(4, Math.round(64 * alpha));
  return {
    model: buildOriginalUnet({ inputSize, baseFilters }),
    config: {
      format: 'dermkit-model/1', kind: 'segmenter', name: 'unet-original', arch: 'unet-original', encoder: 'none',
      preprocessing: preprocessingFor('tf', inputSize, resizeMode), maskThreshold,
      options: { alpha, baseFilters }, provenance: provenance(),
    },
  };
}

function encoderUnet({ spec, inputSize, resizeMode, maskThreshold, alpha }: SegmenterBuild): DermkitModel {
  if (!spec.encoder) throw new Error('a unet segmenter needs an encoder');
  const encoder = getEncoder(spec.encoder);
  checkInputSize(encoder, inputSize);
  const decoder: UnetDecoderOptions = { ...PAPER_DECODER, ...spec.decoder };
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'image' });
  const { encoded, options } = buildEncoder(encoder, input, alpha, spec.padding);
  const output = buildUnetDecoder(encoded, inputSize, decoder);
  const name = `unet-${encoder.name}`;
  return {
    model: tf.model({ inputs: input, outputs: output, name: name.replace(/-/g, '_') }),
    config: {
      format: 'dermkit-model/1', kind: 'segmenter', name, arch: 'unet', encoder: encoder.name,
      preprocessing: preprocessingFor(spec.preprocessing ?? encoder.preprocessing, inputSize, resizeMode), maskThreshold,
      options: { ...options, decoder }, provenance: provenance(),
    },
  };
}

/** Segmenter architectures by name (segmentation_models.pytorch's archs_dict): adding one is one entry. */
const SEGMENTER_ARCHITECTURES = {
  unet: { encoder: true, build: encoderUnet },
  'unet-original': { encoder: false, build: originalUnet },
} satisfies Record<string, SegmenterArchitecture>;

export type SegmenterArch = keyof typeof SEGMENTER_ARCHITECTURES;
export const SEGMENTER_ARCHS = Object.keys(SEGMENTER_ARCHITECTURES) as SegmenterArch[];

function architecture(arch: string): SegmenterArchitecture {
  const entry = (SEGMENTER_ARCHITECTURES as Record<string, SegmenterArchitecture>)[arch];
  if (!entry) throw new Error(`unknown segmenter architecture "${arch}": use ${SEGMENTER_ARCHS.join(' or ')}`);
  return entry;
}

/** Every segmenter by name, as parseSegmenterName reads them. */
export const SEGMENTER_NAMES: readonly string[] = SEGMENTER_ARCHS.flatMap((arch) => (architecture(arch).encoder ? ENCODER_NAMES.map((e) => `${arch}:${e}`) : [arch]));

/** `unet:mobilenetv2` -> { arch: 'unet', encoder: 'mobilenetv2' }; `unet-original` alone. */
export function parseSegmenterName(name: string): SegmenterSpec {
  if (!SEGMENTER_NAMES.includes(name)) throw new Error(`unknown segmenter "${name}": use one of ${SEGMENTER_NAMES.join(', ')}`);
  const [arch, encoder] = name.split(':') as [SegmenterArch, string | undefined];
  return encoder === undefined ? { arch } : { arch, encoder };
}

export function createSegmenter(spec: SegmenterSpec): DermkitModel {
  return architecture(spec.arch).build({
    spec,
    inputSize: spec.inputSize ?? DEFAULT_SEG_INPUT,
    resizeMode: spec.resizeMode ?? 'stretch',
    maskThreshold: spec.maskThreshold ?? DEFAULT_MASK_THRESHOLD,
    alpha: spec.alpha ?? 1,
  });
}

export function createClassifier(spec: ClassifierSpec): DermkitModel {
  const encoder = getEncoder(spec.encoder);
  const inputSize = spec.inputSize ?? DEFAULT_CLS_INPUT;
  checkInputSize(encoder, inputSize);
  const classes = [...(spec.classes ?? HAM_CLASSES)];
  const alpha = spec.alpha ?? 1;
  const dropout = spec.dropout ?? 0.2;
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'image' });
  const { encoded, options } = buildEncoder(encoder, input, alpha, spec.padding);
  let x = tf.layers.globalAveragePooling2d({ name: 'head_pool' }).apply(encoded.features[32]) as tf.SymbolicTensor;
  if (dropout > 0) x = tf.layers.dropout({ rate: dropout, name: 'head_dropout' }).apply(x) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: classes.length, activation: 'softmax', name: 'head_predictions' }).apply(x) as tf.SymbolicTensor;
  const name = `classifier-${encoder.name}`;
  return {
    model: tf.model({ inputs: input, outputs: output, name: name.replace(/-/g, '_') }),
    config: {
      format: 'dermkit-model/1', kind: 'classifier', name, arch: 'gap-dense', encoder: encoder.name,
      preprocessing: preprocessingFor(spec.preprocessing ?? encoder.preprocessing, inputSize, spec.resizeMode ?? 'stretch'), classes,
      options: { ...options, dropout }, provenance: provenance(),
    },
  };
}
