/**
 * Out-of-distribution score of one image from the classifier's pooled features, with the
 * detector stored in dermkit.json (src/models/config.ts `OodDetector`, fitted by
 * src/eval/fit-ood.ts): scale the features to unit length, project them with the seeded
 * Gaussian random projection (which keeps distances roughly, Johnson-Lindenstrauss, so 64
 * numbers stand for a thousand or more), then take the smallest Mahalanobis distance to a class
 * mean. Pure TypeScript: the web page scores its images the same way.
 *
 * Why unit length: the features' overall size varies five-fold among real dermoscopy images and
 * swamps their direction, which is what tells a photo of a lesion from a flat colour, noise or a
 * page of text (measured on the bundled classifier at 64 dimensions, 1 % false alarms: 2 of 13
 * generated non-dermoscopy images flagged without the scaling, 9 with it, means over 12 seeds).
 * A random projection rather than principal components: it flags about as many (10 of 13) and is
 * rebuilt from its seed, where a principal basis would put 80,000 numbers into dermkit.json.
 */
import type { OodDetector } from '../models/config.js';
import { createRng } from '../data/random.js';

type Projection = OodDetector['projection'];

const projections = new Map<string, Float64Array>();

/** The projection matrix, inputs x dims row-major, entries N(0, 1 / dims); built once per seed and size. */
export function randomProjection(p: Projection): Float64Array {
  const key = `${p.seed}:${p.inputs}:${p.dims}`;
  let matrix = projections.get(key);
  if (!matrix) {
    const rng = createRng(p.seed);
    const std = 1 / Math.sqrt(p.dims);
    matrix = Float64Array.from({ length: p.inputs * p.dims }, () => rng.normal(0, std));
    projections.set(key, matrix);
  }
  return matrix;
}

/** Features (length `p.inputs`), scaled to unit length, in the projected space. */
export function projectFeatures(features: ArrayLike<number>, p: Projection): Float64Array {
  if (features.length !== p.inputs) throw new Error(`out-of-distribution detector: fitted on ${p.inputs} features, the classifier gives ${features.length}`);
  let norm = 0;
  for (let i = 0; i < p.inputs; i++) norm += features[i]! ** 2;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  const matrix = randomProjection(p);
  const z = new Float64Array(p.dims);
  for (let i = 0; i < p.inputs; i++) {
    const f = features[i]! * scale;
    if (f === 0) continue;
    for (let d = 0; d < p.dims; d++) z[d] += f * matrix[i * p.dims + d]!;
  }
  return z;
}

/** Numbers as base64 float32, little-endian: how the detector's statistics are stored. */
export function encodeFloats(values: ArrayLike<number>): string {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  let text = '';
  const bytes = new Uint8Array(view.buffer);
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]!);
  return btoa(text);
}

export function decodeFloats(base64: string): Float32Array {
  const text = atob(base64);
  const view = new DataView(new ArrayBuffer(text.length));
  for (let i = 0; i < text.length; i++) view.setUint8(i, text.charCodeAt(i));
  return Float32Array.from({ length: text.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

interface DecodedStatistics {
  means: Float32Array[];
  precision: Float32Array;
}

const decoded = new WeakMap<object, DecodedStatistics>();

function statisticsOf(detector: Pick<OodDetector, 'classMeans' | 'precision'>): DecodedStatistics {
  let stats = decoded.get(detector);
  if (!stats) {
    stats = { means: Object.values(detector.classMeans).map(decodeFloats), precision: decodeFloats(detector.precision) };
    decoded.set(detector, stats);
  }
  return stats;
}

/** sqrt((z - mean)ᵀ precision (z - mean)). */
export function mahalanobis(z: ArrayLike<number>, mean: ArrayLike<number>, precision: ArrayLike<number>): number {
  const n = z.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const di = z[i]! - mean[i]!;
    for (let j = 0; j < n; j++) sum += di * precision[i * n + j]! * (z[j]! - mean[j]!);
  }
  return Math.sqrt(Math.max(0, sum));
}

/** Whether a score lies outside the detector's range (either tail, see `OodDetector`). */
export function outOfDistribution(score: number, range: readonly [number, number]): boolean {
  return score < range[0] || score > range[1];
}

/** The image's distance to the nearest class in the detector's space. */
export function oodScore(features: ArrayLike<number>, detector: Pick<OodDetector, 'projection' | 'classMeans' | 'precision'>): number {
  const z = projectFeatures(features, detector.projection);
  const { means, precision } = statisticsOf(detector);
  return Math.min(...means.map((mean) => mahalanobis(z, mean, precision)));
}
