/**
 * The two-stage cascade of Innani et al.: segment the lesion, cut out the ROI (mask x image,
 * cropped to the lesion), classify the ROI. With `roi: false` the classifier sees the whole
 * image (the paper's "without ROI" arm).
 */
import type { BBox, GrayImage, ProbabilityMap, RgbImage } from '../image/types.js';
import { decodeImage } from '../image/decode.js';
import { probabilityFromSquare, type RgbResizer } from '../image/resize.js';
import { areaFraction, boundingBox, cleanMask } from '../image/mask.js';
import { extractRoi } from '../image/roi.js';
import { prepareInput } from '../models/preprocess.js';
import type { ModelRunner } from './predictor.js';
import { averageOverViews } from './tta.js';

export const RESEARCH_NOTICE = 'Research use only: not a medical device and not a diagnosis.';

/** How each stage runs: test-time augmentation, and the resizer (sharp unless given; the browser brings its own). */
export interface StageOptions {
  tta?: boolean;
  resize?: RgbResizer;
}

export interface AnalyzeOptions extends StageOptions {
  segmenter: ModelRunner;
  classifier: ModelRunner;
  /**
   * Classify the lesion ROI (true) or the whole image (false, the paper's "without ROI" arm).
   * Default: what the classifier was trained on (its config's `trainedOn`), else the ROI.
   */
  roi?: boolean;
  /** ROI margin around the lesion's bounding box, as a fraction of its size. */
  roiMargin?: number;
  /** Name used in error messages when `image` is a buffer. */
  name?: string;
  maxPixels?: number;
}

export interface AnalysisResult {
  width: number;
  height: number;
  /** Binary lesion mask (0/255) at the input's original resolution. */
  mask: GrayImage;
  /** The image region the classifier saw. */
  roi: RgbImage;
  /** Whether the classifier saw the lesion ROI or the whole image. */
  classifiedOn: 'roi' | 'image';
  probabilities: Record<string, number>;
  top: { label: string; probability: number };
  lesionAreaFraction: number;
  /** Lesion bounding box in original pixels; null when no lesion was found. */
  bbox: BBox | null;
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
}

export function findings(r: AnalysisResult): Findings {
  return {
    notice: RESEARCH_NOTICE, width: r.width, height: r.height, probabilities: r.probabilities, top: r.top,
    lesionAreaFraction: r.lesionAreaFraction, bbox: r.bbox,
  };
}

/** The lesion probability map from a one-channel (sigmoid) or two-channel (softmax) segmenter output. */
export function lesionChannel(output: Float32Array, size: number): ProbabilityMap {
  const n = size * size;
  if (output.length === n) return { width: size, height: size, data: output };
  if (output.length !== 2 * n) throw new Error(`segmenter output has ${output.length} values, expected ${n} or ${2 * n}`);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = output[2 * i + 1]!;
  return { width: size, height: size, data };
}

export async function segment(img: RgbImage, segmenter: ModelRunner, opts: StageOptions = {}): Promise<{ probability: ProbabilityMap; mask: GrayImage }> {
  const p = segmenter.config.preprocessing;
  const { data, transform } = await prepareInput(img, p, opts.resize);
  const run = (x: Float32Array) => segmenter.predict(x, 1);
  const output = opts.tta ? await averageOverViews(data, p.inputSize, run, true) : await run(data);
  const squareMap = lesionChannel(output, p.inputSize);
  const probability = probabilityFromSquare(squareMap, transform, img.width, img.height);
  return { probability, mask: cleanMask(probability, segmenter.config.maskThreshold ?? 0.5) };
}

export async function classify(img: RgbImage, classifier: ModelRunner, opts: StageOptions = {}): Promise<Record<string, number>> {
  const p = classifier.config.preprocessing;
  const { data } = await prepareInput(img, p, opts.resize);
  const run = (x: Float32Array) => classifier.predict(x, 1);
  const out = opts.tta ? await averageOverViews(data, p.inputSize, run, false) : await run(data);
  const classes = classifier.config.classes ?? [];
  if (out.length !== classes.length) throw new Error(`classifier output has ${out.length} values for ${classes.length} classes`);
  return Object.fromEntries(classes.map((c, i) => [c, out[i]!]));
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
  const useRoi = opts.roi ?? opts.classifier.config.trainedOn !== 'image';
  const roi = useRoi ? extractRoi(img, mask, { margin: opts.roiMargin }).roi : img;
  const t3 = performance.now();
  const probabilities = await classify(roi, opts.classifier, opts);
  const t4 = performance.now();
  return {
    width: img.width,
    height: img.height,
    mask,
    roi,
    classifiedOn: useRoi ? 'roi' : 'image',
    probabilities,
    top: topClass(probabilities),
    lesionAreaFraction: areaFraction(mask),
    bbox,
    timingsMs: { decode: t1 - t0, segment: t2 - t1, roi: t3 - t2, classify: t4 - t3, total: t4 - t0 },
  };
}
