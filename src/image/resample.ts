/**
 * Every resampler dermkit writes in plain TypeScript, in one place: probability maps (bilinear,
 * exact half-pixel centres), the augmentation's area downscale and bilinear upscale, and the
 * browser's image resize, where sharp is not available.
 *
 * The browser's resize: on Node the cascade resizes with sharp's 'linear' kernel (resize.ts). This repeats
 * what libvips's vips_resize does with that kernel (libvips 8.18, as bundled with sharp 0.35):
 * 1. per axis that shrinks, vertical first: when the factor is 2 or more, average integer blocks
 *    of floor(factor / 2) pixels (box filter, the last partial block averaged over what it has),
 *    then reduce by the rest of the factor with a triangle filter widened by that rest, centred
 *    on pixel centres;
 * 2. if either axis grows, one bilinear pass over both axes in which output x samples input
 *    x * (in / out) - 0.5, clamped at the edges (libvips's affine with its 0.5 input offset: the
 *    axis that did not grow is shifted by half a pixel too).
 * Each step rounds to 8 bits, as libvips does between operations. What remains different is
 * libvips's fixed-point arithmetic; test/web/resize.test.ts bounds it (mean under half a grey
 * level). A canvas `drawImage` would be faster but smooths differently in every browser.
 */
import type { BBox, ProbabilityMap, RgbImage } from './types.js';

/** libvips's default "reduce gap": block-average while at least this factor is left for the filter. */
const REDUCE_GAP = 2;

/** For each output position along an axis: the first input index and the weights from there on. */
interface Taps {
  start: Int32Array;
  count: Int32Array;
  /** `stride` weights per output position, `count` of them used. */
  weights: Float64Array;
  stride: number;
}

function makeTaps(outSize: number, stride: number): Taps {
  return { start: new Int32Array(outSize), count: new Int32Array(outSize), weights: new Float64Array(outSize * stride), stride };
}

/** Average blocks of `factor`; the output has ceil(inSize / factor) positions. */
function boxTaps(inSize: number, factor: number): Taps {
  const outSize = Math.ceil(inSize / factor);
  const taps = makeTaps(outSize, factor);
  for (let o = 0; o < outSize; o++) {
    const first = o * factor;
    const n = Math.min(inSize, first + factor) - first;
    taps.start[o] = first;
    taps.count[o] = n;
    for (let k = 0; k < n; k++) taps.weights[o * factor + k] = 1 / n;
  }
  return taps;
}

/** Triangle filter reducing by `factor` (> 1) onto `outSize` positions, centred on pixel centres. */
function triangleTaps(inSize: number, outSize: number, factor: number): Taps {
  const stride = Math.ceil(factor) * 2 + 1;
  const taps = makeTaps(outSize, stride);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * factor;
    const first = Math.max(0, Math.floor(centre - factor + 0.5));
    const last = Math.min(inSize, Math.floor(centre + factor + 0.5));
    let total = 0;
    for (let i = first; i < last; i++) {
      const w = Math.max(0, 1 - Math.abs((i + 0.5 - centre) / factor));
      taps.weights[o * stride + i - first] = w;
      total += w;
    }
    for (let k = 0; k < last - first; k++) taps.weights[o * stride + k] /= total || 1;
    taps.start[o] = first;
    taps.count[o] = last - first;
  }
  return taps;
}

/** Bilinear sampling of input x * (inSize / outSize) - 0.5, clamped to the image. */
function bilinearTaps(inSize: number, outSize: number): Taps {
  const taps = makeTaps(outSize, 2);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const at = Math.min(inSize - 1, Math.max(0, o * scale - 0.5));
    const first = Math.floor(at);
    const frac = at - first;
    taps.start[o] = first;
    taps.count[o] = frac > 0 ? 2 : 1;
    taps.weights[o * 2] = 1 - frac;
    taps.weights[o * 2 + 1] = frac;
  }
  return taps;
}

/** Interleaved RGB with float samples, between the two halves of the bilinear pass. */
interface FloatRgb {
  width: number;
  height: number;
  data: Float64Array | Uint8Array;
}

function toBytes(values: Float64Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  return out;
}

function resampleRows(img: FloatRgb, taps: Taps): { width: number; height: number; data: Float64Array } {
  const width = taps.start.length;
  const data = new Float64Array(width * img.height * 3);
  for (let y = 0; y < img.height; y++) {
    const src = y * img.width * 3;
    const dst = y * width * 3;
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let s = src + taps.start[x]! * 3;
      for (let k = 0, w = x * taps.stride; k < taps.count[x]!; k++, w++, s += 3) {
        const weight = taps.weights[w]!;
        r += img.data[s]! * weight;
        g += img.data[s + 1]! * weight;
        b += img.data[s + 2]! * weight;
      }
      data[dst + x * 3] = r;
      data[dst + x * 3 + 1] = g;
      data[dst + x * 3 + 2] = b;
    }
  }
  return { width, height: img.height, data };
}

function resampleColumns(img: FloatRgb, taps: Taps): { width: number; height: number; data: Float64Array } {
  const height = taps.start.length;
  const rowLength = img.width * 3;
  const data = new Float64Array(rowLength * height);
  for (let y = 0; y < height; y++) {
    const dst = y * rowLength;
    for (let k = 0, w = y * taps.stride; k < taps.count[y]!; k++, w++) {
      const weight = taps.weights[w]!;
      const src = (taps.start[y]! + k) * rowLength;
      for (let i = 0; i < rowLength; i++) data[dst + i] += img.data[src + i]! * weight;
    }
  }
  return { width: img.width, height, data };
}

