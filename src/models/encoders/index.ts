/**
 * The encoder zoo: Keras Applications backbones, layer for layer and with Keras's layer names,
 * so that default-width models have exactly Keras's parameter counts and Keras weights map by name.
 */
import { efficientnetb0, efficientnetb3, efficientnetb4 } from './efficientnet.js';
import { inceptionresnetv2 } from './inception-resnet-v2.js';
import { mobilenet } from './mobilenet.js';
import { mobilenetv2 } from './mobilenetv2.js';
import { resnet101, resnet50 } from './resnet.js';
import type { EncoderSpec } from './types.js';
import { xception } from './xception.js';

export type { EncoderFeatures, EncoderOptions, EncoderSpec, Stride } from './types.js';

const ALL: readonly EncoderSpec[] = [
  resnet50,
  resnet101,
  mobilenet,
  mobilenetv2,
  xception,
  inceptionresnetv2,
  efficientnetb0,
  efficientnetb3,
  efficientnetb4,
];

/** Every encoder by registry name. */
export const ENCODERS: Record<string, EncoderSpec> = Object.fromEntries(ALL.map((spec) => [spec.name, spec]));

/** Registry names, in a stable order (ResNets, MobileNets, Xception, IRv2, EfficientNets). */
export const ENCODER_NAMES: readonly string[] = ALL.map((spec) => spec.name);

/** The encoder called `name`; throws naming the valid choices otherwise. */
export function getEncoder(name: string): EncoderSpec {
  const spec = Object.hasOwn(ENCODERS, name) ? ENCODERS[name] : undefined;
  if (spec === undefined) {
    throw new Error(`unknown encoder "${name}": valid encoders are ${ENCODER_NAMES.join(', ')}`);
  }
  return spec;
}
