/**
 * The cascade of src/pipeline/analyze.ts for private mode, where the image never leaves the
 * browser: the project's own normalisation (`normalizeToInput`), map-back (`probabilityFromSquare`),
 * mask post-processing (`cleanMask`, `boundingBox`, `areaFraction`) and ROI cut-out (`extractRoi`),
 * bundled as they are. Only resizing differs (sharp is not available): see resize.ts.
 * Runs in Node too, which is how test/web/cascade.test.ts compares it with `analyze`.
 */
import { probabilityFromSquare } from '../../src/image/resize.js';
import { areaFraction, boundingBox, cleanMask } from '../../src/image/mask.js';
import { extractRoi } from '../../src/image/roi.js';
import type { ProbabilityMap, RgbImage } from '../../src/image/types.js';
import type { ModelConfig, Preprocessing } from '../../src/models/config.js';
import { normalizeToInput } from '../../src/models/preprocess.js';
import { topClass, type AnalysisResult } from '../../src/pipeline/analyze.js';
import { fitToSquarePure } from './square.js';

/** What the cascade needs of a model, whichever runtime executes it (a server-side `Predictor` is one). */
export interface ModelRunner {
  readonly config: ModelConfig;
  /** `input` holds `batch` images of [size, size, 3]; returns the flattened model output. */
  predict(input: Float32Array, batch: number): Promise<Float32Array>;
}

export type CascadeResult = Omit<AnalysisResult, 'timingsMs'> & {
  timingsMs: { segment: number; roi: number; classify: number };
};

function prepare(img: RgbImage, p: Preprocessing) {
  const { image, transform } = fitToSquarePure(img, p.inputSize, p.resizeMode);
  return { data: normalizeToInput(image, p), transform };
}

/** The lesion probability map from a one-channel (sigmoid) or two-channel (softmax) segmenter output, as analyze.ts reads it. */
function lesionProbabilities(output: Float32Array, size: number): ProbabilityMap {
  const n = size * size;
  if (output.length === n) return { width: size, height: size, data: output };
  if (output.length !== 2 * n) throw new Error(`segmenter output has ${output.length} values, expected ${n} or ${2 * n}`);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = output[2 * i + 1]!;
  return { width: size, height: size, data };
}

export async function runCascade(img: RgbImage, segmenter: ModelRunner, classifier: ModelRunner): Promise<CascadeResult> {
  const t0 = performance.now();
  const segInput = prepare(img, segmenter.config.preprocessing);
  const squareMap = lesionProbabilities(await segmenter.predict(segInput.data, 1), segmenter.config.preprocessing.inputSize);
  const probability = probabilityFromSquare(squareMap, segInput.transform, img.width, img.height);
  const mask = cleanMask(probability, segmenter.config.maskThreshold ?? 0.5);
  const t1 = performance.now();
  const bbox = boundingBox(mask);
  const { roi } = extractRoi(img, mask);
  const t2 = performance.now();
  const output = await classifier.predict(prepare(roi, classifier.config.preprocessing).data, 1);
  const classes = classifier.config.classes ?? [];
  if (output.length !== classes.length) throw new Error(`classifier output has ${output.length} values for ${classes.length} classes`);
  const probabilities = Object.fromEntries(classes.map((c, i) => [c, output[i]!]));
  const t3 = performance.now();
  return {
    width: img.width,
    height: img.height,
    mask,
    roi,
    probabilities,
    top: topClass(probabilities),
    lesionAreaFraction: areaFraction(mask),
    bbox,
    timingsMs: { segment: t1 - t0, roi: t2 - t1, classify: t3 - t2 },
  };
}
