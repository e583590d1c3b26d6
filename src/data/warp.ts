/**
 * One affine warp for image and mask together, in pure TypeScript: bilinear for the image,
 * nearest for the mask, the same matrix for both, so they stay aligned to the pixel.
 *
 * Coordinates are pixel centres (pixel i at i), transforms act about the image centre. A flip maps
 * pixel i to pixel (w-1-i) exactly, and the identity maps every pixel onto itself, so both
 * reproduce the input bit for bit.
 */
import type { GrayImage, RgbImage } from '../image/types.js';

/**
 * What the warp samples outside the image:
 * - 'reflect': mirror at the edge, edge pixel repeated (d c b a | a b c d | d c b a; Keras/scipy
 *   'reflect'). The default: dermoscopy backgrounds are skin, so mirrored skin is plausible filler
 *   and no artificial black corners appear for the network to learn.
 * - 'constant': a fixed value (black for images unless told otherwise, background 0 for masks).
 * - 'edge': repeat the edge pixel (Keras 'nearest').
 */
export type BorderMode = 'reflect' | 'constant' | 'edge';

/** Output-to-source mapping: source = [a b; c d] * output + [tx ty]. */
export interface Affine {
  a: number;
  b: number;
  c: number;
  d: number;
  tx: number;
  ty: number;
}

export interface AffineParams {
  /** Counter-clockwise rotation, degrees. */
  rotationDeg: number;
  /** Horizontal shear factor (x += shear * y). */
  shear: number;
  /** Scale factors: > 1 zooms in (content grows). */
  zoomX: number;
  zoomY: number;
  flipH: boolean;
  flipV: boolean;
}

/**
 * The inverse mapping for forward transform  p' = c + R * Sh * Z * F * (p - c): for every output
 * pixel, where to sample the source.
 */
export function inverseAffine(params: AffineParams, width: number, height: number): Affine {
  const theta = (params.rotationDeg * Math.PI) / 180;
  // Image rows grow downwards, so a visually counter-clockwise turn is clockwise in (x, y).
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const fx = params.flipH ? -1 : 1;
  const fy = params.flipV ? -1 : 1;
  // Forward matrix M = R * Sh * Z * F, with R = [cos sin; -sin cos], Sh = [1 s; 0 1].
  const zx = params.zoomX * fx;
  const zy = params.zoomY * fy;
  const m00 = cos * zx;
  const m01 = (cos * params.shear + sin) * zy;
  const m10 = -sin * zx;
  const m11 = (-sin * params.shear + cos) * zy;
  const det = m00 * m11 - m01 * m10;
  if (Math.abs(det) < 1e-12) throw new RangeError('augmentation transform is singular (zoom 0?)');
  const a = m11 / det;
  const b = -m01 / det;
  const c = -m10 / det;
  const d = m00 / det;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  return { a, b, c, d, tx: cx - a * cx - b * cy, ty: cy - c * cx - d * cy };
}

export function isIdentity(m: Affine): boolean {
  return m.a === 1 && m.b === 0 && m.c === 0 && m.d === 1 && m.tx === 0 && m.ty === 0;
}

/** Index into [0, n) for an integer position outside it, or -1 for 'constant'. */
function borderIndex(i: number, n: number, mode: BorderMode): number {
  if (i >= 0 && i < n) return i;
  if (mode === 'constant') return -1;
  if (mode === 'edge') return i < 0 ? 0 : n - 1;
  // reflect with the edge repeated: period 2n, -1 -> 0, n -> n-1
  const period = 2 * n;
  let k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - 1 - k;
}

/** Source positions within this distance of a pixel centre count as on it: keeps exact maps exact. */
const SNAP = 1e-6;

function snap(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - r) < SNAP ? r : v;
}

/** Bilinear warp of an RGB image. `fill` is the RGB value used by the 'constant' border. */
export function warpRgb(img: RgbImage, m: Affine, border: BorderMode, fill: [number, number, number] = [0, 0, 0]): RgbImage {
  const { width: w, height: h, data: src } = img;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = snap(m.a * x + m.b * y + m.tx);
      const sy = snap(m.c * x + m.d * y + m.ty);
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const wx = sx - x0;
      const wy = sy - y0;
      const ix0 = borderIndex(x0, w, border);
      const ix1 = wx > 0 ? borderIndex(x0 + 1, w, border) : ix0;
      const iy0 = borderIndex(y0, h, border);
      const iy1 = wy > 0 ? borderIndex(y0 + 1, h, border) : iy0;
      // byte offsets of the four neighbours (-1 = outside, 'constant' fill)
      const p00 = ix0 < 0 || iy0 < 0 ? -1 : (iy0 * w + ix0) * 3;
      const p01 = ix1 < 0 || iy0 < 0 ? -1 : (iy0 * w + ix1) * 3;
      const p10 = ix0 < 0 || iy1 < 0 ? -1 : (iy1 * w + ix0) * 3;
      const p11 = ix1 < 0 || iy1 < 0 ? -1 : (iy1 * w + ix1) * 3;
      const w00 = (1 - wx) * (1 - wy);
      const w01 = wx * (1 - wy);
      const w10 = (1 - wx) * wy;
      const w11 = wx * wy;
      const o = (y * w + x) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const f = fill[ch]!;
        const v =
          (p00 < 0 ? f : src[p00 + ch]!) * w00 +
          (p01 < 0 ? f : src[p01 + ch]!) * w01 +
          (p10 < 0 ? f : src[p10 + ch]!) * w10 +
          (p11 < 0 ? f : src[p11 + ch]!) * w11;
        out[o + ch] = Math.round(v);
      }
    }
  }
  return { width: w, height: h, data: out };
}

/** Nearest-neighbour warp of a mask (keeps it binary); outside is background (0) for 'constant'. */
export function warpGray(mask: GrayImage, m: Affine, border: BorderMode): GrayImage {
  const { width: w, height: h, data: src } = mask;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const ix = borderIndex(Math.round(snap(m.a * x + m.b * y + m.tx)), w, border);
      const iy = borderIndex(Math.round(snap(m.c * x + m.d * y + m.ty)), h, border);
      out[y * w + x] = ix < 0 || iy < 0 ? 0 : src[iy * w + ix]!;
    }
  }
  return { width: w, height: h, data: out };
}
