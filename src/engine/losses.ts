/**
 * The training losses, written with plain TF.js ops so that the same definition runs eagerly
 * and compiles into the ONNX training graph.
 *
 * - categoricalCrossentropy: Keras's loss on softmax probabilities (renormalised, clipped to
 *   [eps, 1 - eps]), averaged over the batch; optional per-class weights as Keras's
 *   class_weight (each sample weighted by its true class, sum divided by the batch size), and
 *   optional label smoothing as Keras's (targets y(1 - s) + s / classes).
 * - bceDice: binary cross-entropy on sigmoid probabilities (clipped like Keras) averaged over
 *   all pixels, plus the soft Dice loss 1 - (2 sum(p y) + 1) / (sum(p) + sum(y) + 1) over the
 *   whole batch, as ../shared/bench/torch_reference.py defines it.
 */
import { tf } from '../tf.js';
import type { Task } from '../vocabulary.js';

export type LossFunction = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

/** Keras's backend epsilon, also TF.js's `tf.backend().epsilon()` on the cpu backend. */
export const LOSS_EPSILON = 1e-7;

export interface LossOptions {
  /** categoricalCrossentropy only: one weight per class, in class order. */
  classWeights?: readonly number[];
  /** categoricalCrossentropy only: label smoothing in [0, 1). */
  labelSmoothing?: number;
}

export function categoricalCrossentropy(yTrue: tf.Tensor, yPred: tf.Tensor, classWeights?: readonly number[], labelSmoothing = 0): tf.Scalar {
  if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new RangeError(`label smoothing must be in [0, 1), got ${labelSmoothing}`);
  return tf.tidy(() => {
    const axis = yPred.rank - 1;
    const probabilities = tf.div(yPred, tf.sum(yPred, axis, true));
    const clipped = tf.clipByValue(probabilities, LOSS_EPSILON, 1 - LOSS_EPSILON);
    const target = labelSmoothing > 0 ? tf.add(tf.mul(yTrue, 1 - labelSmoothing), labelSmoothing / yPred.shape[axis]!) : yTrue;
    let perSample = tf.neg(tf.sum(tf.mul(target, tf.log(clipped)), axis));
    if (classWeights !== undefined) {
      const classes = yPred.shape[axis];
      if (classWeights.length !== classes) {
        throw new Error(`categoricalCrossentropy: ${classWeights.length} class weights for ${classes} classes`);
      }
      perSample = tf.mul(perSample, tf.sum(tf.mul(yTrue, tf.tensor1d([...classWeights])), axis));
    }
    return tf.mean(perSample) as tf.Scalar;
  });
}

export function binaryCrossentropy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.clipByValue(yPred, LOSS_EPSILON, 1 - LOSS_EPSILON);
    const positive = tf.mul(yTrue, tf.log(p));
    const negative = tf.mul(tf.sub(1, yTrue), tf.log(tf.sub(1, p)));
    return tf.neg(tf.mean(tf.add(positive, negative))) as tf.Scalar;
  });
}

export function diceLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const intersection = tf.sum(tf.mul(yPred, yTrue));
    const total = tf.add(tf.sum(yPred), tf.sum(yTrue));
    return tf.sub(1, tf.div(tf.add(tf.mul(intersection, 2), 1), tf.add(total, 1))) as tf.Scalar;
  });
}

export function bceDice(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.add(binaryCrossentropy(yTrue, yPred), diceLoss(yTrue, yPred)) as tf.Scalar);
}

/** Every loss by the name a run config records, with the task whose targets it scores; adding a loss is one entry. */
export const LOSSES = {
  categoricalCrossentropy: { task: 'cls', make: (o: LossOptions): LossFunction => (yTrue, yPred) => categoricalCrossentropy(yTrue, yPred, o.classWeights, o.labelSmoothing) },
  bceDice: { task: 'seg', make: (): LossFunction => bceDice },
} satisfies Record<string, { task: Task; make: (options: LossOptions) => LossFunction }>;

export type LossName = keyof typeof LOSSES;
export const LOSS_NAMES = Object.keys(LOSSES) as LossName[];

export function lossFunction(name: LossName, options: LossOptions = {}): LossFunction {
  const entry = (LOSSES as Record<string, (typeof LOSSES)[LossName]>)[name];
  if (!entry) throw new Error(`unknown loss '${String(name)}' (expected ${LOSS_NAMES.join(', ')})`);
  return entry.make(options);
}
