/**
 * The training step both engines run: forward in training mode, loss, gradients of the
 * trainable weights, Adam update. Batch-norm layers update their moving statistics as a side
 * effect of the training-mode forward pass, exactly as in model.fit.
 */
import { tf } from '../tf.js';
import type { AdamOptimizer } from './adam.js';
import type { LossFunction } from './losses.js';

export interface StepParts {
  model: tf.LayersModel;
  loss: LossFunction;
  optimizer: AdamOptimizer;
  /** The model's trainable tf.Variables, in the optimizer's order. */
  params: readonly tf.Variable[];
}

/** Run one step on (x, y) and return the loss before the update. */
export function trainingStep(parts: StepParts, x: tf.Tensor, y: tf.Tensor): tf.Scalar {
  const { value, grads } = tf.variableGrads(() => {
    const prediction = parts.model.apply(x, { training: true });
    if (Array.isArray(prediction)) throw new Error('compileTrainer: models with several outputs are not supported');
    return parts.loss(y, prediction as tf.Tensor);
  }, [...parts.params]);
  parts.optimizer.apply(parts.params.map((p) => grads[p.name]!));
  tf.dispose(Object.values(grads));
  return value;
}

/** The tf.Variables behind a model's weights: trainable ones, then the rest (batch-norm statistics). */
export function modelVariables(model: tf.LayersModel): { trainable: tf.Variable[]; nonTrainable: tf.Variable[] } {
  const variable = (w: tf.LayerVariable) => w.read() as tf.Variable;
  return { trainable: model.trainableWeights.map(variable), nonTrainable: model.nonTrainableWeights.map(variable) };
}
