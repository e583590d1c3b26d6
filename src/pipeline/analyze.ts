/**
 * The two-stage cascade of Innani et al.: segment the lesion, cut out the ROI (mask x image,
 * cropped to the lesion), classify the ROI. With `roi: false` the classifier sees the whole
 * image (the paper's "without ROI" arm).
 *
 * Every result also says why and how far to trust it: the class activation map of the top class
 * (where the classifier found its evidence), warnings (src/pipeline/warnings.ts), the
 * out-of-distribution score, and the melanoma review flag (src/pipeline/triage.ts).
 */
import type { BBox, GrayImage, ProbabilityMap, RgbImage } from '../image/types.js';
import { decodeImage } from '../image/decode.js';
import { probabilityFromSquare } from '../image/resize.js';
import { areaFraction, boundingBox, cleanMask } from '../image/mask.js';
import { maskThresholdOf, type ClassifierInput } from '../models/config.js';
import { prepareInput } from '../models/preprocess.js';
import { classActivationMap } from './cam.js';
import { classifierViews, classifyExplained, cutView } from './classify.js';
import { oodScore } from './ood.js';
import type { ModelRunner } from './predictor.js';
import type { StageOptions } from './stage.js';
import { reviewFor, type Review } from './triage.js';
import { averageOverViews } from './tta.js';
import { warningsFor, type ResultWarning } from './warnings.js';

export type { StageOptions } from './stage.js';
export type { Review } from './triage.js';
export type { ResultWarning, WarningCode } from './warnings.js';
export { classify } from './classify.js';

export const RESEARCH_NOTICE = 'Research use only: not a medical device and not a diagnosis.';

export interface AnalyzeOptions extends StageOptions {
  segmenter: ModelRunner;
  classifier: ModelRunner;
  /**
   * Classify the lesion ROI (true) or the whole image (false, the paper's "without ROI" arm),
   * whatever a single-view classifier was trained on. Default: its views (config `trainedOn` or
   * `views`), else the ROI.
   */
  roi?: boolean;
  /** ROI margin around the lesion's bounding box, as a fraction of its size (default: the classifier's `roiMargin`). */
  roiMargin?: number;
  /** Name used in error messages when `image` is a buffer. */
  name?: string;
  maxPixels?: number;
  /** Flag for review when p(melanoma) >= this (default: the classifier's `triage.threshold`, else no flag). */
  melThreshold?: number;
}

export interface AnalysisResult {
  width: number;
  height: number;
  /** Binary lesion mask (0/255) at the input's original resolution. */
  mask: GrayImage;
  /** The image region the classifier saw (the lesion view of a multi-view classifier). */
  roi: RgbImage;
  /** What the classifier saw: 'roi', 'image', 'crop', or views joined by '+' (e.g. 'image+crop'). */
  classifiedOn: string;
  probabilities: Record<string, number>;
  top: { label: string; probability: number };
  lesionAreaFraction: number;
  /** Lesion bounding box in original pixels; null when no lesion was found. */
  bbox: BBox | null;
  /**
   * Class activation map of the top class at the input's size: 0 where the classifier found no
   * evidence for it, 255 where it found the most (src/pipeline/cam.ts). Null when the classifier
   * or its runner has none.
   */
  cam: GrayImage | null;
  /** The classifier's pooled penultimate features (views side by side); null when its runner gives none. */
  features: Float32Array | null;
  /** Out-of-distribution score and the range of the held-out images' scores (outside it: a warning); null without a fitted detector (dermkit.json `ood`). */
  ood: { score: number; range: [number, number] } | null;
  /** Flag for review on p(melanoma); null when no threshold was asked for or configured. */
  review: Review | null;
  /** What to be wary of in this result (empty when nothing is). */
  warnings: ResultWarning[];
  timingsMs: { decode: number; segment: number; roi: number; classify: number; total: number };
}

/**
 * What an analysis found, as plain data under the research notice: the part of the result that
 * the HTTP API answers and the web page offers for download (both add images, models, timings).
 */
export interface Findings {
  notice: string;
  width: number;
  height: number;
  probabilities: Record<string, number>;
  top: { label: string; probability: number };
  lesionAreaFraction: number;
  bbox: BBox | null;
  warnings: ResultWarning[];
  review: Review | null;
  ood: { score: number; range: [number, number] } | null;
}

