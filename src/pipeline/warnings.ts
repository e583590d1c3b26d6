/**
 * Warnings that travel with every result, so that nobody takes seven confident-looking numbers
 * at face value when the input gives no reason to: each check looks at the finished analysis
 * and says in words what is wrong, or nothing. One registry, applied by analyze(), so the CLI,
 * the API, the queue and the web page all warn alike.
 */
import { maskContour } from '../image/mask.js';
import type { GrayImage } from '../image/types.js';
import type { ModelConfig } from '../models/config.js';
import { outOfDistribution } from './ood.js';

/** What the checks look at: the analysis, before its warnings. */
export interface WarningSubject {
  width: number;
  height: number;
  mask: GrayImage;
  lesionAreaFraction: number;
  top: { label: string; probability: number };
  /** Out-of-distribution score and the range of held-out images' scores; null without a fitted detector. */
  ood: { score: number; range: [number, number] } | null;
}

export interface WarningContext {
  segmenter: ModelConfig;
  classifier: ModelConfig;
}

interface WarningCheck {
  code: string;
  /** The message when the warning applies, else null. */
  check(subject: WarningSubject, context: WarningContext): string | null;
}

/** A lesion smaller than this share of the image is more likely a speck than the lesion photographed. */
export const MIN_LESION_AREA_FRACTION = 0.005;
/** A lesion whose outline runs along the image edge for at least this share is cut off by the frame. */
export const BORDER_OUTLINE_FRACTION = 0.1;
/**
 * Enlarging an image more than this to the models' input leaves them without the detail they
 * learnt from. Not 1: the training images themselves (HAM10000 at 200 x 150) were enlarged up to
 * 1.7x to the 256 px input.
 */
export const MAX_UPSCALE = 2;
/** A top probability below this leaves the classifier undecided between classes. */
export const LOW_CONFIDENCE = 0.5;

const percent = (p: number) => `${(p * 100).toFixed(1)} %`;

/** Share of the lesion's outline (its one-pixel boundary) that lies on the image edge; 0 without a lesion. */
export function outlineOnBorder(mask: GrayImage): number {
  const contour = maskContour(mask);
  const { width, height } = mask;
  let outline = 0;
  let onEdge = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (contour.data[y * width + x] === 0) continue;
      outline++;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) onEdge++;
    }
  }
  return outline === 0 ? 0 : onEdge / outline;
}

export const WARNING_CHECKS = [
  {
    code: 'no_lesion',
    check: (r) => {
      if (r.lesionAreaFraction === 0) return 'No lesion was found: the segmenter marked no pixel as lesion, so the classifier looked at the whole image.';
      if (r.lesionAreaFraction < MIN_LESION_AREA_FRACTION) return `The lesion found covers only ${percent(r.lesionAreaFraction)} of the image (less than ${percent(MIN_LESION_AREA_FRACTION)}): it may be a speck rather than a lesion.`;
      return null;
    },
  },
  {
    code: 'lesion_at_border',
    check: (r) => {
      if (r.lesionAreaFraction === 0) return null;
      const share = outlineOnBorder(r.mask);
      return share >= BORDER_OUTLINE_FRACTION ? `The lesion runs into the image border (${percent(share)} of its outline): it is cut off, and the classifier saw only part of it.` : null;
    },
  },
  {
    code: 'image_too_small',
    check: (r, c) => {
      const side = Math.max(c.segmenter.preprocessing.inputSize, c.classifier.preprocessing.inputSize);
      return Math.min(r.width, r.height) * MAX_UPSCALE < side
        ? `The image is ${r.width}×${r.height} px: the models take ${side} px inputs, so it was enlarged more than ${MAX_UPSCALE}× and lacks the detail they rely on.`
        : null;
    },
  },
  {
    code: 'low_confidence',
    check: (r) => (r.top.probability < LOW_CONFIDENCE ? `The highest probability (${r.top.label}, ${percent(r.top.probability)}) is below ${percent(LOW_CONFIDENCE)}: the classifier is undecided.` : null),
  },
  {
    code: 'out_of_distribution',
    check: (r, c) => {
      if (!r.ood || !outOfDistribution(r.ood.score, r.ood.range)) return null;
      const [low, high] = r.ood.range;
      const coverage = c.classifier.ood?.coverage;
      const held = coverage === undefined ? 'validation images' : `${percent(coverage)} of validation images`;
      const why = r.ood.score > high ? 'far from every class' : 'too close to a class average, as featureless pictures (flat colours, blank pages) are';
      return `The image is unlike the classifier's training data: its features lie ${why} (distance ${r.ood.score.toFixed(2)}; ${held} lie between ${low.toFixed(2)} and ${high.toFixed(2)}). Its probabilities mean little.`;
    },
  },
] as const satisfies readonly WarningCheck[];

export type WarningCode = (typeof WARNING_CHECKS)[number]['code'];
export const WARNING_CODES: readonly WarningCode[] = WARNING_CHECKS.map((w) => w.code);

export interface ResultWarning {
  code: WarningCode;
  message: string;
}

/** The warnings that apply to an analysis, in registry order. */
export function warningsFor(subject: WarningSubject, context: WarningContext): ResultWarning[] {
  const warnings: ResultWarning[] = [];
  for (const { code, check } of WARNING_CHECKS) {
    const message = check(subject, context);
    if (message !== null) warnings.push({ code, message });
  }
  return warnings;
}
