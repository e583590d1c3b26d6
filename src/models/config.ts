/**
 * The model card that travels beside every saved model as `dermkit.json`. It is the single source
 * of truth for how an image becomes a model input: CLI, server, web and training all read it.
 */

/** The seven HAM10000 diagnoses, in the order every classifier head uses. */
export const HAM_CLASSES = ['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc'] as const;
export type HamClass = (typeof HAM_CLASSES)[number];

/** How an image is brought to the model's square input. */
export type ResizeMode = 'stretch' | 'letterbox';

export interface Preprocessing {
  /** Square input side in pixels. */
  inputSize: number;
  /** 'stretch' (the paper) or 'letterbox' (keep aspect, pad). */
  resizeMode: ResizeMode;
  /** Channel order the network expects. */
  channelOrder: 'rgb' | 'bgr';
  /** x' = (x * scale - mean[c]) / std[c], x in 0..255, per channel in `channelOrder`. */
  scale: number;
  mean: [number, number, number];
  std: [number, number, number];
  /** Colour constancy applied to the resized image before normalisation (src/image/colour.ts); absent = none. */
  colourConstancy?: ColourConstancy;
}

export const COLOUR_CONSTANCY = ['shades-of-gray'] as const;
export type ColourConstancy = (typeof COLOUR_CONSTANCY)[number];

/** What a classifier looks at: the whole photo, the paper's ROI (mask x image, cropped), or the lesion's box with a margin, unmasked. */
export const CLASSIFIER_INPUTS = ['image', 'roi', 'crop'] as const;
export type ClassifierInput = (typeof CLASSIFIER_INPUTS)[number];

/**
 * Turning a classifier's softmax into calibrated probabilities: p ∝ exp((log p_model + logPriorShift) / temperature).
 * `logPriorShift` undoes the class mix the model was trained on (log of uniform over the sampling
 * prior), so that the probabilities are those of a population where the classes are equally
 * common; `temperature` is fitted on validation data.
 */
export interface Calibration {
  temperature: number;
  logPriorShift?: number[];
  /** How the temperature was fitted, and the expected calibration error before and after. */
  fittedOn?: string;
  ece?: { before: number; after: number };
}

export type ModelKind = 'segmenter' | 'classifier';

export interface Provenance {
  createdAt: string;
  dermkitVersion: string;
  /** e.g. 'random', 'imagenet:mobilenet_v2_0.35 (Apache-2.0)', 'trained' */
  initialisation: string;
  trainingData?: string;
  notes?: string;
}

export interface ModelConfig {
  format: 'dermkit-model/1';
  kind: ModelKind;
  /** Registry name, e.g. 'unet-mobilenetv2' or 'classifier-xception'. */
  name: string;
  arch: string;
  encoder: string;
  preprocessing: Preprocessing;
  /** Classifier output names, in head order. */
  classes?: string[];
  /**
   * Classifier: what it was trained on, the lesion ROI (the paper's cascade) or the whole image.
   * The cascade feeds it the same unless told otherwise.
   */
  trainedOn?: ClassifierInput;
  /**
   * Multi-view classifier: the views it takes side by side, one input of 3 x views channels
   * (e.g. ['image', 'crop'], src/models/multi-view.ts); `trainedOn` is then absent.
   */
  views?: ClassifierInput[];
  /** Classifier: margin around the lesion box for 'roi' and 'crop' inputs, as a fraction of the box's size. */
  roiMargin?: number;
  /** Classifier: calibration of its probabilities (absent = the softmax as it is). */
  calibration?: Calibration;

  /** Segmenter: probability above which a pixel is lesion. */
  maskThreshold?: number;
  /** Extra constructor options needed to rebuild the exact architecture. */
  options?: Record<string, unknown>;
  provenance: Provenance;
  /** Free-form metrics block written by training/eval. */
  metrics?: Record<string, unknown>;
}

/** Keras-style presets: the preprocessing each encoder family's ImageNet weights expect. */
export const PREPROCESSING_PRESETS = {
  /** Keras MobileNet / MobileNetV2 / Xception / InceptionResNetV2: [-1, 1]. */
  tf: { channelOrder: 'rgb', scale: 1 / 127.5, mean: [1, 1, 1], std: [1, 1, 1] },
  /** Keras ResNet (caffe): BGR, ImageNet mean subtracted, no scaling. */
  caffe: { channelOrder: 'bgr', scale: 1, mean: [103.939, 116.779, 123.68], std: [1, 1, 1] },
  /** torch-style: RGB [0,1] normalised with ImageNet mean/std. */
  torch: { channelOrder: 'rgb', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  /** Keras EfficientNet: raw 0..255 (the network rescales internally). */
  raw: { channelOrder: 'rgb', scale: 1, mean: [0, 0, 0], std: [1, 1, 1] },
} as const satisfies Record<string, Omit<Preprocessing, 'inputSize' | 'resizeMode'>>;
export type PreprocessingPreset = keyof typeof PREPROCESSING_PRESETS;

/** A preset at a given input size and resize mode. */
export function preprocessingFor(preset: PreprocessingPreset, inputSize: number, resizeMode: ResizeMode): Preprocessing {
  const p = PREPROCESSING_PRESETS[preset];
  return { inputSize, resizeMode, channelOrder: p.channelOrder, scale: p.scale, mean: [...p.mean], std: [...p.std] };
}
