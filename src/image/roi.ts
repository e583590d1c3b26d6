/**
 * The cascade's second step: cut the lesion out of the photo for the classifier.
 * No resizing here: the classifier's own preprocessing brings the ROI to its input size.
 */
import { assertGray, assertRgb, assertSameSize } from './check.js';
import { boundingBox } from './mask.js';
import type { BBox, GrayImage, RgbImage } from './types.js';

export interface RoiOptions {
  /** Extra context on each side, as a fraction of the lesion box's width (left/right) and height (top/bottom). Default 0.1. */
  margin?: number;
  /** Zero the pixels outside the mask (the paper's mask x image). Default true. */
  applyMask?: boolean;
}

/**
 * Crop the image to the mask's bounding box grown by `margin` and clipped to the image, with
 * pixels outside the mask set to 0 unless `applyMask` is false. `box` is the crop in image
 * coordinates. An empty mask (the segmenter found nothing) gives the whole image, unmasked, so
 * the classifier still sees the photo rather than a black square.
 */
export function extractRoi(img: RgbImage, mask: GrayImage, opts: RoiOptions = {}): { roi: RgbImage; box: BBox } {
  assertRgb(img);
  assertGray(mask, 'mask');
  assertSameSize(img, mask, 'extractRoi image and mask');
  const margin = opts.margin ?? 0.1;
  if (!(margin >= 0)) throw new RangeError(`ROI margin must be a non-negative fraction, got ${margin}`);
  const applyMask = opts.applyMask ?? true;

  const lesion = boundingBox(mask);
  if (!lesion) return { roi: { width: img.width, height: img.height, data: img.data.slice() }, box: { x: 0, y: 0, width: img.width, height: img.height } };

  const padX = Math.round(lesion.width * margin);
  const padY = Math.round(lesion.height * margin);
  const x0 = Math.max(0, lesion.x - padX);
  const y0 = Math.max(0, lesion.y - padY);
  const x1 = Math.min(img.width, lesion.x + lesion.width + padX);
  const y1 = Math.min(img.height, lesion.y + lesion.height + padY);
  const box: BBox = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };

  const data = new Uint8Array(box.width * box.height * 3);
  for (let y = 0; y < box.height; y++) {
    for (let x = 0; x < box.width; x++) {
      const srcPixel = (y0 + y) * img.width + (x0 + x);
      if (applyMask && mask.data[srcPixel] === 0) continue;
      const dst = (y * box.width + x) * 3;
      data[dst] = img.data[srcPixel * 3];
      data[dst + 1] = img.data[srcPixel * 3 + 1];
      data[dst + 2] = img.data[srcPixel * 3 + 2];
    }
  }
  return { roi: { width: box.width, height: box.height, data }, box };
}
