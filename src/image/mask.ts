/**
 * Binary-mask post-processing in plain TypeScript. Convention: a pixel is foreground when its value
 * is non-zero (so 0/1 and 0/255 masks both work); every mask returned here holds only 0 and 255.
 */
import { assertGray, assertProbabilityMap } from './check.js';
import type { BBox, GrayImage, ProbabilityMap } from './types.js';

/** Foreground where `probability > t` (strictly: t = 0.5 keeps 0.5 as background; NaN is background). */
export function threshold(map: ProbabilityMap, t: number): GrayImage {
  assertProbabilityMap(map);
  const data = new Uint8Array(map.data.length);
  for (let i = 0; i < data.length; i++) data[i] = map.data[i] > t ? 255 : 0;
  return { width: map.width, height: map.height, data };
}

/**
 * Flood-fill from `seed` over unlabelled pixels whose foreground-ness (`data[i] !== 0`) equals
 * `foreground`, writing `label` into `labels`; returns the region's size. Iterative with an
 * explicit stack (sized to the image, each pixel is pushed at most once), so a 50 MP blob cannot
 * overflow the call stack. Neighbours are spelled out rather than looped over: this is the hot
 * loop of the cascade's post-processing on full-resolution masks.
 */
function flood(
  mask: GrayImage,
  seed: number,
  foreground: boolean,
  label: number,
  labels: Int32Array,
  connectivity: 4 | 8,
  stack: Int32Array,
): number {
  const { width, height, data } = mask;
  const joins = (i: number) => labels[i] === 0 && (data[i] !== 0) === foreground;
  let top = 0;
  let size = 0;
  labels[seed] = label;
  stack[top++] = seed;
  const visit = (i: number) => {
    if (joins(i)) {
      labels[i] = label;
      stack[top++] = i;
    }
  };
  while (top > 0) {
    const i = stack[--top];
    size++;
    const x = i % width;
    const left = x > 0;
    const right = x < width - 1;
    const up = i >= width;
    const down = i < (height - 1) * width;
    if (left) visit(i - 1);
    if (right) visit(i + 1);
    if (up) visit(i - width);
    if (down) visit(i + width);
    if (connectivity === 8) {
      if (up && left) visit(i - width - 1);
      if (up && right) visit(i - width + 1);
      if (down && left) visit(i + width - 1);
      if (down && right) visit(i + width + 1);
    }
  }
  return size;
}

/**
 * Keep only the largest foreground component. Ties go to the component whose first pixel comes
 * first in row-major order (top-most, then left-most), so the result is deterministic.
 * An empty mask gives an empty mask.
 */
export function largestComponent(mask: GrayImage, connectivity: 4 | 8 = 8): GrayImage {
  assertGray(mask, 'mask');
  if (connectivity !== 4 && connectivity !== 8) throw new RangeError(`connectivity must be 4 or 8, got ${connectivity}`);
  const { width, height, data } = mask;
  const labels = new Int32Array(data.length);
  const stack = new Int32Array(data.length);
  let nextLabel = 1;
  let bestLabel = 0;
  let bestSize = 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0 || labels[i] !== 0) continue;
    const size = flood(mask, i, true, nextLabel, labels, connectivity, stack);
    if (size > bestSize) {
      bestSize = size;
      bestLabel = nextLabel;
    }
    nextLabel++;
  }
  const out = new Uint8Array(data.length);
  if (bestLabel !== 0) for (let i = 0; i < out.length; i++) out[i] = labels[i] === bestLabel ? 255 : 0;
  return { width, height, data: out };
}

/**
 * Fill holes: background regions that do not touch the image border become foreground.
 * Background is traced with 4-connectivity, the topological dual of 8-connected foreground, so a
 * ring closed only by diagonal steps still counts as enclosing its inside.
 */
export function fillHoles(mask: GrayImage): GrayImage {
  assertGray(mask, 'mask');
  const { width, height, data } = mask;
  const outside = new Int32Array(data.length);
  const stack = new Int32Array(data.length);
  const seedFromBorder = (i: number) => {
    if (data[i] === 0 && outside[i] === 0) flood(mask, i, false, 1, outside, 4, stack);
  };
  for (let x = 0; x < width; x++) {
    seedFromBorder(x);
    seedFromBorder((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    seedFromBorder(y * width);
    seedFromBorder(y * width + width - 1);
  }
  const out = new Uint8Array(data.length);
  for (let i = 0; i < out.length; i++) out[i] = outside[i] === 0 ? 255 : 0;
  return { width, height, data: out };
}

/** Tightest box around the foreground, or null when there is none. */
export function boundingBox(mask: GrayImage): BBox | null {
  assertGray(mask, 'mask');
  const { width, height, data } = mask;
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (data[row + x] === 0) continue;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      maxY = y;
    }
  }
  return maxX < 0 ? null : { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}

/** Fraction of pixels that are foreground, in [0, 1]. */
export function areaFraction(mask: GrayImage): number {
  assertGray(mask, 'mask');
  let count = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i] !== 0) count++;
  return count / mask.data.length;
}

/** The cascade's post-processing: threshold, keep the largest (8-connected) lesion, fill its holes. */
export function cleanMask(map: ProbabilityMap, t: number): GrayImage {
  return fillHoles(largestComponent(threshold(map, t), 8));
}

/**
 * One-pixel boundary of the foreground: foreground pixels with a 4-neighbour in the background or
 * on the image edge (so a lesion cut off by the frame is outlined along the frame too).
 */
export function maskContour(mask: GrayImage): GrayImage {
  assertGray(mask, 'mask');
  const { width, height, data } = mask;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (data[i] === 0) continue;
      const onEdge = x === 0 || y === 0 || x === width - 1 || y === height - 1;
      if (onEdge || data[i - 1] === 0 || data[i + 1] === 0 || data[i - width] === 0 || data[i + width] === 0) out[i] = 255;
    }
  }
  return { width, height, data: out };
}
