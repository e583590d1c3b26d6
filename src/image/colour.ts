/**
 * Colour constancy: dermoscopes, lighting and camera white balance differ between clinics, and a
 * classifier should not learn them. Shades of Gray (Finlayson & Trezzi 2004) estimates the
 * illuminant per channel as the Minkowski p-norm of its values and scales each channel to the
 * common grey; p = 6 is what the top ISIC 2018/2019 entries used (Barata et al. 2015).
 */
import { assertRgb } from './check.js';
import type { RgbImage } from './types.js';

export const SHADES_OF_GRAY_POWER = 6;

/** Each channel scaled so that its p-norm equals the mean of the three; clamped to 0..255. */
export function shadesOfGray(img: RgbImage, power = SHADES_OF_GRAY_POWER): RgbImage {
  assertRgb(img);
  const lut = new Float64Array(256);
  for (let v = 0; v < 256; v++) lut[v] = Math.pow(v / 255, power);
  const sums = [0, 0, 0];
  const src = img.data;
  for (let i = 0; i < src.length; i += 3) {
    sums[0]! += lut[src[i]!]!;
    sums[1]! += lut[src[i + 1]!]!;
    sums[2]! += lut[src[i + 2]!]!;
  }
  const n = src.length / 3;
  const norms = sums.map((s) => Math.pow(s / n, 1 / power));
  const grey = (norms[0]! + norms[1]! + norms[2]!) / 3;
  // A black channel has no illuminant to estimate: leave it as it is.
  const gains = norms.map((e) => (e > 1e-6 ? grey / e : 1));
  const tables = gains.map((g) => {
    const t = new Uint8Array(256);
    for (let v = 0; v < 256; v++) t[v] = Math.min(255, Math.round(v * g));
    return t;
  });
  const data = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i += 3) {
    data[i] = tables[0]![src[i]!]!;
    data[i + 1] = tables[1]![src[i + 1]!]!;
    data[i + 2] = tables[2]![src[i + 2]!]!;
  }
  return { width: img.width, height: img.height, data };
}
