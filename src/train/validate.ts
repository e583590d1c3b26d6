/**
 * Validation during training: run the current weights over the validation stream, average the
 * training loss, and compute the metric that matters per task (Dice/IoU for masks at the model's
 * input resolution; accuracy and balanced accuracy for classes). Full-resolution evaluation is
 * `dermkit eval`'s job (src/eval); this is the fast signal for early stopping.
 */
import type { BatchStream } from '../data/pipeline.js';
import { HAM_CLASSES, maskThresholdOf, type ModelConfig } from '../models/config.js';
import { scoreMasks, summariseSegScores, type SegImageScore } from '../eval/seg-metrics.js';
import { evaluateClassification, type ClsPrediction } from '../eval/cls-metrics.js';
import { calibrate } from '../pipeline/classify.js';
import type { Task } from '../vocabulary.js';

/** What validation reports per task besides the loss: the metrics early stopping can follow. */
export const VALIDATION_METRICS = {
  seg: ['dice', 'iou', 'miou', 'thresholdedJaccard'],
  cls: ['accuracy', 'balancedAccuracy', 'balancedLoss'],
} as const;
export const MONITORS = ['loss', ...VALIDATION_METRICS.seg, ...VALIDATION_METRICS.cls] as const;
export type Monitor = (typeof MONITORS)[number];

export interface ValidationResult {
  loss: number;
  metrics: Record<string, number>;
}

type Predict = (x: Float32Array, n: number) => Promise<Float32Array>;
type Loss = (y: Float32Array, p: Float32Array, yShape: number[]) => number;

function binaryMask(values: Float32Array, offset: number, size: number, threshold: number) {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = values[offset + i]! > threshold ? 255 : 0;
  return data;
}

/**
 * Cross-entropy averaged per class, then over the classes present: the loss of a population where
 * every class is equally common. Smoother than balanced accuracy for choosing a checkpoint (it
 * moves with every probability, not only with arg-max flips) and as fair to the small classes.
 */
export function balancedLogLoss(predictions: readonly ClsPrediction[], classes: readonly string[]): number {
  const sums = new Map<string, { loss: number; n: number }>();
  for (const p of predictions) {
    const k = classes.indexOf(p.trueLabel);
    const entry = sums.get(p.trueLabel) ?? { loss: 0, n: 0 };
    entry.loss -= Math.log(Math.max(p.probabilities[k]!, 1e-7));
    entry.n++;
    sums.set(p.trueLabel, entry);
  }
  const perClass = [...sums.values()].map((e) => e.loss / e.n);
  return perClass.reduce((a, b) => a + b, 0) / perClass.length;
}

/** The training stream's mask targets are 0/1: any threshold between them reads them back. */
const TARGET_THRESHOLD = 0.5;

/**
 * `config`: the model's. Predicted masks are cut at its mask threshold, as analyze cuts them. The
 * classifier's calibration (its log prior shift, when trained for a uniform output prior) is
 * applied to the outputs before the class metrics, so that the accuracies logged are those the
 * model will give; the loss stays that of the raw outputs, as trained.
 */
export async function validate(
  task: Task, val: BatchStream, predict: Predict, loss: Loss,
  config: Pick<ModelConfig, 'classes' | 'calibration' | 'maskThreshold'> = {},
): Promise<ValidationResult> {
  const classes = config.classes ?? HAM_CLASSES;
  const maskThreshold = maskThresholdOf(config);
  let lossSum = 0;
  let count = 0;
  const segScores: SegImageScore[] = [];
  const predictions: ClsPrediction[] = [];
  for await (const batch of val.epoch(0)) {
    const n = batch.xShape[0];
    const p = await predict(batch.x, n);
    lossSum += loss(batch.y, p, batch.yShape) * n;
    count += n;
    const per = p.length / n;
    for (let i = 0; i < n; i++) {
      if (task === 'seg') {
        const side = batch.xShape[1];
        const truth = { width: side, height: batch.xShape[2], data: binaryMask(batch.y, i * per, per, TARGET_THRESHOLD) };
        const pred = { width: side, height: batch.xShape[2], data: binaryMask(p, i * per, per, maskThreshold) };
        segScores.push(scoreMasks(batch.ids[i]!, truth, pred));
      } else {
        const y = batch.y.subarray(i * per, (i + 1) * per);
        predictions.push({ id: batch.ids[i], trueLabel: classes[y.indexOf(1)]!, probabilities: calibrate(p.subarray(i * per, (i + 1) * per), config.calibration) });
      }
    }
  }
  if (count === 0) throw new Error('validation set is empty');
  if (task === 'seg') {
    const s = summariseSegScores(segScores);
    return { loss: lossSum / count, metrics: { dice: s.dice, iou: s.iou, miou: s.miou, thresholdedJaccard: s.thresholdedJaccard } };
  }
  const c = evaluateClassification([...classes], predictions);
  return { loss: lossSum / count, metrics: { accuracy: c.accuracy, balancedAccuracy: c.balancedAccuracy, balancedLoss: balancedLogLoss(predictions, classes) } };
}
