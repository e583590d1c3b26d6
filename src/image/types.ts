import type { ResizeMode } from '../vocabulary.js';

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

/**
 * How `fitToSquare` placed an image inside its square model input, so a prediction made on the
 * square can be mapped back onto the original image (`probabilityFromSquare`).
 */
export interface SquareTransform {
  mode: ResizeMode;
  /** Side of the square input in pixels. */
  size: number;
  /** Size of the image before it was fitted. */
  sourceWidth: number;
  sourceHeight: number;
  /** Where the resized image sits inside the square: the whole square for 'stretch', the unpadded area for 'letterbox'. */
  content: BBox;
}
