import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeImage } from '../../src/image/decode.js';
import { renderOverlay } from '../../src/image/overlay.js';
import type { GrayImage, RgbImage } from '../../src/image/types.js';
import { pixelAt, solidImage } from './fixtures.js';

const WIDTH = 300;
const HEIGHT = 200;
const GRAY: [number, number, number] = [128, 128, 128];

/** A filled square lesion, columns and rows 100..179. */
function squareMask(): GrayImage {
  const data = new Uint8Array(WIDTH * HEIGHT);
  for (let y = 100; y < 180; y++) data.fill(255, y * WIDTH + 100, y * WIDTH + 180);
  return { width: WIDTH, height: HEIGHT, data };
}

function isGreen([r, g, b]: number[]): boolean {
  return g > 200 && r < 60 && b < 60;
}

function countPixels(img: RgbImage, region: { x0: number; y0: number; x1: number; y1: number }, match: (rgb: number[]) => boolean): number {
  let count = 0;
  for (let y = region.y0; y < region.y1; y++) for (let x = region.x0; x < region.x1; x++) if (match(pixelAt(img, x, y))) count++;
  return count;
}

describe('renderOverlay', () => {
  test('draws a green outline around the lesion and leaves the rest of the photo alone', async () => {
    const out = await decodeImage(await renderOverlay(solidImage(WIDTH, HEIGHT, GRAY), squareMask(), ''));
    assert.deepEqual([out.width, out.height], [WIDTH, HEIGHT]);
    for (const [x, y] of [[100, 140], [179, 140], [140, 100], [140, 179], [99, 140], [140, 180]]) assert.ok(isGreen(pixelAt(out, x, y)), `(${x},${y})`);
    assert.deepEqual(pixelAt(out, 140, 140), GRAY);
    assert.deepEqual(pixelAt(out, 20, 20), GRAY);
    assert.deepEqual(pixelAt(out, 96, 140), GRAY, 'outline is a few pixels wide, not more');
  });

  test('renders the label as light text on a dark box at the top left', async () => {
    const out = await decodeImage(await renderOverlay(solidImage(WIDTH, HEIGHT, GRAY), squareMask(), 'mel 71.2% — research use only'));
    const labelArea = { x0: 0, y0: 0, x1: WIDTH, y1: 40 };
    const dark = countPixels(out, labelArea, ([r, g, b]) => r < 70 && g < 70 && b < 70);
    const light = countPixels(out, labelArea, ([r, g, b]) => r > 200 && g > 200 && b > 200);
    assert.ok(dark > 500, `dark box pixels: ${dark}`);
    assert.ok(light > 100, `text pixels: ${light}`);
    assert.deepEqual(pixelAt(out, WIDTH - 5, HEIGHT - 5), GRAY);
  });

  test('an empty mask draws no outline; markup characters in the label are shown, not parsed', async () => {
    const empty = { width: WIDTH, height: HEIGHT, data: new Uint8Array(WIDTH * HEIGHT) };
    const out = await decodeImage(await renderOverlay(solidImage(WIDTH, HEIGHT, GRAY), empty, '<b>a & b</b>'));
    assert.equal(countPixels(out, { x0: 0, y0: 0, x1: WIDTH, y1: HEIGHT }, isGreen), 0);
  });

  test('tiny images still get a PNG of the same size', async () => {
    const tiny = { width: 3, height: 3, data: Uint8Array.from([0, 0, 0, 0, 255, 0, 0, 0, 0]) };
    const out = await decodeImage(await renderOverlay(solidImage(3, 3, GRAY), tiny, 'nv 90%'));
    assert.deepEqual([out.width, out.height], [3, 3]);
  });

  test('rejects a mask of another size', async () => {
    await assert.rejects(renderOverlay(solidImage(4, 4, GRAY), { width: 2, height: 2, data: new Uint8Array(4) }, 'x'), /sizes differ/);
  });
});
