/**
 * `fitToSquare` for the browser: the geometry of src/image/resize.ts's `fitToSquare` (stretch,
 * or letterbox centred on black) with the pure-TypeScript resize in place of sharp.
 * test/web/cascade.test.ts checks that both give the same transform.
 */
import type { ResizeMode } from '../../src/models/config.js';
import type { BBox, RgbImage, SquareTransform } from '../../src/image/types.js';
import { resizeRgbLinear } from './resize.js';

export function fitToSquarePure(img: RgbImage, size: number, mode: ResizeMode): { image: RgbImage; transform: SquareTransform } {
  const source = { sourceWidth: img.width, sourceHeight: img.height };
  if (mode === 'stretch') {
    return { image: resizeRgbLinear(img, size, size), transform: { mode, size, ...source, content: { x: 0, y: 0, width: size, height: size } } };
  }
  if (mode !== 'letterbox') throw new RangeError(`unknown resize mode '${String(mode)}' (expected 'stretch' or 'letterbox')`);
  const scale = size / Math.max(img.width, img.height);
  const contentWidth = Math.max(1, Math.min(size, Math.round(img.width * scale)));
  const contentHeight = Math.max(1, Math.min(size, Math.round(img.height * scale)));
  const content: BBox = {
    x: Math.floor((size - contentWidth) / 2),
    y: Math.floor((size - contentHeight) / 2),
    width: contentWidth,
    height: contentHeight,
  };
  const resized = resizeRgbLinear(img, contentWidth, contentHeight);
  const data = new Uint8Array(size * size * 3);
  const rowBytes = contentWidth * 3;
  for (let y = 0; y < contentHeight; y++) {
    data.set(resized.data.subarray(y * rowBytes, (y + 1) * rowBytes), ((content.y + y) * size + content.x) * 3);
  }
  return { image: { width: size, height: size, data }, transform: { mode, size, ...source, content } };
}
