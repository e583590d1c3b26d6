/**
 * Adam with explicit state, numerically the same update as tf.train.adam (bias correction via
 * running beta powers, epsilon added to sqrt(v-hat), TF.js's default epsilon 1e-7). Keeping the
 * moments, beta powers and learning rate in tf.Variables makes the whole update traceable: the
 * compiled step reads them as inputs and returns their new values, and the learning rate can
 * change between steps without recompiling.
 */
import { tf } from '../models/tf.js';

export interface AdamConfig {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** One named float array of optimizer state (the shape checkpoints store). */
export interface OptimizerArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

export class AdamOptimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly learningRate: tf.Variable;
  /** beta1^t and beta2^t after t steps (start at beta, like tf.train.adam's accBeta). */
  readonly accBeta1: tf.Variable;
  readonly accBeta2: tf.Variable;
  readonly firstMoments: tf.Variable[];
  readonly secondMoments: tf.Variable[];

  constructor(private readonly params: readonly tf.Variable[], config: AdamConfig) {
    this.beta1 = config.beta1 ?? 0.9;
    this.beta2 = config.beta2 ?? 0.999;
    this.epsilon = config.epsilon ?? 1e-7;
    // Variables outlive tidy(); the temporaries they are built from do not.
    const variable = (make: () => tf.Tensor) => tf.tidy(() => tf.variable(make(), false));
    this.learningRate = variable(() => tf.scalar(config.learningRate));
    this.accBeta1 = variable(() => tf.scalar(this.beta1));
    this.accBeta2 = variable(() => tf.scalar(this.beta2));
    this.firstMoments = params.map((p) => variable(() => tf.zerosLike(p)));
    this.secondMoments = params.map((p) => variable(() => tf.zerosLike(p)));
  }

  /** Every state variable, in the order `state()` / `setState()` use. */
  get variables(): tf.Variable[] {
    return [this.learningRate, this.accBeta1, this.accBeta2, ...this.firstMoments, ...this.secondMoments];
  }

  /** Apply one update with `grads[i]` for `params[i]` (same order as the constructor's). */
  apply(grads: readonly tf.Tensor[]): void {
    tf.tidy(() => {
      const oneMinusAccBeta1 = tf.sub(1, this.accBeta1);
      const oneMinusAccBeta2 = tf.sub(1, this.accBeta2);
      const negativeLearningRate = tf.neg(this.learningRate);
      this.params.forEach((param, i) => {
        const gradient = grads[i];
        if (gradient === undefined) throw new Error(`adam: no gradient for ${param.name}`);
        const m = this.firstMoments[i]!;
        const v = this.secondMoments[i]!;
        const newM = tf.add(tf.mul(m, this.beta1), tf.mul(gradient, 1 - this.beta1));
        const newV = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2));
        const mHat = tf.div(newM, oneMinusAccBeta1);
        const vHat = tf.div(newV, oneMinusAccBeta2);
        m.assign(newM);
        v.assign(newV);
        param.assign(tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon)), negativeLearningRate), param));
      });
      this.accBeta1.assign(tf.mul(this.accBeta1, this.beta1));
      this.accBeta2.assign(tf.mul(this.accBeta2, this.beta2));
    });
  }

  /** Moments and beta powers as named arrays (moments named after their parameter). */
  state(): OptimizerArray[] {
    const named = (name: string, v: tf.Variable): OptimizerArray => ({ name, shape: [...v.shape], data: v.dataSync() as Float32Array });
    return [
      named('adam/accBeta1', this.accBeta1),
      named('adam/accBeta2', this.accBeta2),
      ...this.params.map((p, i) => named(`${p.name}/m`, this.firstMoments[i]!)),
      ...this.params.map((p, i) => named(`${p.name}/v`, this.secondMoments[i]!)),
    ];
  }

  /**
   * Restore from `state()` output. Moments are matched by position (parameter names carry
   * per-process suffixes), and their shapes must agree.
   */
  setState(arrays: readonly OptimizerArray[]): void {
    const targets = [this.accBeta1, this.accBeta2, ...this.firstMoments, ...this.secondMoments];
    if (arrays.length !== targets.length) {
      throw new Error(`adam: optimizer state has ${arrays.length} arrays, this model needs ${targets.length}`);
    }
    arrays.forEach((array, i) => {
      const target = targets[i]!;
      if (array.shape.join(',') !== target.shape.join(',')) {
        throw new Error(`adam: optimizer state '${array.name}' has shape [${array.shape}], expected [${target.shape}]`);
      }
      tf.tidy(() => target.assign(tf.tensor(array.data, target.shape)));
    });
  }

  dispose(): void {
    tf.dispose(this.variables);
  }
}
