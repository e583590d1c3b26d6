/**
 * The cascade's classification step: cut the views the classifier was trained on out of the
 * photo (the whole image, the paper's ROI = mask x image, or the lesion's box unmasked), bring
 * each to the input size through the model's own preprocessing, run the model, and calibrate its
 * softmax (src/models/config.ts `Calibration`).
 *
 * A multi-view classifier (config `views`, e.g. whole image + lesion crop) takes its views side
 * by side as one input of 3 x views channels: one model, one file, one runner everywhere.
 *
 * Where the runner gives them (src/models/explain.ts), the class activation maps of each view
 * and the pooled features come back with the probabilities, from the same pass.
 */
import type { BBox, GrayImage, RgbImage } from '../image/types.js';
import { extractRoi } from '../image/roi.js';
import type { Calibration, ClassifierInput, ModelConfig } from '../models/config.js';
import { FEATURES_OUTPUT, MAIN_OUTPUT, camOutput } from '../models/outputs.js';
import { prepareInput } from '../models/preprocess.js';
import type { ViewMaps } from './cam.js';
import type { ModelRunner } from './predictor.js';
import { averageOverViews } from './tta.js';
import type { StageOptions } from './stage.js';

/** The ROI margin when a config names none: a tenth of the lesion box on each side. */
export const DEFAULT_ROI_MARGIN = 0.1;

/** What the classifier looks at, in input order. A classifier without a record of it was trained on the ROI (the paper). */
export function classifierViews(config: ModelConfig): ClassifierInput[] {
  return config.views ? [...config.views] : [config.trainedOn ?? 'roi'];
}

export interface ClassifierView {
  image: RgbImage;
  /** Where it was cut from in the photo. */
  box: BBox;
}

/** One view of the photo: the whole image, the masked ROI, or the unmasked lesion box (an empty mask gives the whole image). */
export function cutView(img: RgbImage, mask: GrayImage, input: ClassifierInput, margin = DEFAULT_ROI_MARGIN): ClassifierView {
  if (input === 'image') return { image: img, box: { x: 0, y: 0, width: img.width, height: img.height } };
  const { roi, box } = extractRoi(img, mask, { margin, applyMask: input === 'roi' });
  return { image: roi, box };
}

/** The pixels of `cutView`. */
export function viewImage(img: RgbImage, mask: GrayImage, input: ClassifierInput, margin = DEFAULT_ROI_MARGIN): RgbImage {
  return cutView(img, mask, input, margin).image;
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

export interface Classification {
  /** Calibrated probability per class. */
  probabilities: Record<string, number>;
  /** Per view (in `classifierViews` order), its class activation maps; null when the runner gives none. */
  maps: Array<Omit<ViewMaps, 'box'>> | null;
  /** Pooled penultimate features, the views' side by side; null when the runner gives none. */
  features: Float32Array | null;
}

/** Calibrated class probabilities for the views given (one image per view, in `classifierViews` order), with the maps and features where the runner gives them. */
export async function classifyExplained(views: readonly RgbImage[], classifier: ModelRunner, opts: StageOptions = {}): Promise<Classification> {
  const { config } = classifier;
  const expected = classifierViews(config).length;
  if (views.length !== expected) throw new Error(`this classifier takes ${expected} view(s) (${classifierViews(config).join(' + ')}), got ${views.length}`);
  const p = config.preprocessing;
  const prepared = await Promise.all(views.map((v) => prepareInput(v, p, opts.resize)));
  const input = prepared.length === 1 ? prepared[0]!.data : interleaveChannels(prepared.map((v) => v.data), p.inputSize * p.inputSize);
  const outputs = classifier.run ? await classifier.run(input, 1) : { [MAIN_OUTPUT]: await classifier.predict(input, 1) };
  // TTA averages the probabilities over the 8 orientations; the maps and the features stay those
  // of the views as given, which is also how the out-of-distribution detector was fitted.
  const softmax = opts.tta ? await averageOverViews(input, p.inputSize, (x) => classifier.predict(x, 1), false, 3 * prepared.length) : outputs[MAIN_OUTPUT]!;
  const classes = config.classes ?? [];
  if (softmax.length !== classes.length) throw new Error(`classifier output has ${softmax.length} values for ${classes.length} classes`);
  const calibrated = calibrate(softmax, config.calibration);
  const cams = prepared.map((_, view) => outputs[camOutput(view)]);
  const maps = cams.every((cam) => cam !== undefined)
    ? cams.map((data, view) => ({ data: data!, size: Math.round(Math.sqrt(data!.length / classes.length)), transform: prepared[view]!.transform }))
    : null;
  return {
    probabilities: Object.fromEntries(classes.map((c, i) => [c, calibrated[i]!])),
    maps,
    features: outputs[FEATURES_OUTPUT] ?? null,
  };
}

/** Calibrated class probabilities for the views given. */
export async function classify(views: RgbImage | readonly RgbImage[], classifier: ModelRunner, opts: StageOptions = {}): Promise<Record<string, number>> {
  const list = Array.isArray(views) ? views : [views as RgbImage];
  return (await classifyExplained(list, classifier, opts)).probabilities;
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