function rounded(img: { width: number; height: number; data: Float64Array }): RgbImage {
  return { width: img.width, height: img.height, data: toBytes(img.data) };
}

function shrinkColumns(img: RgbImage, height: number): RgbImage {
  const factor = img.height / height;
  const block = Math.max(1, Math.floor(factor / REDUCE_GAP));
  const boxed = block > 1 ? rounded(resampleColumns(img, boxTaps(img.height, block))) : img;
  return rounded(resampleColumns(boxed, triangleTaps(boxed.height, height, factor / block)));
}

function shrinkRows(img: RgbImage, width: number): RgbImage {
  const factor = img.width / width;
  const block = Math.max(1, Math.floor(factor / REDUCE_GAP));
  const boxed = block > 1 ? rounded(resampleRows(img, boxTaps(img.width, block))) : img;
  return rounded(resampleRows(boxed, triangleTaps(boxed.width, width, factor / block)));
}

/** Resize interleaved RGB to `width` x `height` the way sharp's 'linear' kernel does (see the module comment). */
export function resizeRgbLinear(img: RgbImage, width: number, height: number): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`target size must be positive integers, got ${width}x${height}`);
  }
  let out = img;
  if (height < out.height) out = shrinkColumns(out, height);
  if (width < out.width) out = shrinkRows(out, width);
  if (width > out.width || height > out.height) {
    out = rounded(resampleRows(resampleColumns(out, bilinearTaps(out.height, height)), bilinearTaps(out.width, width)));
  }
  return out;
}

/**
 * Bilinear sampling of the region `region` (in source pixels, may be fractional) of `map` onto a
 * `width` x `height` grid, with half-pixel centres (PyTorch align_corners=false, TF half_pixel_centers):
 * output pixel x samples source x' = region.x + (x + 0.5) * region.width / width - 0.5. Samples are
 * clamped to the region's outermost pixel centres so nothing outside the region bleeds in.
 * No antialiasing on downscale: probabilities are interpolated, not averaged.
 */
export function sampleBilinear(map: ProbabilityMap, region: BBox, width: number, height: number): ProbabilityMap {
  const scaleX = region.width / width;
  const scaleY = region.height / height;
  const minX = Math.max(0, Math.min(map.width - 1, Math.ceil(region.x - 0.5)));
  const maxX = Math.max(minX, Math.min(map.width - 1, Math.floor(region.x + region.width - 0.5)));
  const minY = Math.max(0, Math.min(map.height - 1, Math.ceil(region.y - 0.5)));
  const maxY = Math.max(minY, Math.min(map.height - 1, Math.floor(region.y + region.height - 0.5)));
  const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

  // Column positions are the same for every row: compute them once.
  const x0s = new Int32Array(width);
  const x1s = new Int32Array(width);
  const wxs = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const sx = clamp(region.x + (x + 0.5) * scaleX - 0.5, minX, maxX);
    x0s[x] = Math.floor(sx);
    x1s[x] = Math.min(x0s[x] + 1, maxX);
    wxs[x] = sx - x0s[x];
  }
  const src = map.data;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = clamp(region.y + (y + 0.5) * scaleY - 0.5, minY, maxY);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, maxY);
    const wy = sy - y0;
    const row0 = y0 * map.width;
    const row1 = y1 * map.width;
    for (let x = 0; x < width; x++) {
      const wx = wxs[x];
      const top = src[row0 + x0s[x]] * (1 - wx) + src[row0 + x1s[x]] * wx;
      const bottom = src[row1 + x0s[x]] * (1 - wx) + src[row1 + x1s[x]] * wx;
      data[y * width + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return { width, height, data };
}

/** Area-average downscale (each output pixel averages the source pixels it covers). */
export function downscaleArea(img: RgbImage, width: number, height: number): RgbImage {
  const { width: w, height: h, data: src } = img;
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor((y * h) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * h) / height));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor((x * w) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * w) / width));
      let r = 0, g = 0, b = 0;
      for (let sy = y0; sy < y1; sy++) {
        for (let sx = x0; sx < x1; sx++) {
          const o = (sy * w + sx) * 3;
          r += src[o]!;
          g += src[o + 1]!;
          b += src[o + 2]!;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * width + x) * 3;
      out[o] = Math.round(r / n);
      out[o + 1] = Math.round(g / n);
      out[o + 2] = Math.round(b / n);
    }
  }
  return { width, height, data: out };
}

/** Bilinear upscale with half-pixel centres (align_corners=false), edges clamped. */
export function upscaleBilinear(img: RgbImage, width: number, height: number): RgbImage {
  const { width: w, height: h, data: src } = img;
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / height - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    const wy = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / width - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const wx = sx - x0;
      const o = (y * width + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = src[(y0 * w + x0) * 3 + ch]! * (1 - wx) + src[(y0 * w + x1) * 3 + ch]! * wx;
        const bottom = src[(y1 * w + x0) * 3 + ch]! * (1 - wx) + src[(y1 * w + x1) * 3 + ch]! * wx;
        out[o + ch] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return { width, height, data: out };
}
