import { tf } from '../../tf.js';

/**
 * Bilinear resize of an NHWC feature map to a fixed height x width.
 *
 * Decoders need "resize to the skip's size" rather than "x2", because encoders with valid padding
 * (Xception, InceptionResNetV2) produce feature maps whose sides are not exact multiples of two.
 * Uses TF.js's default sampling (alignCorners = false, halfPixelCenters = false) on purpose: the
 * cpu backend's ResizeBilinearGrad implements only that convention, so forward and gradient stay
 * consistent, and the ONNX engine maps it to Resize with coordinate_transformation_mode=asymmetric.
 */
export class ResizeBilinearTo extends tf.layers.Layer {
  static className = 'DermkitResizeBilinearTo';
  private readonly height: number;
  private readonly width: number;

  constructor(args: { height: number; width: number; name?: string }) {
    super(args);
    this.height = args.height;
    this.width = args.width;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0], this.height, this.width, shape[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    if (x.shape[1] === this.height && x.shape[2] === this.width) return x;
    return tf.image.resizeBilinear(x, [this.height, this.width]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), height: this.height, width: this.width };
  }
}
tf.serialization.registerClass(ResizeBilinearTo);
