/**
 * Adam with explicit state, numerically the same update as tf.train.adam (bias correction via
 * running beta powers, epsilon added to sqrt(v-hat), TF.js's default epsilon 1e-7). Keeping the
 * moments, beta powers and learning rate in tf.Variables makes the whole update traceable: the
 * compiled step reads them as inputs and returns their new values, and the learning rate can
 * change between steps without recompiling.
 *
 * With `weightDecay`, the decay is decoupled from the gradient (AdamW, Loshchilov & Hutter 2019:
 * w -= lr * (adam step + weightDecay * w)) and applies only to the parameters marked in
 * `decayed` (kernels; not biases or batch-norm scales, whose decay only hurts).
 *
 * The update runs on all parameters at once, concatenated into one vector (the moments are
 * stored that way too): a dozen element-wise ops in total instead of a dozen per weight tensor,
 * which keeps compiled graphs of deep networks small (InceptionResNetV2 has ~900 weights).
 */
import { tf } from '../tf.js';

export interface AdamConfig {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Decoupled weight decay (AdamW); default 0. */
  weightDecay?: number;
  /** Which parameters decay, in parameter order; default all. */
  decayed?: readonly boolean[];
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
  /** First and second moments of all parameters, flattened and concatenated in parameter order. */
  readonly firstMoment: tf.Variable;
  readonly secondMoment: tf.Variable;
  readonly weightDecay: number;
  private readonly sizes: number[];
  /** Per-element weight decay (weightDecay where the parameter decays, else 0), or null without decay. */
  private readonly decayRates: Float32Array | null;

  constructor(private readonly params: readonly tf.Variable[], config: AdamConfig) {
    this.beta1 = config.beta1 ?? 0.9;
    this.beta2 = config.beta2 ?? 0.999;
    this.epsilon = config.epsilon ?? 1e-7;
    this.weightDecay = config.weightDecay ?? 0;
    if (!(this.weightDecay >= 0)) throw new RangeError(`weight decay must be >= 0, got ${this.weightDecay}`);
    if (config.decayed && config.decayed.length !== params.length) throw new Error(`adam: ${config.decayed.length} decay flags for ${params.length} parameters`);
    this.sizes = params.map((p) => p.size);
    this.decayRates = this.weightDecay > 0 ? this.decayRatesOf(config.decayed) : null;
    const total = this.sizes.reduce((a, b) => a + b, 0);
    // Variables outlive tidy(); the temporaries they are built from do not.
    const variable = (make: () => tf.Tensor) => tf.tidy(() => tf.variable(make(), false));
    this.learningRate = variable(() => tf.scalar(config.learningRate));
    this.accBeta1 = variable(() => tf.scalar(this.beta1));
    this.accBeta2 = variable(() => tf.scalar(this.beta2));
    this.firstMoment = variable(() => tf.zeros([total]));
    this.secondMoment = variable(() => tf.zeros([total]));
  }

  private decayRatesOf(decayed: readonly boolean[] | undefined): Float32Array {
    const rates = new Float32Array(this.sizes.reduce((a, b) => a + b, 0));
    let offset = 0;
    this.sizes.forEach((size, i) => {
      if (decayed?.[i] ?? true) rates.fill(this.weightDecay, offset, offset + size);
      offset += size;
    });
    return rates;
  }

  /** Every state variable, in a fixed order. */
  get variables(): tf.Variable[] {
    return [this.learningRate, this.accBeta1, this.accBeta2, this.firstMoment, this.secondMoment];
  }

  private flatten(tensors: readonly tf.Tensor[]): tf.Tensor {
    const flat = tensors.map((t) => tf.reshape(t, [-1]));
    return flat.length === 1 ? flat[0]! : tf.concat(flat);
  }

  /** Apply one update with `grads[i]` for `params[i]` (same order as the constructor's). */
  apply(grads: readonly tf.Tensor[]): void {
    if (grads.length !== this.params.length) throw new Error(`adam: ${grads.length} gradients for ${this.params.length} parameters`);
    tf.tidy(() => {
      const gradient = this.flatten(grads);
      const m = tf.add(tf.mul(this.firstMoment, this.beta1), tf.mul(gradient, 1 - this.beta1));
      const v = tf.add(tf.mul(this.secondMoment, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2));
      const mHat = tf.div(m, tf.sub(1, this.accBeta1));
      const vHat = tf.div(v, tf.sub(1, this.accBeta2));
      const direction = tf.div(mHat, tf.add(tf.sqrt(vHat), this.epsilon));
      const current = this.flatten(this.params);
      const decayed = this.decayRates ? tf.add(direction, tf.mul(current, tf.tensor1d(this.decayRates))) : direction;
      const updated = tf.add(tf.mul(decayed, tf.neg(this.learningRate)), current);
      const pieces = this.params.length === 1 ? [updated] : tf.split(updated, this.sizes);
      this.params.forEach((param, i) => param.assign(tf.reshape(pieces[i]!, param.shape)));
      this.firstMoment.assign(m);
      this.secondMoment.assign(v);
      this.accBeta1.assign(tf.mul(this.accBeta1, this.beta1));
      this.accBeta2.assign(tf.mul(this.accBeta2, this.beta2));
    });
  }

  /** Beta powers and per-parameter moments as named arrays (moments named after their parameter). */
  state(): OptimizerArray[] {
    const scalar = (name: string, v: tf.Variable): OptimizerArray => ({ name, shape: [], data: Float32Array.from(v.dataSync()) });
    const m = this.firstMoment.dataSync() as Float32Array;
    const v = this.secondMoment.dataSync() as Float32Array;
    const perParam = (suffix: string, flat: Float32Array) => {
      let offset = 0;
      return this.params.map((p, i) => {
        const data = flat.slice(offset, offset + this.sizes[i]!);
        offset += this.sizes[i]!;
        return { name: `${p.name}/${suffix}`, shape: [...p.shape], data };
      });
    };
    return [scalar('adam/accBeta1', this.accBeta1), scalar('adam/accBeta2', this.accBeta2), ...perParam('m', m), ...perParam('v', v)];
  }

  /**
   * Restore from `state()` output. Moments are matched by position (parameter names carry
   * per-process suffixes), and their shapes must agree.
   */
  setState(arrays: readonly OptimizerArray[]): void {
    const n = this.params.length;
    if (arrays.length !== 2 + 2 * n) throw new Error(`adam: optimizer state has ${arrays.length} arrays, this model needs ${2 + 2 * n}`);
    arrays.forEach((array, i) => {
      const expected = i < 2 ? [] : this.params[(i - 2) % n]!.shape;
      if (array.shape.join(',') !== expected.join(',')) {
        throw new Error(`adam: optimizer state '${array.name}' has shape [${array.shape}], expected [${expected}]`);
      }
    });
    const concatenated = (from: number) => {
      const flat = new Float32Array(this.firstMoment.size);
      let offset = 0;
      for (const array of arrays.slice(from, from + n)) {
        flat.set(array.data, offset);
        offset += array.data.length;
      }
      return flat;
    };
    tf.tidy(() => {
      this.accBeta1.assign(tf.scalar(arrays[0]!.data[0]!));
      this.accBeta2.assign(tf.scalar(arrays[1]!.data[0]!));
      this.firstMoment.assign(tf.tensor1d(concatenated(2)));
      this.secondMoment.assign(tf.tensor1d(concatenated(2 + n)));
    });
  }

  dispose(): void {
    tf.dispose(this.variables);
  }
}
