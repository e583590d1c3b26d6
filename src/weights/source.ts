/**
 * What every ImageNet weight source gives the importer: the weights under the zoo's Keras names,
 * the architecture they fit, how inputs must be prepared for them, and a way to run the source
 * model itself so the import can be checked against it.
 */
import type { PreprocessingPreset } from '../models/config.js';
import type { EncoderPadding } from '../models/encoders/types.js';
import type { tf } from '../tf.js';

export interface WeightSource {
  /** Where the weights came from, for messages and the weights card. */
  description: string;
  /** Licence of the weights, when the source says it. */
  licence?: string;
  encoder: string;
  alpha: number;
  padding: EncoderPadding;
  preprocessing: PreprocessingPreset;
  /** `<layer>/<weight>` in the zoo's naming -> value. */
  weights: Map<string, tf.Tensor>;
  /** Input side the source model is built for (224 when it takes any). */
  inputSize: number;
  /** Whether the 1000-class ImageNet top ('predictions', or 'conv_preds' for MobileNet) is included. */
  hasTop: boolean;
  /**
   * The source model's own output for a batch of preprocessed NHWC images: class probabilities
   * when it has a top, else its pooled features.
   */
  run(input: tf.Tensor4D): Promise<Float32Array>;
  /** What `run` runs, when it is not simply the source model. */
  reference?: string;
  dispose(): void;
}
