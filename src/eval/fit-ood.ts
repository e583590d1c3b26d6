/**
 * `dermkit models fit-ood`: fit the classifier's out-of-distribution detector on held-out data,
 * every image analysed exactly as `analyze` runs it (segmenter, views, calibration), and say what
 * share of the held-out images each warning flags.
 *
 * - Statistics: the pooled features of up to `perClass` images per class of one part of the split
 *   (default train), projected (src/pipeline/ood.ts), give the class means and one shared
 *   within-class covariance, regularised by a small ridge and inverted.
 * - Range: the central `coverage` (default 0.99) of the Mahalanobis scores of another part
 *   (default val), equal tails, so about 1 % of images like those are flagged (both tails: see
 *   `OodDetector`); measured on data the statistics did not see.
 * - Flag rates: per warning code, the share of the threshold part flagged, with this detector.
 * - Probes: generated non-dermoscopy images (src/eval/ood-probes.ts); each should get an
 *   out-of-distribution or no-lesion warning, and the ones that do not are listed.
 */
import { createRng } from '../data/random.js';
import type { OodDetector } from '../models/config.js';
import { analyze, type AnalysisResult } from '../pipeline/analyze.js';
import { encodeFloats, oodScore, outOfDistribution, projectFeatures } from '../pipeline/ood.js';
import type { ModelRunner } from '../pipeline/predictor.js';
import { WARNING_CODES, type WarningCode } from '../pipeline/warnings.js';
import { nonDermoscopyProbes } from './ood-probes.js';

/**
 * Dimensions of the random projection. On the bundled classifier, generated non-dermoscopy images
 * flagged (of 13, mean over 12 projection seeds, 1 % false alarms): 6 at 16 dimensions, 7 at 32,
 * 9 at 64; 64 keeps the covariance (16 kB) small enough for dermkit.json and, with the ridge,
 * well estimated from a few hundred images.
 */
export const OOD_DIMS = 64;
export const OOD_COVERAGE = 0.99;
/** Ridge added to the covariance, relative to its mean variance, so that it is safely invertible from a few hundred images. */
const RIDGE = 1e-2;
/** Warnings that tell the user an image is not a dermoscopy picture of a lesion. */
const PROBE_CODES: readonly WarningCode[] = ['out_of_distribution', 'no_lesion'];

type Progress = (done: number, total: number, stage: string) => void;

/** An image and its class (a dataset's ClsSample is one). */
export interface LabelledImage {
  id: string;
  imagePath: string;
  label: string;
}

export interface OodFitOptions {
  segmenter: ModelRunner;
  /** A runner that gives features (src/models/explain.ts). */
  classifier: ModelRunner;
  statsSamples: readonly LabelledImage[];
  thresholdSamples: readonly LabelledImage[];
  /** Recorded in the detector, e.g. "runs/final/pool-split.json val". */
  fittedOn: string;
  /** Share of the threshold images inside the fitted range. */
  coverage?: number;
  dims?: number;
  seed?: number;
  onProgress?: Progress;
}

export interface OodFit {
  detector: OodDetector;
  /** Images the statistics and the threshold came from. */
  n: { stats: number; threshold: number };
}

/** Up to `perClass` samples of each class, drawn with a seeded shuffle. */
export function perClassSubsample<S extends { label: string }>(samples: readonly S[], perClass: number, seed = 1): S[] {
  const shuffled = createRng(seed).shuffle([...samples]);
  const taken = new Map<string, number>();
  return shuffled.filter((s) => {
    const n = taken.get(s.label) ?? 0;
    taken.set(s.label, n + 1);
    return n < perClass;
  });
}

/** Inverse of a symmetric positive definite n x n matrix (Gauss-Jordan with partial pivoting). */
export function invert(matrix: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(matrix);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]!) > Math.abs(a[pivot * n + col]!)) pivot = r;
    if (Math.abs(a[pivot * n + col]!) < 1e-300) throw new Error('fit-ood: the feature covariance is singular');
    for (let k = 0; k < n; k++) {
      [a[col * n + k], a[pivot * n + k]] = [a[pivot * n + k]!, a[col * n + k]!];
      [inv[col * n + k], inv[pivot * n + k]] = [inv[pivot * n + k]!, inv[col * n + k]!];
    }
    const d = a[col * n + col]!;
    for (let k = 0; k < n; k++) {
      a[col * n + k]! /= d;
      inv[col * n + k]! /= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r * n + col]!;
      if (f === 0) continue;
      for (let k = 0; k < n; k++) {
        a[r * n + k]! -= f * a[col * n + k]!;
        inv[r * n + k]! -= f * inv[col * n + k]!;
      }
    }
  }
  return inv;
}

