/**
 * Resizing, and fitting images into the square model input and back.
 *
 * Kernel choice: images are resized with sharp's 'linear' kernel. On upscaling it is plain
 * bilinear; on downscaling libvips widens the triangle filter by the scale factor, so it averages
 * every source pixel (antialiased, like PIL's BILINEAR) instead of sampling 4 of them (OpenCV's
 * INTER_LINEAR). It does not overshoot like lanczos3, which matters for masks and keeps dark
 * lesion borders free of ringing. Training and inference both go through `resizeRgb`, so the
 * network always sees the same interpolation.
 *
 * Geometry (measured on sharp 0.35 / libvips 8.18): downscaling is centred (half-pixel
 * convention); upscaling is shifted by half an output pixel towards the bottom-right. Photos are
 * almost always downscaled to the model input, and probability maps are resized in TypeScript
 * with exact half-pixel centres, so masks land where the lesion is.
 */
import sharp from 'sharp';
import type { ResizeMode } from '../vocabulary.js';
import { assertGray, assertProbabilityMap, assertRgb, assertTargetSize } from './check.js';
import { sampleBilinear } from './resample.js';
import type { BBox, GrayImage, ProbabilityMap, RgbImage, SquareTransform } from './types.js';

export type { SquareTransform } from './types.js';

async function resizeRaw(
  data: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3,
  targetWidth: number,
  targetHeight: number,
  kernel: 'nearest' | 'linear',
): Promise<Uint8Array> {
  assertTargetSize(targetWidth, targetHeight);
  const resized = sharp(data, { raw: { width, height, channels } }).resize(targetWidth, targetHeight, { kernel, fit: 'fill' });
  // Without an explicit colourspace sharp writes one-channel input back out as 3-channel sRGB.
  const out = await (channels === 1 ? resized.toColourspace('b-w') : resized).raw().toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export async function resizeRgb(img: RgbImage, width: number, height: number): Promise<RgbImage> {
  assertRgb(img);
  return { width, height, data: await resizeRaw(img.data, img.width, img.height, 3, width, height, 'linear') };
}

/** 'nearest' keeps a binary mask binary; 'linear' gives soft edges (threshold afterwards). */
export async function resizeGray(img: GrayImage, width: number, height: number, kernel: 'nearest' | 'linear'): Promise<GrayImage> {
  assertGray(img);
  return { width, height, data: await resizeRaw(img.data, img.width, img.height, 1, width, height, kernel) };
}

/** Bilinear resize with half-pixel centres (align_corners=false). Pure TypeScript. */
export function resizeProbability(map: ProbabilityMap, width: number, height: number): ProbabilityMap {
  assertProbabilityMap(map);
  assertTargetSize(width, height);
  return sampleBilinear(map, { x: 0, y: 0, width: map.width, height: map.height }, width, height);
}

/**
 * Bring an image to a `size` x `size` model input.
 * - 'stretch' (the paper): resize both sides to `size`, aspect ratio not kept.
 * - 'letterbox': scale the longer side to `size`, keep the aspect ratio, centre it and pad with
 *   black. Black (0) rather than the dataset mean, so the padding matches what `extractRoi`
 *   writes outside the lesion and needs no per-model constant.
 */
/** Resizes an RGB image; sharp's `resizeRgb` on Node, a pure-TypeScript one in the browser. */
export type RgbResizer = (img: RgbImage, width: number, height: number) => RgbImage | Promise<RgbImage>;

export async function fitToSquare(
  img: RgbImage,
  size: number,
  mode: ResizeMode,
  resize: RgbResizer = resizeRgb,
): Promise<{ image: RgbImage; transform: SquareTransform }> {
  assertRgb(img);
  assertTargetSize(size, size);
  const source = { sourceWidth: img.width, sourceHeight: img.height };
  if (mode === 'stretch') {
    const image = await resize(img, size, size);
    return { image, transform: { mode, size, ...source, content: { x: 0, y: 0, width: size, height: size } } };
  }
  if (mode !== 'letterbox') throw new RangeError(`unknown resize mode '${String(mode)}' (expected 'stretch' or 'letterbox')`);

  const scale = size / Math.max(img.width, img.height);
  const contentWidth = Math.max(1, Math.min(size, Math.round(img.width * scale)));
  const contentHeight = Math.max(1, Math.min(size, Math.round(img.height * scale)));
  const content: BBox = {
    x: Math.floor((size - contentWidth) / 2),
    y: Math.floor((size - contentHeight) / 2),
    width: contentWidth,
    height: contentHeight,
  };
  const resized = await resize(img, contentWidth, contentHeight);
  const data = new Uint8Array(size * size * 3);
  const rowBytes = contentWidth * 3;
  for (let y = 0; y < contentHeight; y++) {
    const from = y * rowBytes;
    data.set(resized.data.subarray(from, from + rowBytes), ((content.y + y) * size + content.x) * 3);
  }
  return { image: { width: size, height: size, data }, transform: { mode, size, ...source, content } };
}

/**
 * Undo `fitToSquare` on a prediction: drop the letterbox padding and resize the content area to
 * `width` x `height` (normally `transform.sourceWidth` x `transform.sourceHeight`). The map may be
 * at a different resolution from the square input (e.g. a half-size decoder output): the content
 * box is scaled to the map's size.
 */
export function probabilityFromSquare(map: ProbabilityMap, transform: SquareTransform, width: number, height: number): ProbabilityMap {
  assertProbabilityMap(map);
  assertTargetSize(width, height);
  const sx = map.width / transform.size;
  const sy = map.height / transform.size;
  const { content } = transform;
  const region: BBox = { x: content.x * sx, y: content.y * sy, width: content.width * sx, height: content.height * sy };
  return sampleBilinear(map, region, width, height);
}