export function findings(r: AnalysisResult): Findings {
  return {
    notice: RESEARCH_NOTICE, width: r.width, height: r.height, probabilities: r.probabilities, top: r.top,
    lesionAreaFraction: r.lesionAreaFraction, bbox: r.bbox, warnings: r.warnings, review: r.review, ood: r.ood,
  };
}

/** The lesion probability map of a segmenter's output: one (sigmoid) channel at its input size. */
export function lesionChannel(output: Float32Array, size: number): ProbabilityMap {
  if (output.length !== size * size) throw new Error(`segmenter output has ${output.length} values, expected ${size * size} (one lesion-probability channel of ${size} x ${size})`);
  return { width: size, height: size, data: output };
}

export async function segment(img: RgbImage, segmenter: ModelRunner, opts: StageOptions = {}): Promise<{ probability: ProbabilityMap; mask: GrayImage }> {
  const p = segmenter.config.preprocessing;
  const { data, transform } = await prepareInput(img, p, opts.resize);
  const run = (x: Float32Array) => segmenter.predict(x, 1);
  const output = opts.tta ? await averageOverViews(data, p.inputSize, run, true) : await run(data);
  const squareMap = lesionChannel(output, p.inputSize);
  const probability = probabilityFromSquare(squareMap, transform, img.width, img.height);
  return { probability, mask: cleanMask(probability, maskThresholdOf(segmenter.config)) };
}

/** The views to classify: the classifier's own, or the ROI / whole image when `roi` forces one on a single-view classifier. */
export function viewsFor(classifier: ModelRunner, roi: boolean | undefined): ClassifierInput[] {
  const views = classifierViews(classifier.config);
  if (roi === undefined) return views;
  if (views.length > 1) throw new Error(`this classifier takes ${views.join(' + ')} together; it cannot classify ${roi ? 'the ROI' : 'the whole image'} alone`);
  return [roi ? 'roi' : 'image'];
}

/** The text drawn on overlays: top class, its probability, and the research-use notice. */
export function overlayLabel(top: { label: string; probability: number }): string {
  return `${top.label} ${(top.probability * 100).toFixed(1)}% — research use only`;
}

export function topClass(probabilities: Record<string, number>): { label: string; probability: number } {
  let best = { label: '', probability: -Infinity };
  for (const [label, probability] of Object.entries(probabilities)) if (probability > best.probability) best = { label, probability };
  return best;
}

export async function analyze(image: RgbImage | string | Buffer, opts: AnalyzeOptions): Promise<AnalysisResult> {
  const t0 = performance.now();
  // Not Buffer.isBuffer: this module also runs in the browser (private mode), where Buffer does not exist.
  const img = typeof image === 'string' || image instanceof Uint8Array
    ? await decodeImage(image, { name: opts.name, maxPixels: opts.maxPixels })
    : image;
  const t1 = performance.now();
  const { mask } = await segment(img, opts.segmenter, opts);
  const t2 = performance.now();
  const bbox = boundingBox(mask);
  const inputs = viewsFor(opts.classifier, opts.roi);
  const config = opts.classifier.config;
  const margin = opts.roiMargin ?? config.roiMargin;
  const views = inputs.map((input) => cutView(img, mask, input, margin));
  const t3 = performance.now();
  const { probabilities, maps, features } = await classifyExplained(views.map((v) => v.image), opts.classifier, opts);
  const top = topClass(probabilities);
  const classes = config.classes ?? [];
  const cam = maps && classActivationMap(maps.map((m, i) => ({ ...m, box: views[i]!.box })), classes.indexOf(top.label), classes.length, img.width, img.height);
  const ood = features && config.ood ? { score: oodScore(features, config.ood), range: config.ood.range } : null;
  const t4 = performance.now();
  const lesionView = inputs.findIndex((input) => input !== 'image');
  const lesionAreaFraction = areaFraction(mask);
  const warnings = warningsFor({ width: img.width, height: img.height, mask, lesionAreaFraction, top, ood }, { segmenter: opts.segmenter.config, classifier: config });
  return {
    width: img.width,
    height: img.height,
    mask,
    roi: views[lesionView >= 0 ? lesionView : 0]!.image,
    classifiedOn: inputs.join('+'),
    probabilities,
    top,
    lesionAreaFraction,
    bbox,
    cam,
    features,
    ood,
    review: reviewFor(probabilities, config, opts.melThreshold),
    warnings,
    timingsMs: { decode: t1 - t0, segment: t2 - t1, roi: t3 - t2, classify: t4 - t3, total: t4 - t0 },
  };
}
