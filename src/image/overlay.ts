/**
 * A picture of the result for people: the photo with the lesion outline and a label box.
 * Line width and font size grow with the image so the overlay reads the same on a 224 px crop and
 * on a 4000 px original. Text is rendered by sharp (Pango + fontconfig, DejaVu Sans when present).
 */
import sharp from 'sharp';
import { assertGray, assertRgb, assertSameSize } from './check.js';
import { maskContour } from './mask.js';
import type { GrayImage, RgbImage } from './types.js';

/** Bright green: stands out against skin tones and the brown/pink/blue of lesions. */
const CONTOUR_RGB = [0, 255, 0] as const;
const LABEL_BACKGROUND = { r: 0, g: 0, b: 0, alpha: 0.65 };

/** Half-width of the outline: 3 px lines up to ~600 px images, thicker beyond. */
function contourRadius(img: RgbImage): number {
  return Math.max(1, Math.round(Math.min(img.width, img.height) / 400));
}

/** Square dilation by `radius` as two separable 1-D max filters: O(pixels x radius). */
function dilate(mask: GrayImage, radius: number): Uint8Array {
  const { width, height, data } = mask;
  const horizontal = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[y * width + x] === 0) continue;
      for (let dx = Math.max(0, x - radius); dx <= Math.min(width - 1, x + radius); dx++) horizontal[y * width + dx] = 255;
    }
  }
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (horizontal[y * width + x] === 0) continue;
      for (let dy = Math.max(0, y - radius); dy <= Math.min(height - 1, y + radius); dy++) out[dy * width + x] = 255;
    }
  }
  return out;
}

function escapePangoMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** White text on a translucent dark box, as an RGBA PNG no larger than `maxWidth` x `maxHeight`. */
async function renderLabel(label: string, fontPx: number, padding: number, maxWidth: number, maxHeight: number): Promise<Buffer> {
  const text = await sharp({
    text: {
      text: `<span foreground="#ffffff">${escapePangoMarkup(label)}</span>`,
      font: `DejaVu Sans Bold ${fontPx}px`,
      width: Math.max(1, maxWidth - 2 * padding),
      wrap: 'word-char',
      rgba: true,
    },
  })
    .png()
    .toBuffer({ resolveWithObject: true });
  const box = await sharp({
    create: { width: text.info.width + 2 * padding, height: text.info.height + 2 * padding, channels: 4, background: LABEL_BACKGROUND },
  })
    .composite([{ input: text.data, left: padding, top: padding }])
    .png()
    .toBuffer({ resolveWithObject: true });
  if (box.info.width <= maxWidth && box.info.height <= maxHeight) return box.data;
  // Only tiny images get here (the label is taller than the photo): shrink it to fit.
  return sharp(box.data).resize(maxWidth, maxHeight, { fit: 'inside' }).png().toBuffer();
}

/**
 * PNG of `img` with the outline of `mask` drawn in bright green and `label` (e.g.
 * "mel 71.2% — research use only") in a box at the top left. An empty mask draws no outline.
 */
export async function renderOverlay(img: RgbImage, mask: GrayImage, label: string): Promise<Buffer> {
  assertRgb(img);
  assertGray(mask, 'mask');
  assertSameSize(img, mask, 'renderOverlay image and mask');

  const outline = dilate(maskContour(mask), contourRadius(img));
  const pixels = img.data.slice();
  for (let i = 0; i < outline.length; i++) {
    if (outline[i] === 0) continue;
    pixels[i * 3] = CONTOUR_RGB[0];
    pixels[i * 3 + 1] = CONTOUR_RGB[1];
    pixels[i * 3 + 2] = CONTOUR_RGB[2];
  }

  const base = sharp(pixels, { raw: { width: img.width, height: img.height, channels: 3 } });
  if (label.trim() === '') return base.png().toBuffer();
  const shortSide = Math.min(img.width, img.height);
  const fontPx = Math.max(10, Math.round(shortSide * 0.035));
  const inset = Math.max(2, Math.round(fontPx / 2));
  const labelPng = await renderLabel(label, fontPx, inset, Math.max(1, img.width - 2 * inset), Math.max(1, img.height - 2 * inset));
  return base.composite([{ input: labelPng, left: inset, top: inset }]).png().toBuffer();
}
