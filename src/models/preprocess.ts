/**
 * The one preprocessing path from pixels to model input, driven only by the model's
 * `Preprocessing` config. CLI, server, web, training and evaluation all call these functions,
 * so a model always sees its inputs exactly as it was trained on them.
 */
import type { RgbImage } from '../image/types.js';
import { fitToSquare, type RgbResizer, type SquareTransform } from '../image/resize.js';
import { shadesOfGray } from '../image/colour.js';
import type { Preprocessing } from './config.js';

/** The configured colour constancy (none when absent), on the image already fitted to the input size. */
export function applyColourConstancy(img: RgbImage, p: Preprocessing): RgbImage {
  return p.colourConstancy === 'shades-of-gray' ? shadesOfGray(img) : img;
}

/**
 * Normalise an already-sized RGB image into NHWC float32 values:
 * x' = (x * scale - mean[c]) / std[c], in the channel order the network expects.
 * Writes into `out` at `offset` (for filling a batch) or a new array.
 */
export function normalizeToInput(img: RgbImage, p: Preprocessing, out?: Float32Array, offset = 0): Float32Array {
  const n = img.width * img.height;
  const target = out ?? new Float32Array(n * 3);
  if (target.length < offset + n * 3) throw new Error(`input buffer too small: need ${offset + n * 3} values, have ${target.length}`);
  const order = p.channelOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  const mul = order.map((_, c) => p.scale / p.std[c]!);
  const add = order.map((_, c) => -p.mean[c]! / p.std[c]!);
  const src = img.data;
  for (let i = 0; i < n; i++) {
    const s = i * 3;
    const d = offset + s;
    for (let c = 0; c < 3; c++) target[d + c] = src[s + order[c]!]! * mul[c]! + add[c]!;
  }
  return target;
}

export interface PreparedInput {
  /** NHWC float32, batch of one: [1, inputSize, inputSize, 3]. */
  data: Float32Array;
  /** How the image was fitted into the square, to map outputs back. */
  transform: SquareTransform;
}

/** Resize (stretch or letterbox, as configured) and normalise one image for a model. */
export async function prepareInput(img: RgbImage, p: Preprocessing, resize?: RgbResizer): Promise<PreparedInput> {
  const { image, transform } = await fitToSquare(img, p.inputSize, p.resizeMode, resize);
  return { data: normalizeToInput(applyColourConstancy(image, p), p), transform };
}
