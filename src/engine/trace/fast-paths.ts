/**
 * Cheaper formulations of a few TF.js computations, installed only while a trace runs. They are
 * mathematically identical to TF.js's own but touch full-size activations far fewer times,
 * which is what a memory-bound CPU training step pays for:
 *
 * - BatchNormalization in training mode (last-axis channels): TF.js builds the output from
 *   tf.moments + batchNorm and differentiates through both, about 25 passes over the activation
 *   per layer; here the normalisation is one custom-gradient op whose backward pass is the
 *   textbook formula (about 7 passes). The moving averages are updated exactly as the layer does.
 * - ReLU and ClipByValue gradients as one comparison and one select instead of casts, steps and
 *   logical ands; Keras ReLU(max_value=6) as a single clip (see fastReluCall).
 */
import { tf } from '../../tf.js';

type Kwargs = Record<string, unknown>;

/** The parts of tfjs-layers' BatchNormalization this module relies on. */
interface BatchNormLayer {
  axis: number;
  momentum: number;
  epsilon: number;
  /** Absent when the layer has scale: false / center: false. */
  gamma?: tf.LayerVariable;
  beta?: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[];
}

/** Normalise over all axes but the last with batch statistics; gradient w.r.t. x, gamma, beta. */
function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const count = x.size / x.shape[x.shape.length - 1]!;
  const channels = x.shape[x.shape.length - 1]!;
  const normalize = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [input, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    // Same kernels as tf.moments, so ONNX Runtime merges them with the layer's own moments.
    const { mean, variance } = tf.moments(input, axes);
    const centered = tf.sub(input, tf.reshape(mean, [...axes.map(() => 1), channels]));
    const inverseStd = tf.rsqrt(tf.add(variance, epsilon));
    save([centered, inverseStd, g]);
    return {
      value: tf.batchNorm(input, mean, variance, b, g, epsilon),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [c, s, gammaValue] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dBeta = tf.sum(dy, axes);
        const dGamma = tf.mul(tf.sum(tf.mul(dy, c), axes), s);
        // dx = gamma * s * (dy - dBeta / n - xhat * dGamma / n), xhat = c * s: per-channel
        // factors first, so that only dy * a + c * k + m touches full-size tensors.
        const a = tf.mul(gammaValue, s);
        const k = tf.neg(tf.div(tf.mul(tf.mul(a, s), dGamma), count));
        const m = tf.neg(tf.div(tf.mul(a, dBeta), count));
        const dx = tf.add(tf.add(tf.mul(dy, a), tf.mul(c, k)), m);
        return [dx, dGamma, dBeta];
      },
    };
  });
  return normalize(x, gamma, beta);
}

function fastBatchNormCall(original: BatchNormLayer['call']): BatchNormLayer['call'] {
  return function (this: BatchNormLayer, inputs, kwargs) {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const lastAxis = input !== undefined && (this.axis === -1 || this.axis === input.rank - 1);
    if (kwargs['training'] !== true || input === undefined || !lastAxis) return original.call(this, inputs, kwargs);
    return tf.tidy(() => {
      const axes = input.shape.slice(0, -1).map((_, i) => i);
      const channels = input.shape[input.rank - 1]!;
      const { mean, variance } = tf.moments(input, axes);
      // scale: false / center: false layers normalise with a fixed gamma of 1 / beta of 0 (eager
      // tfjs-layers cannot train those at all: it reads the missing gamma).
      const gamma = this.gamma?.read() ?? tf.ones([channels]);
      const beta = this.beta?.read() ?? tf.zeros([channels]);
      const output = batchNormTraining(input, gamma, beta, this.epsilon);
      for (const [variable, value] of [[this.movingMean, mean], [this.movingVariance, variance]] as const) {
        // As tfjs-layers' doMovingAverage: v - (v - value) * (1 - momentum).
        const current = variable.read();
        variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - this.momentum)));
      }
      return output;
    });
  };
}

function selectGradient(kernelName: string, mask: (x: tf.Tensor, attrs: tf.NamedAttrMap) => tf.Tensor): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      return { x: () => tf.where(mask(x, attrs), dy as tf.Tensor, tf.zerosLike(dy as tf.Tensor)) };
    },
  };
}

const GRADIENTS: tf.GradConfig[] = [
  selectGradient('Relu', (x) => tf.greater(x, 0)),
  // x inside [min, max] <=> clip(x) == x; the clip is the forward op again, merged by ORT.
  selectGradient('ClipByValue', (x, attrs) => tf.equal(tf.clipByValue(x, attrs['clipValueMin'] as number, attrs['clipValueMax'] as number), x)),
];

/** The parts of tfjs-layers' ReLU layer this module relies on. */
interface ReluLayer {
  maxValue?: number | null;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[];
}

/** The smallest positive float32: for floats, x >= it <=> x > 0. */
const SMALLEST_POSITIVE_FLOAT32 = 1.401298464324817e-45;

/**
 * Keras ReLU(max_value=m): TF.js computes clip(relu(x), 0, m), two passes forward and two masks
 * backward. Here it is one clip whose gradient mask is the product of TF.js's two masks,
 * 0 < x <= m, i.e. clip(x, smallest positive float, m) == x.
 */
function fastReluCall(original: ReluLayer['call']): ReluLayer['call'] {
  return function (this: ReluLayer, inputs, kwargs) {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const maxValue = this.maxValue;
    if (input === undefined || maxValue === undefined || maxValue === null) return original.call(this, inputs, kwargs);
    const clippedRelu = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([x]);
      return {
        value: tf.clipByValue(x, 0, maxValue),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [savedX] = saved as [tf.Tensor];
          return tf.where(tf.equal(tf.clipByValue(savedX, SMALLEST_POSITIVE_FLOAT32, maxValue), savedX), dy, tf.zerosLike(dy));
        },
      };
    });
    return clippedRelu(input);
  };
}

let batchNormPrototype: BatchNormLayer | undefined;
let reluPrototype: ReluLayer | undefined;

/** Run `fn` with the fast paths installed; everything is restored afterwards. */
export function withTraceFastPaths<T>(fn: () => T): T {
  batchNormPrototype ??= Object.getPrototypeOf(tf.layers.batchNormalization({})) as BatchNormLayer;
  reluPrototype ??= Object.getPrototypeOf(tf.layers.reLU({})) as ReluLayer;
  const [batchNorm, relu] = [batchNormPrototype, reluPrototype];
  const [batchNormCall, reluCall] = [batchNorm.call, relu.call];
  const originalGradients = GRADIENTS.map((g) => tf.getGradient(g.kernelName));
  batchNorm.call = fastBatchNormCall(batchNormCall);
  relu.call = fastReluCall(reluCall);
  GRADIENTS.forEach((g) => tf.registerGradient(g));
  try {
    return fn();
  } finally {
    batchNorm.call = batchNormCall;
    relu.call = reluCall;
    originalGradients.forEach((g) => {
      if (g !== undefined) tf.registerGradient(g);
    });
  }
}
