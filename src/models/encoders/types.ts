import type { tf } from '../../tf.js';
import type { PreprocessingPreset } from '../config.js';

/** Output strides at which an encoder exposes feature maps. */
export type Stride = 2 | 4 | 8 | 16 | 32;

/**
 * Where stride-2 convolutions pad: 'tf' is TensorFlow's 'same' (the extra row and column go
 * bottom/right, as Keras weights were trained), 'symmetric' pads one pixel on every side (as
 * PyTorch-trained weights, e.g. torchvision's, expect). The wrong one shifts every feature map.
 */
export type EncoderPadding = 'tf' | 'symmetric';

export interface EncoderOptions {
  /** Width multiplier (MobileNet alpha; also used to shrink any encoder for tests). Default 1. */
  alpha?: number;
  /** Default 'tf'; only encoders with `symmetricPadding` accept 'symmetric'. */
  padding?: EncoderPadding;
}

export interface EncoderFeatures {
  /**
   * For each stride, the last tensor computed at that resolution (the output of the final block
   * of that stage, before the next downsampling). Decoders pick the strides they need; a model
   * built from a subset of these only contains the layers that feed them.
   */
  features: Partial<Record<Stride, tf.SymbolicTensor>> & { 32: tf.SymbolicTensor };
  /** Channel count of each feature map. */
  channels: Partial<Record<Stride, number>> & { 32: number };
}

/** Weight shapes by Keras name (`layer/weight`); undefined for a name the weights do not have. */
export type KerasWeightShapes = (name: string) => readonly number[] | undefined;

export interface EncoderSpec {
  /** Registry name: resnet50, resnet101, mobilenet, mobilenetv2, xception, inceptionresnetv2,
   *  efficientnetb0, efficientnetb3, efficientnetb4. */
  name: string;
  /** Preprocessing the Keras ImageNet weights of this family expect. */
  preprocessing: PreprocessingPreset;
  /** Native ImageNet input size (224 for most; 299 Xception/IRv2; 300 B3; 380 B4). */
  imagenetInputSize: number;
  /** Smallest input side the architecture accepts (e.g. 75 for Xception/IRv2 valid padding). */
  minInputSize: number;
  /** Input side must be a multiple of this for the strides to line up for U-Net skips. */
  inputMultiple: number;
  /** Whether `build` accepts `padding: 'symmetric'` (for weights imported from PyTorch). */
  symmetricPadding?: boolean;
  /**
   * Recognise this encoder's own Keras-named weights (an imported TF.js layers model): the width
   * multiplier they were trained at, or null when they are another encoder's.
   */
  recogniseWeights?(weights: KerasWeightShapes): number | null;
  /** Build the feature extractor on `input` (NHWC, 3 channels). Layer names are Keras's. */
  build(input: tf.SymbolicTensor, options?: EncoderOptions): EncoderFeatures;
  /** The Keras Applications ImageNet classifier (1000 classes, include_top=True). */
  buildImagenetClassifier(inputSize?: number, options?: EncoderOptions): tf.LayersModel;
}
