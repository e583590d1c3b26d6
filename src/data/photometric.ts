/**
 * Pixel-value augmentations, image only (masks are unaffected): brightness/contrast/gamma through
 * one lookup table, saturation and hue through one colour matrix, a small Gaussian blur or an
 * unsharp mask, and downscale-then-upscale to mimic low-resolution sources (real inputs arrive at
 * many resolutions, often far below the training images'; and sharper ones than the pool's
 * downscaled copies).
 */
import type { RgbImage } from '../image/types.js';
import { downscaleArea, upscaleBilinear } from '../image/resample.js';

export interface ToneParams {
  /** Multiplier on pixel values (Keras brightness_range / PIL Brightness). */
  brightness: number;
  /** Stretch around the image's mean grey level; 1 = unchanged. */
  contrast: number;
  /** out = 255 * (in / 255) ^ gamma, applied last; 1 = unchanged. */
  gamma: number;
}

function meanLevel(img: RgbImage): number {
  let sum = 0;
  for (const v of img.data) sum += v;
  return sum / img.data.length;
}

/** Brightness, then contrast about the mean, then gamma: one 256-entry table, clamped to 0..255. */
export function adjustTone(img: RgbImage, p: ToneParams): RgbImage {
  if (p.brightness === 1 && p.contrast === 1 && p.gamma === 1) return img;
  const pivot = meanLevel(img) * p.brightness;
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    const contrasted = (v * p.brightness - pivot) * p.contrast + pivot;
    const clamped = Math.min(255, Math.max(0, contrasted));
    lut[v] = Math.round(255 * Math.pow(clamped / 255, p.gamma));
  }
  const data = new Uint8Array(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = lut[img.data[i]!]!;
  return { width: img.width, height: img.height, data };
}

function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(sigma * 2.5));
  const kernel = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kernel.length; i++) kernel[i]! /= sum;
  return kernel;
}

/** Mirror index (edge repeated) for the blur's borders. */
function mirror(i: number, n: number): number {
  if (i < 0) return Math.min(n - 1, -i - 1);
  if (i >= n) return Math.max(0, 2 * n - i - 1);
  return i;
}

/** Separable Gaussian blur; sigma <= 0 returns the image unchanged. */
export function gaussianBlur(img: RgbImage, sigma: number): RgbImage {
  if (sigma <= 0) return img;
  const { width: w, height: h, data: src } = img;
  const kernel = gaussianKernel(sigma);
  const radius = (kernel.length - 1) / 2;
  const tmp = new Float32Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0, g = 0, b = 0;
      for (let k = -radius; k <= radius; k++) {
        const o = (y * w + mirror(x + k, w)) * 3;
        const kw = kernel[k + radius]!;
        r += src[o]! * kw;
        g += src[o + 1]! * kw;
        b += src[o + 2]! * kw;
      }
      const o = (y * w + x) * 3;
      tmp[o] = r;
      tmp[o + 1] = g;
      tmp[o + 2] = b;
    }
  }
  const out = new Uint8Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0, g = 0, b = 0;
      for (let k = -radius; k <= radius; k++) {
        const o = (mirror(y + k, h) * w + x) * 3;
        const kw = kernel[k + radius]!;
        r += tmp[o]! * kw;
        g += tmp[o + 1]! * kw;
        b += tmp[o + 2]! * kw;
      }
      const o = (y * w + x) * 3;
      out[o] = Math.round(r);
      out[o + 1] = Math.round(g);
      out[o + 2] = Math.round(b);
    }
  }
  return { width: w, height: h, data: out };
}

/** Loses detail as a `scale`-times smaller source would, keeping the size; scale >= 1 is a no-op. */
export function downscaleUpscale(img: RgbImage, scale: number): RgbImage {
  if (scale >= 1) return img;
  const small = downscaleArea(img, Math.max(1, Math.round(img.width * scale)), Math.max(1, Math.round(img.height * scale)));
  return upscaleBilinear(small, img.width, img.height);
}

export interface ColourParams {
  /** Chroma multiplier (0 = grey, 1 = unchanged). */
  saturation: number;
  /** Hue rotation in degrees. */
  hueDeg: number;
}

/** RGB -> YIQ (NTSC): Y carries the luminance, I/Q the chroma plane that hue rotates and saturation scales. */
const TO_YIQ = [0.299, 0.587, 0.114, 0.596, -0.274, -0.322, 0.211, -0.523, 0.312];
const FROM_YIQ = [1, 0.956, 0.621, 1, -0.272, -0.647, 1, -1.106, 1.703];

function multiply3(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) out[r * 3 + c]! += a[r * 3 + k]! * b[k * 3 + c]!;
  return out;
}

/** Saturation and hue as one 3x3 matrix in RGB (luminance kept), clamped to 0..255. */
export function adjustColour(img: RgbImage, p: ColourParams): RgbImage {
  if (p.saturation === 1 && p.hueDeg === 0) return img;
  const t = (p.hueDeg * Math.PI) / 180;
  const [cos, sin] = [Math.cos(t) * p.saturation, Math.sin(t) * p.saturation];
  const chroma = [1, 0, 0, 0, cos, -sin, 0, sin, cos];
  const m = multiply3(FROM_YIQ, multiply3(chroma, TO_YIQ));
  const src = img.data;
  const data = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i += 3) {
    const r = src[i]!, g = src[i + 1]!, b = src[i + 2]!;
    for (let c = 0; c < 3; c++) {
      const v = m[c * 3]! * r + m[c * 3 + 1]! * g + m[c * 3 + 2]! * b;
      data[i + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  return { width: img.width, height: img.height, data };
}

/** Unsharp mask: img + amount * (img - blur(img)); amount <= 0 returns the image unchanged. */
export function sharpen(img: RgbImage, amount: number, sigma = 1): RgbImage {
  if (amount <= 0) return img;
  const blurred = gaussianBlur(img, sigma).data;
  const src = img.data;
  const data = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i]! + amount * (src[i]! - blurred[i]!);
    data[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  return { width: img.width, height: img.height, data };
}
