/**
 * The cascade for private mode, where the image never leaves the browser: the very `analyze` of
 * src/pipeline/analyze.ts (normalisation, map-back, mask post-processing, ROI), bundled as it
 * is, with the pure-TypeScript resizer in place of sharp (see resize.ts). Runs in Node too,
 * which is how test/web/cascade.test.ts compares it with the server path.
 */
import type { RgbImage } from '../../src/image/types.js';
import { analyze, type AnalysisResult } from '../../src/pipeline/analyze.js';
import type { ModelRunner } from '../../src/pipeline/predictor.js';
import { resizeRgbLinear } from '../../src/image/resample.js';

export type { ModelRunner };

export function runCascade(img: RgbImage, segmenter: ModelRunner, classifier: ModelRunner, options: { melThreshold?: number } = {}): Promise<AnalysisResult> {
  return analyze(img, { segmenter, classifier, resize: resizeRgbLinear, melThreshold: options.melThreshold });
}