/** Class means and the inverse shared within-class covariance of projected features. */
export function fitClassGaussians(projected: readonly Float64Array[], labels: readonly string[]): Pick<OodDetector, 'classMeans' | 'precision'> {
  if (projected.length === 0) throw new Error('fit-ood: no images to fit the statistics on');
  const dims = projected[0]!.length;
  const sums = new Map<string, { sum: Float64Array; n: number }>();
  projected.forEach((z, i) => {
    const entry = sums.get(labels[i]!) ?? { sum: new Float64Array(dims), n: 0 };
    for (let d = 0; d < dims; d++) entry.sum[d] += z[d]!;
    entry.n++;
    sums.set(labels[i]!, entry);
  });
  const means = new Map([...sums].map(([label, { sum, n }]) => [label, sum.map((v) => v / n)]));
  const covariance = new Float64Array(dims * dims);
  projected.forEach((z, i) => {
    const mean = means.get(labels[i]!)!;
    for (let a = 0; a < dims; a++) for (let b = 0; b < dims; b++) covariance[a * dims + b] += (z[a]! - mean[a]!) * (z[b]! - mean[b]!);
  });
  for (let i = 0; i < covariance.length; i++) covariance[i]! /= projected.length;
  let meanVariance = 0;
  for (let a = 0; a < dims; a++) meanVariance += covariance[a * dims + a]! / dims;
  for (let a = 0; a < dims; a++) covariance[a * dims + a] += RIDGE * meanVariance || RIDGE;
  return {
    classMeans: Object.fromEntries([...means].sort(([a], [b]) => (a < b ? -1 : 1)).map(([label, mean]) => [label, encodeFloats(mean)])),
    precision: encodeFloats(invert(covariance, dims)),
  };
}

/** The value below which a share `q` of `values` lies (the ceil(q n)-th smallest). */
export function quantileOf(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function requireFeatures(r: AnalysisResult, id: string): Float32Array {
  if (!r.features) {
    throw new Error(`fit-ood: the classifier gave no features for ${id}: its head is not global average pooling + dense, or its model.onnx was exported without them (re-export it with dermkit export --onnx)`);
  }
  return r.features;
}

async function analyseAll(samples: readonly LabelledImage[], opts: OodFitOptions, classifier: ModelRunner, stage: string): Promise<AnalysisResult[]> {
  const results: AnalysisResult[] = [];
  for (const [i, s] of samples.entries()) {
    results.push(await analyze(s.imagePath, { segmenter: opts.segmenter, classifier }));
    opts.onProgress?.(i + 1, samples.length, stage);
  }
  return results;
}

export async function fitOodDetector(opts: OodFitOptions): Promise<OodFit> {
  const coverage = opts.coverage ?? OOD_COVERAGE;
  if (!(coverage > 0 && coverage < 1)) throw new RangeError(`fit-ood: the coverage must be in (0, 1), got ${coverage}`);
  const without = { ...opts.classifier.config };
  delete without.ood;
  const plain: ModelRunner = { config: without, predict: (x, n) => opts.classifier.predict(x, n), ...(opts.classifier.run ? { run: (x: Float32Array, n: number) => opts.classifier.run!(x, n) } : {}) };

  const stats = await analyseAll(opts.statsSamples, opts, plain, 'statistics');
  const features = stats.map((r, i) => requireFeatures(r, opts.statsSamples[i]!.id));
  const projection = { seed: opts.seed ?? 1, inputs: features[0]?.length ?? 0, dims: opts.dims ?? OOD_DIMS };
  const gaussians = fitClassGaussians(features.map((f) => projectFeatures(f, projection)), opts.statsSamples.map((s) => s.label));

  const held = await analyseAll(opts.thresholdSamples, opts, plain, 'threshold');
  const scores = held.map((r, i) => oodScore(requireFeatures(r, opts.thresholdSamples[i]!.id), { projection, ...gaussians }));
  const range: [number, number] = [Number(quantileOf(scores, (1 - coverage) / 2).toPrecision(6)), Number(quantileOf(scores, (1 + coverage) / 2).toPrecision(6))];
  const codes = held.map((r, i) => new Set<string>([...r.warnings.map((w) => w.code), ...(outOfDistribution(scores[i]!, range) ? ['out_of_distribution'] : [])]));
  const share = (flag: (c: Set<string>) => boolean) => Number((codes.filter(flag).length / Math.max(1, codes.length)).toFixed(4));
  const flagged = { ...Object.fromEntries(WARNING_CODES.map((code) => [code, share((c) => c.has(code))])), any: share((c) => c.size > 0) };

  const detector: OodDetector = {
    method: 'mahalanobis-random-projection', projection, ...gaussians, range, coverage,
    fittedOn: `${opts.fittedOn}: statistics from ${stats.length} images, range from ${held.length}`,
    flagged,
  };
  const fitted: ModelRunner = { ...plain, config: { ...without, ood: detector } };
  const probes = await nonDermoscopyProbes();
  const missed: string[] = [];
  let flaggedOod = 0;
  for (const [i, probe] of probes.entries()) {
    const codes = (await analyze(probe.image, { segmenter: opts.segmenter, classifier: fitted })).warnings.map((w) => w.code);
    if (!codes.some((code) => PROBE_CODES.includes(code))) missed.push(probe.name);
    if (codes.includes('out_of_distribution')) flaggedOod++;
    opts.onProgress?.(i + 1, probes.length, 'probes');
  }
  detector.probes = { total: probes.length, flagged: probes.length - missed.length, outOfDistribution: flaggedOod, missed };
  return { detector, n: { stats: stats.length, threshold: held.length } };
}
