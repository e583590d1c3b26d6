/**
 * The benchmark architectures, built from dermkit's model zoo to match
 * ../shared/bench/torch_reference.py layer for layer:
 * - classifiers: encoder features -> global average pooling -> dense(7, softmax)
 *   (torchvision's classifiers: features -> GAP -> dropout -> linear(7); dropout costs nothing)
 * - unet_mobilenet_v2: MobileNetV2 encoder, 1x1 bottleneck 1280 -> 256 on the stride-32 output,
 *   four decoder stages (bilinear resize to the skip's size, concat with the stride-16/8/4/2
 *   features, 2 x (3x3 conv without bias, BN, ReLU)) with 128/64/32/16 channels, bilinear x2,
 *   1x1 conv head with one sigmoid channel.
 */
import { tf } from '../src/tf.js';
import { getEncoder } from '../src/models/encoders/index.js';
import { buildUnetDecoder } from '../src/models/decoders/unet.js';

export interface BenchModel {
  /** Name used by torch_reference.py --model. */
  torchName: string;
  size: number;
  task: 'cls' | 'seg';
  build(): tf.LayersModel;
}

function classifier(encoder: string, torchName: string): BenchModel {
  return {
    torchName,
    size: 224,
    task: 'cls',
    build() {
      const input = tf.input({ shape: [224, 224, 3] });
      const { features } = getEncoder(encoder).build(input);
      const pooled = tf.layers.globalAveragePooling2d({}).apply(features[32]) as tf.SymbolicTensor;
      const output = tf.layers.dense({ units: 7, activation: 'softmax' }).apply(pooled) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: output });
    },
  };
}

const unetMobilenetV2: BenchModel = {
  torchName: 'unet_mobilenet_v2',
  size: 256,
  task: 'seg',
  build() {
    const input = tf.input({ shape: [256, 256, 3] });
    const encoder = getEncoder('mobilenetv2').build(input);
    const mask = buildUnetDecoder(encoder, 256, {
      outputStride: 32,
      skipStrides: [16, 8, 4, 2],
      decoderChannels: [128, 64, 32, 16],
      bottleneckChannels: 256,
    });
    return tf.model({ inputs: input, outputs: mask });
  },
};

export const BENCH_MODELS: Record<string, BenchModel> = {
  mobilenet_v2: classifier('mobilenetv2', 'mobilenet_v2'),
  unet_mobilenet_v2: unetMobilenetV2,
  resnet50: classifier('resnet50', 'resnet50'),
  efficientnet_b0: classifier('efficientnetb0', 'efficientnet_b0'),
};

/** A random input batch and matching targets (one-hot classes or a binary mask). */
export function randomBatch(spec: BenchModel, batch: number): { x: Float32Array; y: Float32Array } {
  const x = Float32Array.from({ length: batch * spec.size * spec.size * 3 }, () => Math.random() * 2 - 1);
  if (spec.task === 'seg') return { x, y: Float32Array.from({ length: batch * spec.size * spec.size }, () => (Math.random() > 0.5 ? 1 : 0)) };
  const y = new Float32Array(batch * 7);
  for (let i = 0; i < batch; i++) y[i * 7 + Math.floor(Math.random() * 7)] = 1;
  return { x, y };
}
