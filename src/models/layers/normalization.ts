/**
 * Keras's `layers.Normalization` (Keras 2.x, as used at the input of EfficientNet): per-channel
 * `(x - mean) / max(sqrt(variance), 1e-7)`. TF.js has no such layer. Like Keras, mean, variance and
 * the adapt sample count are non-trainable weights, so parameter counts (EfficientNetB0: 7 extra)
 * and weight files line up with Keras.
 */
import { tf } from '../../tf.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Shape = Array<number | null>;

export interface NormalizationArgs extends LayerArgs {
  /** Initial per-channel mean (default 0). Loaded weights override it. */
  mean?: number[];
  /** Initial per-channel variance (default 1). Loaded weights override it. */
  variance?: number[];
}

/** Keras `backend.epsilon()`: guards the division when a channel's variance is 0. */
const STD_FLOOR = 1e-7;

export class Normalization extends tf.layers.Layer {
  static readonly className = 'Normalization';
  private readonly initialMean?: number[];
  private readonly initialVariance?: number[];
  private meanWeight?: tf.LayerVariable;
  private varianceWeight?: tf.LayerVariable;

  constructor(args: NormalizationArgs = {}) {
    super(args);
    this.initialMean = args.mean;
    this.initialVariance = args.variance;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const channels = shape[shape.length - 1];
    if (channels == null) {
      throw new Error(`Normalization layer '${this.name}': the channel dimension must be known`);
    }
    for (const [what, values] of [['mean', this.initialMean], ['variance', this.initialVariance]] as const) {
      if (values !== undefined && values.length !== channels) {
        throw new Error(`Normalization layer '${this.name}': ${what} has ${values.length} values for ${channels} channels`);
      }
    }
    this.meanWeight = this.addWeight('mean', [channels], 'float32', tf.initializers.zeros(), undefined, false);
    this.varianceWeight = this.addWeight('variance', [channels], 'float32', tf.initializers.ones(), undefined, false);
    // TF.js's `constant` initializer only takes a scalar, so per-channel start values are written here.
    tf.tidy(() => {
      if (this.initialMean !== undefined) this.meanWeight!.write(tf.tensor1d(this.initialMean));
      if (this.initialVariance !== undefined) this.varianceWeight!.write(tf.tensor1d(this.initialVariance));
    });
    // Keras keeps the number of samples `adapt()` has seen; dermkit never adapts, but the weight
    // keeps the parameter count and the weight list identical to Keras's.
    this.addWeight('count', [], 'int32', tf.initializers.zeros(), undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const std = tf.maximum(tf.sqrt(this.varianceWeight!.read()), STD_FLOOR);
      return tf.div(tf.sub(x, this.meanWeight!.read()), std);
    });
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = { ...super.getConfig() };
    if (this.initialMean !== undefined) config.mean = this.initialMean;
    if (this.initialVariance !== undefined) config.variance = this.initialVariance;
    return config;
  }
}

tf.serialization.registerClass(Normalization);
