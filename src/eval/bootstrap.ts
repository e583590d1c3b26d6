/**
 * Percentile bootstrap confidence intervals for any scalar metric over a list of items (images).
 * Seeded, so the same data, metric and options give the same interval on every run and machine.
 * When group ids are given (e.g. HAM10000 lesion ids, several images per lesion), whole groups are
 * resampled instead of single images, so correlated images do not make the interval too narrow.
 */
import { mulberry32 } from '../data/random.js';

export interface BootstrapOptions {
  /** Resamples to draw; default 1000. */
  iterations?: number;
  /** Central coverage, e.g. 0.95 (default) for a 95 % interval. */
  confidence?: number;
  /** PRNG seed; default 1. */
  seed?: number;
  /** One group id per item, parallel to `items`; resample groups instead of items when given. */
  groups?: readonly string[];
}

export interface ConfidenceInterval {
  /** The metric on the full data. */
  estimate: number;
  lower: number;
  upper: number;
  confidence: number;
  iterations: number;
  /** Resamples whose metric was finite (others, e.g. an AUC with no positives, are dropped). */
  validIterations: number;
  seed: number;
  resampling: 'item' | 'group';
}

/** Linear-interpolated quantile of ascending-sorted values (the usual "type 7" definition). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile of an empty list');
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

/**
 * Several metrics over the same resamples: `metrics` returns every metric for one sample, so work
 * they share (e.g. tallying the resample) is done once per resample. The metric names are the keys
 * `metrics` returns on the full data.
 */
export function bootstrapCis<T, M extends Partial<Record<string, number>>>(
  items: readonly T[],
  metrics: (sample: readonly T[]) => M,
  options: BootstrapOptions = {},
): { [K in keyof M]: ConfidenceInterval } {
  const iterations = options.iterations ?? 1000;
  const confidence = options.confidence ?? 0.95;
  const seed = options.seed ?? 1;
  if (items.length === 0) throw new Error('bootstrap: no items to resample');
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`bootstrap: iterations must be a positive integer, got ${iterations}`);
  if (!(confidence > 0 && confidence < 1)) throw new Error(`bootstrap: confidence must lie strictly between 0 and 1, got ${confidence}`);
  const estimates = metrics(items);
  const names = Object.keys(estimates) as (keyof M & string)[];
  const clusters = clustersOf(items, options.groups);
  const random = mulberry32(seed);
  const values = new Map<string, number[]>(names.map((name) => [name, []]));
  for (let i = 0; i < iterations; i++) {
    const sample: T[] = [];
    for (let j = 0; j < clusters.length; j++) {
      for (const index of clusters[Math.floor(random() * clusters.length)]!) sample.push(items[index]!);
    }
    const resampled = metrics(sample);
    for (const name of names) {
      const value = resampled[name];
      if (typeof value === 'number' && Number.isFinite(value)) values.get(name)!.push(value);
    }
  }
  const tail = (1 - confidence) / 2;
  const intervals = {} as { [K in keyof M]: ConfidenceInterval };
  for (const name of names) {
    const sorted = values.get(name)!.sort((a, b) => a - b);
    if (sorted.length === 0) throw new Error(`bootstrap: metric '${name}' was not finite on any resample`);
    intervals[name] = {
      estimate: estimates[name]!,
      lower: quantileSorted(sorted, tail),
      upper: quantileSorted(sorted, 1 - tail),
      confidence,
      iterations,
      validIterations: sorted.length,
      seed,
      resampling: options.groups ? 'group' : 'item',
    };
  }
  return intervals;
}

/** Item indices per resampling unit: one per item, or one per group id in first-seen order. */
function clustersOf(items: readonly unknown[], groups: readonly string[] | undefined): number[][] {
  if (!groups) return items.map((_, i) => [i]);
  if (groups.length !== items.length) throw new Error(`bootstrap: ${groups.length} group ids for ${items.length} items`);
  const byGroup = new Map<string, number[]>();
  groups.forEach((group, i) => {
    const members = byGroup.get(group);
    if (members) members.push(i);
    else byGroup.set(group, [i]);
  });
  return [...byGroup.values()];
}
