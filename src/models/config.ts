/**
 * The model card that travels beside every saved model as `dermkit.json`. It is the single source
 * of truth for how an image becomes a model input: CLI, server, web and training all read it.
 */
import type { ClassifierInput, ModelKind, ResizeMode } from '../vocabulary.js';

// The shared words, for the modules that take them with the config.
export { CLASSIFIER_INPUTS, HAM_CLASSES, RESIZE_MODES, type ClassifierInput, type HamClass, type ModelKind, type ResizeMode } from '../vocabulary.js';

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

/** The class name HAM10000 ('mel') or a spelled-out list ('melanoma') uses for melanoma. */
export function isMelanoma(name: string): boolean {
  return /^mel(anoma)?$/i.test(name);
}

/** A threshold on one class's probability and what it reaches on held-out data. */
export interface OperatingPoint {
  /** The sensitivity the threshold was chosen to reach (e.g. 0.95). */
  targetSensitivity: number;
  /** Flag when p(class) >= threshold. */
  threshold: number;
  /** What it reached on the data it was chosen on. */
  sensitivity: number;
  specificity: number;
}

/**
 * Triage: flag an image for review when one class (melanoma) is likely enough, at a threshold
 * chosen for a sensitivity rather than by the arg-max (src/pipeline/triage.ts).
 */
export interface Triage {
  /** The class that is flagged. */
  label: string;
  /** Default threshold of `analyze`; absent = no flag unless one is asked for (`--mel-threshold`). */
  threshold?: number;
  /** Thresholds for target sensitivities, chosen on held-out data by `dermkit models calibrate`. */
  operatingPoints?: OperatingPoint[];
  fittedOn?: string;
}

/**
 * Out-of-distribution detector over the classifier's pooled penultimate features (views
 * concatenated), fitted by `dermkit models fit-ood` (src/eval/fit-ood.ts) and scored by
 * src/pipeline/ood.ts: features scaled to unit length -> a seeded Gaussian random projection to
 * `dims` dimensions -> the smallest Mahalanobis distance to a class mean under one shared
 * covariance (Lee et al. 2018). The projection is rebuilt from its seed, so the file holds only
 * the fitted statistics, as base64 float32 (little-endian) to keep it short.
 *
 * Both tails are flagged: far from every class (unlike the data), and also much nearer a class
 * mean than real images ever are. In many dimensions typical images lie on a shell around the
 * means, not at them; featureless inputs (a flat colour, a blank page) give near-average
 * features and fall inside it (the typicality argument of Nalisnick et al. 2019).
 */
export interface OodDetector {
  method: 'mahalanobis-random-projection';
  projection: { seed: number; inputs: number; dims: number };
  /** Per class, the mean of its projected features (dims values, base64 float32). */
  classMeans: Record<string, string>;
  /** Inverse of the shared within-class covariance (dims x dims, row-major, base64 float32). */
  precision: string;
  /** Distances outside [low, high] are out of distribution: the range that holds a share `coverage` of the held-out images, centred (equal tails). */
  range: [number, number];
  coverage: number;
  fittedOn: string;
  /** Fraction of the held-out images each warning code flags (and 'any'), with this detector. */
  flagged?: Record<string, number>;
  /**
   * Generated non-dermoscopy images (flat colours, noise, text, gradients, documents): how many got
   * an out-of-distribution or no-lesion warning (`flagged`, the rest `missed`), and how many the
   * out-of-distribution warning alone.
   */
  probes?: { total: number; flagged: number; outOfDistribution: number; missed: string[] };
}

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
  /** Classifier: flag for review at a threshold on one class (melanoma). */
  triage?: Triage;
  /** Classifier: out-of-distribution detector on its features. */
  ood?: OodDetector;

  /** Segmenter: probability above which a pixel is lesion (absent: DEFAULT_MASK_THRESHOLD). */
  maskThreshold?: number;
  /** Extra constructor options needed to rebuild the exact architecture. */
  options?: Record<string, unknown>;
  provenance: Provenance;
  /** Free-form metrics block written by training/eval. */
  metrics?: Record<string, unknown>;
}

export const DEFAULT_MASK_THRESHOLD = 0.5;

/** The probability above which a segmenter's pixel is lesion: every stage that thresholds a mask asks here. */
export function maskThresholdOf(config: Pick<ModelConfig, 'maskThreshold'>): number {
  return config.maskThreshold ?? DEFAULT_MASK_THRESHOLD;
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
