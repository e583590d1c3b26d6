import type { RgbResizer } from '../image/resize.js';

/** How each stage runs: test-time augmentation, and the resizer (sharp unless given; the browser brings its own). */
export interface StageOptions {
  tta?: boolean;
  resize?: RgbResizer;
}
