/**
 * Keras's InceptionResNetV2 residual join, `inputs[0] + inputs[1] * scale` (Keras 2.x writes it as
 * a `Lambda`, later versions as `CustomScaleLayer`). TF.js cannot serialise lambdas, so it is a
 * registered layer with the scale in its config. It has no weights.
 */
import { tf } from '../../tf.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Shape = Array<number | null>;

export interface CustomScaleLayerArgs extends LayerArgs {
  /** Factor applied to the residual branch before it is added to the shortcut. */
  scale: number;
}

export class CustomScaleLayer extends tf.layers.Layer {
  static readonly className = 'CustomScaleLayer';
  readonly scale: number;

  constructor(args: CustomScaleLayerArgs) {
    super(args);
    if (!Number.isFinite(args.scale)) {
      throw new Error(`CustomScaleLayer '${this.name}': scale must be a finite number, got ${String(args.scale)}`);
    }
    this.scale = args.scale;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) {
      throw new Error(`CustomScaleLayer '${this.name}': expects [shortcut, residual], two tensors`);
    }
    const [shortcut, residual] = inputs as [tf.Tensor, tf.Tensor];
    return tf.tidy(() => tf.add(shortcut, tf.mul(residual, this.scale)));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const shapes = inputShape as Shape[];
    const [shortcut, residual] = shapes;
    if (shapes.length !== 2 || !Array.isArray(shortcut) || !Array.isArray(residual)) {
      throw new Error(`CustomScaleLayer '${this.name}': expects [shortcut, residual], two tensors`);
    }
    if (shortcut.some((d, i) => d != null && residual[i] != null && d !== residual[i]) || shortcut.length !== residual.length) {
      throw new Error(
        `CustomScaleLayer '${this.name}': shortcut ${JSON.stringify(shortcut)} and residual ${JSON.stringify(residual)} differ in shape`,
      );
    }
    return shortcut;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scale: this.scale };
  }
}

tf.serialization.registerClass(CustomScaleLayer);
