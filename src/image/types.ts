/** Interleaved 8-bit RGB pixels, row-major, `data.length === width * height * 3`. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** One byte per pixel, row-major. Binary masks hold only 0 and 255 (or 0 and 1 where stated). */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Float probabilities per pixel in [0, 1], row-major. */
export interface ProbabilityMap {
  width: number;
  height: number;
  data: Float32Array;
}

/** Inclusive-exclusive pixel box: columns x..x+width-1, rows y..y+height-1. */
export interface BBox {
  x: number;
  y: number;
  width: number;
  height: number;
}
