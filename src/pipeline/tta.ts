/**
 * Test-time augmentation over the eight symmetries of the square (identity, rotations by 90°,
 * 180°, 270°, and each of those after a horizontal flip). Dermoscopy has no canonical
 * orientation, so averaging a model's outputs over these views is a free ensemble; for masks
 * each output is mapped back to the original orientation before averaging.
 */

/** Number of views: the dihedral group of the square. */
export const TTA_VIEWS = 8;

/** Where pixel (y, x) of a size x size image lands under view k (k < 4: rotate k x 90°; k >= 4: flip first). */
function viewIndex(k: number, size: number, y: number, x: number): number {
  let yy = y;
  let xx = k >= 4 ? size - 1 - x : x;
  for (let r = 0; r < k % 4; r++) [yy, xx] = [size - 1 - xx, yy];
  return yy * size + xx;
}

/** Move each pixel between the original orientation and view k, either way. */
function reorient(data: Float32Array, size: number, channels: number, k: number, direction: 'toView' | 'fromView'): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const original = (y * size + x) * channels;
      const viewed = viewIndex(k, size, y, x) * channels;
      const [from, to] = direction === 'toView' ? [original, viewed] : [viewed, original];
      for (let c = 0; c < channels; c++) out[to + c] = data[from + c]!;
    }
  }
  return out;
}

/** View k of a square HWC image (`channels` values per pixel). */
export function toView(data: Float32Array, size: number, channels: number, k: number): Float32Array {
  return reorient(data, size, channels, k, 'toView');
}

/** Undo `toView`: bring an output computed on view k back to the original orientation. */
export function fromView(data: Float32Array, size: number, channels: number, k: number): Float32Array {
  return reorient(data, size, channels, k, 'fromView');
}

/** Average of `run` over all views of a square input (`channels` per pixel); `mapBack` says whether outputs are images to re-orient. */
export async function averageOverViews(
  input: Float32Array,
  size: number,
  run: (x: Float32Array) => Promise<Float32Array>,
  mapBack: boolean,
  channels = 3,
): Promise<Float32Array> {
  let sum: Float32Array | null = null;
  for (let k = 0; k < TTA_VIEWS; k++) {
    let out = await run(toView(input, size, channels, k));
    if (mapBack) out = fromView(out, size, out.length / (size * size), k);
    if (!sum) sum = new Float32Array(out.length);
    for (let i = 0; i < out.length; i++) sum[i]! += out[i]!;
  }
  for (let i = 0; i < sum!.length; i++) sum![i]! /= TTA_VIEWS;
  return sum!;
}
