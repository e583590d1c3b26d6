/**
 * A heat map over a photo: a 0..255 map (e.g. a class activation map) coloured with a Turbo-like
 * ramp (dark blue = none, red = strongest) and blended onto the picture, so the photo stays
 * readable under it. Pure TypeScript: the CLI and the server encode the result with sharp, the
 * web page with a canvas.
 */
import { assertGray, assertRgb, assertSameSize } from './check.js';
import type { GrayImage, RgbImage } from './types.js';

/** Stops of the colour ramp (after Google's Turbo), evenly spaced from 0 to 1. */
const RAMP: ReadonlyArray<readonly [number, number, number]> = [
  [48, 18, 59], [70, 107, 227], [40, 187, 236], [49, 242, 153], [162, 252, 60], [237, 208, 58], [251, 128, 34], [190, 30, 10],
];

/** How much of the colour covers the photo: enough to read the map, little enough to see the lesion under it. */
export const HEATMAP_OPACITY = 0.5;

function rampTable(): Uint8Array {
  const table = new Uint8Array(256 * 3);
  for (let v = 0; v < 256; v++) {
    const at = (v / 255) * (RAMP.length - 1);
    const i = Math.min(RAMP.length - 2, Math.floor(at));
    const t = at - i;
    for (let c = 0; c < 3; c++) table[v * 3 + c] = Math.round(RAMP[i]![c]! * (1 - t) + RAMP[i + 1]![c]! * t);
  }
  return table;
}

const COLOURS = rampTable();

/** `img` with `heat` (same size, 0..255) coloured and blended on it. */
export function heatmapOverlay(img: RgbImage, heat: GrayImage): RgbImage {
  assertRgb(img);
  assertGray(heat, 'heat map');
  assertSameSize(img, heat, 'heatmapOverlay image and map');
  const data = new Uint8Array(img.data.length);
  for (let i = 0; i < heat.data.length; i++) {
    const colour = heat.data[i]! * 3;
    for (let c = 0; c < 3; c++) {
      data[i * 3 + c] = Math.round(img.data[i * 3 + c]! * (1 - HEATMAP_OPACITY) + COLOURS[colour + c]! * HEATMAP_OPACITY);
    }
  }
  return { width: img.width, height: img.height, data };
}
