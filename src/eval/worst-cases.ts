/**
 * Bounded "worst K" collections for the report contact sheets. The caller streams every case
 * through `add`; only the K worst so far are kept, and in-memory images are shrunk to thumbnails
 * when kept, so memory stays at K thumbnails whatever the dataset size. Paths are kept as paths and
 * read when the sheet is drawn.
 */
import type { GrayImage, RgbImage } from '../image/types.js';
import { argMax } from './cls-metrics.js';
import { thumbnailMask, thumbnailRgb } from './thumbnail.js';

/** An image in memory or a file path to read when the contact sheet is drawn. */
export type ImageSource = RgbImage | string;
/** A binary mask (0 = background, non-zero = lesion) in memory or a file path. */
export type MaskSource = GrayImage | string;

/** How many cases a contact sheet shows. */
export const WORST_CASE_LIMIT = 16;

export interface SegCase {
  id: string;
  image: ImageSource;
  truth: MaskSource;
  prediction: MaskSource;
  dice: number;
}

export interface ClsCase {
  id: string;
  image: ImageSource;
  trueLabel: string;
  predictedLabel: string;
  /** Probability given to `predictedLabel`. */
  confidence: number;
}

/**
 * Keeps the `limit` items with the highest badness, worst first. On equal badness the item offered
 * first stays, so the result does not depend on anything but the input order.
 */
export class WorstList<T> {
  private readonly entries: { badness: number; item: T }[] = [];

  constructor(readonly limit: number = WORST_CASE_LIMIT) {
    if (!Number.isInteger(limit) || limit < 0) throw new Error(`worst-case list: limit must be a non-negative integer, got ${limit}`);
  }

  /** `build` runs only when the item is kept, so costly copies are made for the K worst alone. */
  offer(badness: number, build: () => T): void {
    if (Number.isNaN(badness)) throw new Error('worst-case list: badness is NaN');
    if (this.entries.length === this.limit && (this.limit === 0 || badness <= this.entries[this.entries.length - 1]!.badness)) return;
    let at = this.entries.length;
    while (at > 0 && this.entries[at - 1]!.badness < badness) at--;
    this.entries.splice(at, 0, { badness, item: build() });
    if (this.entries.length > this.limit) this.entries.pop();
  }

  list(): T[] {
    return this.entries.map((entry) => entry.item);
  }
}

function compactImage(image: ImageSource): ImageSource {
  return typeof image === 'string' ? image : thumbnailRgb(image);
}

function compactMask(mask: MaskSource): MaskSource {
  return typeof mask === 'string' ? mask : thumbnailMask(mask);
}

/** The lowest-Dice segmentation cases. */
export class WorstSegCases {
  private readonly worst: WorstList<SegCase>;

  constructor(limit = WORST_CASE_LIMIT) {
    this.worst = new WorstList(limit);
  }

  add(segCase: SegCase): void {
    this.worst.offer(1 - segCase.dice, () => ({
      id: segCase.id,
      dice: segCase.dice,
      image: compactImage(segCase.image),
      truth: compactMask(segCase.truth),
      prediction: compactMask(segCase.prediction),
    }));
  }

  list(): SegCase[] {
    return this.worst.list();
  }
}

/** The most confidently wrong classifications; correct ones are ignored. */
export class WorstClsCases {
  private readonly worst: WorstList<ClsCase>;

  constructor(
    private readonly classes: readonly string[],
    limit = WORST_CASE_LIMIT,
  ) {
    this.worst = new WorstList(limit);
  }

  add(prediction: { id: string; image: ImageSource; trueLabel: string; probabilities: ArrayLike<number> }): void {
    if (prediction.probabilities.length !== this.classes.length) {
      throw new Error(`${prediction.id}: ${prediction.probabilities.length} probabilities for ${this.classes.length} classes`);
    }
    if (!this.classes.includes(prediction.trueLabel)) {
      throw new Error(`${prediction.id}: true label '${prediction.trueLabel}' is not one of the classes [${this.classes.join(', ')}]`);
    }
    const predicted = argMax(prediction.probabilities);
    const predictedLabel = this.classes[predicted]!;
    if (predictedLabel === prediction.trueLabel) return;
    const confidence = prediction.probabilities[predicted]!;
    this.worst.offer(confidence, () => ({
      id: prediction.id,
      image: compactImage(prediction.image),
      trueLabel: prediction.trueLabel,
      predictedLabel,
      confidence,
    }));
  }

  list(): ClsCase[] {
    return this.worst.list();
  }
}
