/**
 * The cascade's classification step: cut the views the classifier was trained on out of the
 * photo (the whole image, the paper's ROI = mask x image, or the lesion's box unmasked), bring
 * each to the input size through the model's own preprocessing, run the model, and calibrate its
 * softmax (src/models/config.ts `Calibration`).
 *
 * A multi-view classifier (config `views`, e.g. whole image + lesion crop) takes its views side
 * by side as one input of 3 x views channels: one model, one file, one runner everywhere.
 */
import type { GrayImage, RgbImage } from '../image/types.js';
import { extractRoi } from '../image/roi.js';
import type { Calibration, ClassifierInput, ModelConfig } from '../models/config.js';
import { prepareInput } from '../models/preprocess.js';
import type { ModelRunner } from './predictor.js';
import { averageOverViews } from './tta.js';
import type { StageOptions } from './stage.js';

/** The ROI margin when a config names none: a tenth of the lesion box on each side. */
export const DEFAULT_ROI_MARGIN = 0.1;

/** What the classifier looks at, in input order. A classifier without a record of it was trained on the ROI (the paper). */
export function classifierViews(config: ModelConfig): ClassifierInput[] {
  return config.views ? [...config.views] : [config.trainedOn ?? 'roi'];
}

/** One view of the photo: the whole image, the masked ROI, or the unmasked lesion box (an empty mask gives the whole image). */
export function viewImage(img: RgbImage, mask: GrayImage, input: ClassifierInput, margin = DEFAULT_ROI_MARGIN): RgbImage {
  if (input === 'image') return img;
  return extractRoi(img, mask, { margin, applyMask: input === 'roi' }).roi;
}

/** softmax((log p + logPriorShift) / temperature), from probabilities; without calibration the input as it is. */
export function calibrate(probabilities: ArrayLike<number>, calibration: Calibration | undefined): Float32Array {
  const p = Float32Array.from(probabilities);
  if (!calibration) return p;
  const { temperature, logPriorShift } = calibration;
  if (!(temperature > 0)) throw new RangeError(`calibration temperature must be positive, got ${temperature}`);
  if (logPriorShift && logPriorShift.length !== p.length) throw new Error(`calibration has ${logPriorShift.length} prior shifts for ${p.length} classes`);
  const z = Array.from(p, (v, i) => (Math.log(Math.max(v, 1e-12)) + (logPriorShift?.[i] ?? 0)) / temperature);
  const max = Math.max(...z);
  let sum = 0;
  for (let i = 0; i < z.length; i++) sum += p[i] = Math.exp(z[i]! - max);
  for (let i = 0; i < p.length; i++) p[i]! /= sum;
  return p;
}

/** The classifier's softmax before calibration, for the views given (one image per view, in `classifierViews` order). */
export async function classifierOutput(views: readonly RgbImage[], classifier: ModelRunner, opts: StageOptions = {}): Promise<Float32Array> {
  const p = classifier.config.preprocessing;
  const prepared = await Promise.all(views.map(async (v) => (await prepareInput(v, p, opts.resize)).data));
  const input = prepared.length === 1 ? prepared[0]! : interleaveChannels(prepared, p.inputSize * p.inputSize);
  const run = (x: Float32Array) => classifier.predict(x, 1);
  const out = opts.tta ? await averageOverViews(input, p.inputSize, run, false, 3 * prepared.length) : await run(input);
  const classes = classifier.config.classes ?? [];
  if (out.length !== classes.length) throw new Error(`classifier output has ${out.length} values for ${classes.length} classes`);
  return out;
}

/** Calibrated class probabilities for the views given. */
export async function classify(views: RgbImage | readonly RgbImage[], classifier: ModelRunner, opts: StageOptions = {}): Promise<Record<string, number>> {
  const list = Array.isArray(views) ? views : [views as RgbImage];
  const expected = classifierViews(classifier.config).length;
  if (list.length !== expected) throw new Error(`this classifier takes ${expected} view(s) (${classifierViews(classifier.config).join(' + ')}), got ${list.length}`);
  const probabilities = calibrate(await classifierOutput(list, classifier, opts), classifier.config.calibration);
  const classes = classifier.config.classes ?? [];
  return Object.fromEntries(classes.map((c, i) => [c, probabilities[i]!]));
}

/** HWC images of 3 channels each, side by side per pixel: [view0 rgb, view1 rgb, ...]. */
export function interleaveChannels(views: readonly Float32Array[], pixels: number): Float32Array {
  const k = views.length;
  const out = new Float32Array(pixels * 3 * k);
  for (let i = 0; i < pixels; i++) {
    for (let v = 0; v < k; v++) {
      const src = views[v]!;
      out[(i * k + v) * 3] = src[i * 3]!;
      out[(i * k + v) * 3 + 1] = src[i * 3 + 1]!;
      out[(i * k + v) * 3 + 2] = src[i * 3 + 2]!;
    }
  }
  return out;
}
