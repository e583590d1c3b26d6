/**
 * The architecture catalogue behind `dermkit models`: every encoder as its Keras ImageNet
 * classifier, every U-Net segmenter and every classifier, each built once to count its
 * parameters and FLOPs, then released.
 */
import type { tf } from '../tf.js';
import { ENCODERS, ENCODER_NAMES } from './encoders/index.js';
import { countFlops } from './flops.js';
import { createClassifier, createSegmenter, DEFAULT_CLS_INPUT, DEFAULT_SEG_INPUT } from './registry.js';

export const CATALOG_KINDS = ['encoder', 'segmenter', 'classifier'] as const;
export type CatalogKind = (typeof CATALOG_KINDS)[number];

export interface CatalogEntry {
  name: string;
  kind: CatalogKind;
  params: number;
  flops: number;
  inputSize: number;
}

interface Buildable {
  name: string;
  kind: CatalogKind;
  inputSize: number;
  build(): tf.LayersModel;
}

function buildables(): Buildable[] {
  const list: Buildable[] = [];
  for (const name of ENCODER_NAMES) {
    list.push({ name: `${name}-imagenet`, kind: 'encoder', inputSize: 224, build: () => ENCODERS[name]!.buildImagenetClassifier(224) });
  }
  list.push({ name: 'unet-original', kind: 'segmenter', inputSize: DEFAULT_SEG_INPUT, build: () => createSegmenter({ arch: 'unet-original' }).model });
  for (const name of ENCODER_NAMES) {
    list.push({ name: `unet-${name}`, kind: 'segmenter', inputSize: DEFAULT_SEG_INPUT, build: () => createSegmenter({ arch: 'unet', encoder: name }).model });
  }
  for (const name of ENCODER_NAMES) {
    list.push({ name: `classifier-${name}`, kind: 'classifier', inputSize: DEFAULT_CLS_INPUT, build: () => createClassifier({ encoder: name }).model });
  }
  return list;
}

/** Build and measure the selected architectures one at a time (peak memory = one model). */
export function* catalog(filter: { kind?: CatalogKind; name?: string } = {}): Generator<CatalogEntry> {
  for (const b of buildables()) {
    if (filter.kind && b.kind !== filter.kind) continue;
    if (filter.name && !b.name.includes(filter.name)) continue;
    const model = b.build();
    try {
      yield { name: b.name, kind: b.kind, params: model.countParams(), flops: countFlops(model), inputSize: b.inputSize };
    } finally {
      model.dispose();
    }
  }
}
