/**
 * The two layers a multi-view classifier (src/models/multi-view.ts) adds around its members: one
 * cuts a view's three channels out of the stacked input, the other fuses the members' softmax
 * outputs as the normalised geometric mean (the softmax of the mean log-probability), which is
 * how log-linear pooling combines probabilistic classifiers. Neither has weights.
 */
import { tf } from '../../tf.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Shape = Array<number | null>;

export interface ChannelSliceArgs extends LayerArgs {
  begin: number;
  size: number;
}

/** Channels [begin, begin + size) of an NHWC tensor. */
export class ChannelSlice extends tf.layers.Layer {
  static readonly className = 'ChannelSlice';
  readonly begin: number;
  readonly size: number;

  constructor(args: ChannelSliceArgs) {
    super(args);
    if (!(Number.isInteger(args.begin) && args.begin >= 0 && Number.isInteger(args.size) && args.size > 0)) {
      throw new Error(`ChannelSlice '${this.name}': begin and size must be integers >= 0 and > 0, got ${args.begin}, ${args.size}`);
    }
    this.begin = args.begin;
    this.size = args.size;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    return tf.tidy(() => tf.slice(x, [0, 0, 0, this.begin], [-1, -1, -1, this.size]));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = inputShape as Shape;
    const channels = shape[shape.length - 1];
    if (channels != null && this.begin + this.size > channels) throw new Error(`ChannelSlice '${this.name}': channels ${this.begin}..${this.begin + this.size} of ${channels}`);
    return [...shape.slice(0, -1), this.size];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), begin: this.begin, size: this.size };
  }
}

/** softmax(mean_i log p_i) over the members' probability tensors, [batch, classes] each. */
export class GeometricMeanProbability extends tf.layers.Layer {
  static readonly className = 'GeometricMeanProbability';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    return tf.tidy(() => {
      const logs = list.map((p) => tf.log(tf.clipByValue(p, 1e-7, 1)));
      const mean = tf.div(logs.length === 1 ? logs[0]! : tf.addN(logs), logs.length);
      return tf.softmax(mean);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
  }
}

tf.serialization.registerClass(ChannelSlice);
tf.serialization.registerClass(GeometricMeanProbability);
