/**
 * Which samples an epoch draws. HAM10000 is two-thirds nevi: drawn as they come, a classifier
 * learns that most things are nevi; weighted equally per class, the 73 dermatofibroma images
 * are each seen seven times an epoch. Between the two, 'sqrt' draws each class in proportion to
 * the square root of its size. The same weights balance collections for segmentation (ISIC 2017
 * against the far larger HAM10000 mask set).
 *
 * The class mix a model is trained under is its prior; `uniformPriorShift` is the log-prior
 * correction that turns its outputs into probabilities for equally common classes.
 */
export const SAMPLINGS = ['natural', 'sqrt', 'balanced'] as const;
export type Sampling = (typeof SAMPLINGS)[number];

const EXPONENT: Record<Sampling, number> = { natural: 0, sqrt: 0.5, balanced: 1 };

/** Per-sample weights: a sample of a key with n members weighs n^-exponent. */
export function samplingWeights(keys: readonly string[], sampling: Sampling): number[] {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  const e = EXPONENT[sampling];
  return keys.map((k) => Math.pow(counts.get(k)!, -e));
}

/** Each class's share of the training loss: its frequency under the sampling, times its class weight. */
export function trainingClassPrior(labels: readonly string[], classes: readonly string[], sampling: Sampling, classWeights?: readonly number[]): number[] {
  const counts = classes.map((c) => labels.filter((l) => l === c).length);
  const e = EXPONENT[sampling];
  const mass = counts.map((n, i) => (n > 0 ? Math.pow(n, 1 - e) * (classWeights?.[i] ?? 1) : 0));
  const total = mass.reduce((a, b) => a + b, 0);
  return mass.map((m) => m / total);
}

/** log(1/K) - log(prior), centred: added to log-probabilities it makes the prior uniform. Absent classes get no shift. */
export function uniformPriorShift(prior: readonly number[]): number[] {
  const logs = prior.map((p) => (p > 0 ? -Math.log(p) : 0));
  const present = logs.filter((_, i) => prior[i]! > 0);
  const mean = present.reduce((a, b) => a + b, 0) / Math.max(1, present.length);
  return logs.map((l, i) => (prior[i]! > 0 ? l - mean : 0));
}
