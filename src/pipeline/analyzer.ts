/**
 * The segmenter and classifier the cascade runs, loaded together and released together: what
 * `dermkit analyze`, `dermkit serve` and the queue's workers hold for their whole run. Spread
 * into the options of analyze, analyzeImage or analyzeBatch, it gives them both models.
 */
import { DEFAULT_CLASSIFIER_DIR, DEFAULT_SEGMENTER_DIR } from './defaults.js';
import { loadPredictor, type EngineName, type ModelRunner, type Predictor } from './predictor.js';

export interface AnalyzerOptions {
  /** Segmentation model directory (default: the bundled one). */
  seg?: string;
  /** Classification model directory (default: the bundled one). */
  cls?: string;
  engine?: EngineName;
  /** ONNX Runtime threads per model. */
  threads?: number;
  /** Mask threshold instead of the segmenter's own (dermkit.json `maskThreshold`). */
  maskThreshold?: number;
}

export interface Analyzer {
  readonly segmenter: Predictor;
  readonly classifier: Predictor;
  dispose(): void;
}

/**
 * `runner` with `maskThreshold` in its config, or `runner` itself when none is given. Every stage
 * that thresholds a mask reads the segmenter's config, so overriding it there reaches them all.
 */
export function withMaskThreshold<R extends ModelRunner>(runner: R, maskThreshold: number | undefined): R {
  if (maskThreshold === undefined) return runner;
  if (!(maskThreshold >= 0 && maskThreshold <= 1)) throw new RangeError(`mask threshold must be between 0 and 1, got ${maskThreshold}`);
  return { ...runner, config: { ...runner.config, maskThreshold } };
}

export async function createAnalyzer(opts: AnalyzerOptions = {}): Promise<Analyzer> {
  const [segmenter, classifier] = await Promise.allSettled([
    loadPredictor(opts.seg ?? DEFAULT_SEGMENTER_DIR, opts.engine, opts.threads),
    loadPredictor(opts.cls ?? DEFAULT_CLASSIFIER_DIR, opts.engine, opts.threads),
  ]);
  // One model failing to load must not leave the other's session behind.
  if (segmenter.status === 'rejected' || classifier.status === 'rejected') {
    for (const loaded of [segmenter, classifier]) if (loaded.status === 'fulfilled') loaded.value.dispose();
    throw segmenter.status === 'rejected' ? segmenter.reason : (classifier as PromiseRejectedResult).reason;
  }
  return {
    segmenter: withMaskThreshold(segmenter.value, opts.maskThreshold),
    classifier: classifier.value,
    dispose() {
      segmenter.value.dispose();
      classifier.value.dispose();
    },
  };
}
