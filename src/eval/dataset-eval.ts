/**
 * `dermkit eval`: run models over a dataset at full resolution and score them. Segmentation
 * masks are predicted and scored at each image's original size (as the ISIC challenge does);
 * classification runs on the whole image, or on the ROI a segmentation model cuts (the cascade).
 * Images stream one at a time; only per-image scores and the K worst cases are kept.
 */
import type { ClsSample, SegSample } from '../data/types.js';
import { decodeImage, decodeMask } from '../image/decode.js';
import { extractRoi } from '../image/roi.js';
import { classify, segment } from '../pipeline/analyze.js';
import type { Predictor } from '../pipeline/predictor.js';
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

export async function evaluateClassifier(
  samples: readonly ClsSample[],
  classifier: Predictor,
  opts: { roiFrom?: Predictor; tta?: boolean; onProgress?: Progress } = {},
): Promise<{ result: ClsEvalResult; worst: WorstClsCases }> {
  const classes = classifier.config.classes ?? [];
  const predictions: ClsPrediction[] = [];
  const worst = new WorstClsCases(classes);
  for (const [i, s] of samples.entries()) {
    const image = await decodeImage(s.imagePath);
    const input = opts.roiFrom ? extractRoi(image, (await segment(image, opts.roiFrom, { tta: opts.tta })).mask).roi : image;
    const p = await classify(input, classifier, { tta: opts.tta });
    const probabilities = classes.map((c) => p[c]!);
    predictions.push({ id: s.id, group: s.groupId, trueLabel: s.label, probabilities });
    worst.add({ id: s.id, image: input, trueLabel: s.label, probabilities });
    opts.onProgress?.(i + 1, samples.length);
  }
  return { result: evaluateClassification(classes, predictions), worst };
}
