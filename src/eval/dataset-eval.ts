/**
 * `dermkit eval`: run models over a dataset at full resolution and score them. Segmentation
 * masks are predicted and scored at each image's original size (as the ISIC challenge does);
 * classification sees what `analyze` would give it: the classifier's own views (whole image, ROI,
 * lesion crop) cut with the segmentation model's masks, or the ROI / whole image when forced.
 * Images stream one at a time; only per-image scores and the K worst cases are kept.
 */
import type { ClsSample, SegSample } from '../data/types.js';
import { decodeImage, decodeMask } from '../image/decode.js';
import { classify, segment, viewsFor } from '../pipeline/analyze.js';
import { viewImage } from '../pipeline/classify.js';
import type { ModelRunner, Predictor } from '../pipeline/predictor.js';
import { scoreMasks, summariseSegScores, type SegEvalResult, type SegImageScore } from './seg-metrics.js';
import { evaluateClassification, type ClsEvalResult, type ClsPrediction } from './cls-metrics.js';
import { WorstClsCases, WorstSegCases } from './worst-cases.js';

type Progress = (done: number, total: number) => void;

export async function evaluateSegmenter(samples: readonly SegSample[], segmenter: Predictor, opts: { tta?: boolean; onProgress?: Progress } = {}): Promise<{ result: SegEvalResult; worst: WorstSegCases }> {
  const scores: SegImageScore[] = [];
  const worst = new WorstSegCases();
  for (const [i, s] of samples.entries()) {
    const image = await decodeImage(s.imagePath);
    const truth = await decodeMask(s.maskPath);
    if (truth.width !== image.width || truth.height !== image.height) {
      throw new Error(`${s.maskPath}: mask is ${truth.width}x${truth.height} but its image is ${image.width}x${image.height}`);
    }
    const { mask } = await segment(image, segmenter, { tta: opts.tta });
    const score = scoreMasks(s.id, truth, mask, s.groupId);
    scores.push(score);
    worst.add({ id: s.id, image, truth, prediction: mask, dice: score.dice });
    opts.onProgress?.(i + 1, samples.length);
  }
  return { result: summariseSegScores(scores), worst };
}

export interface ClassifierEvalOptions {
  /** Cuts the lesion views; needed unless the classifier sees only the whole image. */
  segmenter?: Predictor;
  /** Force the ROI (true) or the whole image (false) on a single-view classifier, as `analyze --roi/--no-roi`. */
  roi?: boolean;
  tta?: boolean;
  onProgress?: Progress;
}

/** Whether scoring this classifier (with `roi` forced or not) needs a segmentation model. */
export function classifierNeedsLesion(classifier: ModelRunner, roi?: boolean): boolean {
  return viewsFor(classifier, roi).some((v) => v !== 'image');
}

export async function evaluateClassifier(samples: readonly ClsSample[], classifier: ModelRunner, opts: ClassifierEvalOptions = {}): Promise<{ result: ClsEvalResult; worst: WorstClsCases }> {
  const classes = classifier.config.classes ?? [];
  const predictions: ClsPrediction[] = [];
  const worst = new WorstClsCases(classes);
  const inputs = viewsFor(classifier, opts.roi);
  if (inputs.some((v) => v !== 'image') && !opts.segmenter) throw new Error(`this classifier sees ${inputs.join(' + ')}: scoring it needs a segmentation model`);
  const margin = classifier.config.roiMargin;
  for (const [i, s] of samples.entries()) {
    const image = await decodeImage(s.imagePath);
    const mask = opts.segmenter && inputs.some((v) => v !== 'image') ? (await segment(image, opts.segmenter, { tta: opts.tta })).mask : null;
    const views = inputs.map((v) => (v === 'image' ? image : viewImage(image, mask!, v, margin)));
    const input = views.find((_, k) => inputs[k] !== 'image') ?? image;
    const p = await classify(views, classifier, { tta: opts.tta });
    const probabilities = classes.map((c) => p[c]!);
    predictions.push({ id: s.id, group: s.groupId, trueLabel: s.label, probabilities });
    worst.add({ id: s.id, image: input, trueLabel: s.label, probabilities });
    opts.onProgress?.(i + 1, samples.length);
  }
  return { result: evaluateClassification(classes, predictions), worst };
}
