/**
 * Synchronous box-filter downscaling, so a worst-case keeper can shrink an in-memory image the
 * moment it is kept (a full-resolution ISIC photo is up to ~90 MB of RGB; a thumbnail ~100 KB).
 */
import type { GrayImage, RgbImage } from '../image/types.js';

/** Largest side of a kept thumbnail; the contact sheet draws tiles no larger than this. */
export const THUMBNAIL_MAX_SIDE = 256;

function targetSize(width: number, height: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Averages each output pixel's source box; `channels` interleaved bytes per pixel. */
function boxDownscale(data: Uint8Array, width: number, height: number, channels: number, outWidth: number, outHeight: number): Uint8Array {
  const out = new Uint8Array(outWidth * outHeight * channels);
  const sums = new Float64Array(channels);
  for (let oy = 0; oy < outHeight; oy++) {
    const y0 = Math.floor((oy * height) / outHeight);
    const y1 = Math.max(y0 + 1, Math.floor(((oy + 1) * height) / outHeight));
    for (let ox = 0; ox < outWidth; ox++) {
      const x0 = Math.floor((ox * width) / outWidth);
      const x1 = Math.max(x0 + 1, Math.floor(((ox + 1) * width) / outWidth));
      sums.fill(0);
      for (let y = y0; y < y1; y++) {
        let i = (y * width + x0) * channels;
        for (let x = x0; x < x1; x++) for (let c = 0; c < channels; c++) sums[c]! += data[i++]!;
      }
      const area = (y1 - y0) * (x1 - x0);
      const o = (oy * outWidth + ox) * channels;
      for (let c = 0; c < channels; c++) out[o + c] = Math.round(sums[c]! / area);
    }
  }
  return out;
}

export function thumbnailRgb(image: RgbImage, maxSide = THUMBNAIL_MAX_SIDE): RgbImage {
  const size = targetSize(image.width, image.height, maxSide);
  if (size.width === image.width && size.height === image.height) return image;
  return { ...size, data: boxDownscale(image.data, image.width, image.height, 3, size.width, size.height) };
}

/** Mask thumbnail in 0/255: a pixel is lesion when at least half of its source box is. */
export function thumbnailMask(mask: GrayImage, maxSide = THUMBNAIL_MAX_SIDE): GrayImage {
  const binary = mask.data.map((v) => (v === 0 ? 0 : 255));
  const size = targetSize(mask.width, mask.height, maxSide);
  const averaged = boxDownscale(binary, mask.width, mask.height, 1, size.width, size.height);
  return { ...size, data: averaged.map((v) => (v >= 128 ? 255 : 0)) };
}
