import { mulberry32 } from '../data/random.js';

/**
 * Run `fn` with Math.random replaced by a seeded generator. TF.js layers draw initial weights
 * (and eager dropout masks) from Math.random when no per-layer seed is given, and the model zoo
 * gives none, so this is what makes "same seed -> same model" hold.
 */
export function withSeededMathRandom<T>(seed: number, fn: () => T): T {
  const original = Math.random;
  Math.random = mulberry32(seed);
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
