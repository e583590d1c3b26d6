/** Shape checks shared by the image functions: a wrong-sized buffer is a caller bug, reported early and plainly. */
import type { GrayImage, ProbabilityMap, RgbImage } from './types.js';

function assertDimensions(width: number, height: number, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`${what}: width and height must be positive integers, got ${width}x${height}`);
  }
}

export function assertRgb(img: RgbImage, what = 'RGB image'): void {
  assertDimensions(img.width, img.height, what);
  if (img.data.length !== img.width * img.height * 3) {
    throw new RangeError(`${what}: expected ${img.width}x${img.height}x3 = ${img.width * img.height * 3} bytes, got ${img.data.length}`);
  }
}

export function assertGray(img: GrayImage, what = 'gray image'): void {
  assertDimensions(img.width, img.height, what);
  if (img.data.length !== img.width * img.height) {
    throw new RangeError(`${what}: expected ${img.width}x${img.height} = ${img.width * img.height} bytes, got ${img.data.length}`);
  }
}

export function assertProbabilityMap(map: ProbabilityMap, what = 'probability map'): void {
  assertDimensions(map.width, map.height, what);
  if (map.data.length !== map.width * map.height) {
    throw new RangeError(`${what}: expected ${map.width}x${map.height} = ${map.width * map.height} values, got ${map.data.length}`);
  }
}

/** A target size for a resize: positive integers only. */
export function assertTargetSize(width: number, height: number): void {
  assertDimensions(width, height, 'target size');
}

/** RgbImage and GrayImage share a shape; the byte count per pixel tells them apart. */
export function channelCount(img: RgbImage | GrayImage): 1 | 3 {
  assertDimensions(img.width, img.height, 'image');
  const pixels = img.width * img.height;
  if (img.data.length === pixels * 3) return 3;
  if (img.data.length === pixels) return 1;
  throw new RangeError(`image: ${img.data.length} bytes is neither 1 nor 3 channels of ${img.width}x${img.height}`);
}

export function assertSameSize(a: { width: number; height: number }, b: { width: number; height: number }, what: string): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new RangeError(`${what}: sizes differ (${a.width}x${a.height} vs ${b.width}x${b.height})`);
  }
}
