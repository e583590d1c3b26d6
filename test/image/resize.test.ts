import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { boundingBox, threshold } from '../../src/image/mask.js';
import { fitToSquare, probabilityFromSquare, resizeGray, resizeProbability, resizeRgb } from '../../src/image/resize.js';
import type { GrayImage, ProbabilityMap, RgbImage } from '../../src/image/types.js';
import { coordinateImage, pixelAt, probabilityMap, rowsFromMask, solidImage } from './fixtures.js';

function closeTo(actual: ArrayLike<number>, expected: number[], tolerance = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('resizeRgb', () => {
  test('returns the requested size, keeps a solid colour, is the identity at the same size', async () => {
    const solid = await resizeRgb(solidImage(7, 5, [10, 120, 250]), 3, 11);
    assert.equal(solid.width, 3);
    assert.equal(solid.height, 11);
    assert.equal(solid.data.length, 3 * 11 * 3);
    for (let i = 0; i < 33; i++) assert.deepEqual([...solid.data.subarray(i * 3, i * 3 + 3)], [10, 120, 250]);

    const img = coordinateImage(5, 4);
    assert.deepEqual((await resizeRgb(img, 5, 4)).data, img.data);
  });

  test('downscaling averages (antialiased) and is centred', async () => {
    const stripes = solidImage(8, 1, [0, 0, 0]);
    for (let x = 1; x < 8; x += 2) stripes.data.fill(255, x * 3, x * 3 + 3);
    assert.deepEqual([...(await resizeRgb(stripes, 2, 1)).data], [128, 128, 128, 128, 128, 128]);

    // A linear ramp 0, 32, ..., 224 halved: interior outputs sit at the centres of source pairs.
    const ramp: RgbImage = { width: 8, height: 1, data: Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7].flatMap((x) => [x * 32, x * 32, x * 32])) };
    const half = await resizeRgb(ramp, 4, 1);
    closeTo([half.data[3], half.data[6]], [80, 144], 1);
  });

  test('rejects a malformed image and bad target sizes', async () => {
    await assert.rejects(resizeRgb({ width: 2, height: 2, data: new Uint8Array(11) }, 4, 4), /expected 2x2x3 = 12 bytes, got 11/);
    await assert.rejects(resizeRgb(solidImage(2, 2, [0, 0, 0]), 0, 4), /positive integers/);
    await assert.rejects(resizeRgb(solidImage(2, 2, [0, 0, 0]), 2.5, 4), /positive integers/);
  });
});

describe('resizeGray', () => {
  const checker: GrayImage = { width: 2, height: 2, data: Uint8Array.from([0, 255, 255, 0]) };

  test("'nearest' keeps a mask binary and one channel", async () => {
    const big = await resizeGray(checker, 6, 6, 'nearest');
    assert.equal(big.data.length, 36);
    assert.deepEqual(rowsFromMask(big), ['...###', '...###', '...###', '###...', '###...', '###...']);
  });

  test("'linear' gives intermediate values", async () => {
    const big = await resizeGray(checker, 6, 6, 'linear');
    assert.equal(big.data.length, 36);
    assert.ok([...big.data].some((v) => v > 20 && v < 235));
  });
});

describe('resizeProbability', () => {
  test('half-pixel centres: upscaling a 2-pixel ramp', () => {
    closeTo(resizeProbability(probabilityMap(2, 1, [0, 1]), 4, 1).data, [0, 0.25, 0.75, 1]);
  });

  test('half-pixel centres: downscaling samples between source pixels', () => {
    closeTo(resizeProbability(probabilityMap(4, 1, [0, 1, 2, 3]), 2, 1).data, [0.5, 2.5]);
  });

  test('two-dimensional and identity at the same size', () => {
    const map = probabilityMap(2, 2, [0, 1, 1, 0]);
    closeTo(resizeProbability(map, 2, 2).data, [0, 1, 1, 0]);
    const big = resizeProbability(map, 4, 4);
    closeTo([big.data[0], big.data[5], big.data[6], big.data[15]], [0, 0.375, 0.625, 0]);
  });
});

/** A bright rectangle on a dark background, and its true mask. */
function rectangleScene(width: number, height: number, rect: { x: number; y: number; w: number; h: number }): { img: RgbImage; mask: GrayImage } {
  const img = solidImage(width, height, [20, 20, 20]);
  const mask: GrayImage = { width, height, data: new Uint8Array(width * height) };
  for (let y = rect.y; y < rect.y + rect.h; y++) {
    for (let x = rect.x; x < rect.x + rect.w; x++) {
      img.data.set([230, 230, 230], (y * width + x) * 3);
      mask.data[y * width + x] = 255;
    }
  }
  return { img, mask };
}

/** What a perfect segmenter would say about a fitted image: brightness as probability. */
function brightnessProbability(img: RgbImage): ProbabilityMap {
  const data = new Float32Array(img.width * img.height);
  for (let i = 0; i < data.length; i++) data[i] = img.data[i * 3] / 255;
  return { width: img.width, height: img.height, data };
}

function intersectionOverUnion(a: GrayImage, b: GrayImage): number {
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.data.length; i++) {
    if (a.data[i] && b.data[i]) both++;
    if (a.data[i] || b.data[i]) either++;
  }
  return both / either;
}

describe('fitToSquare', () => {
  test("'stretch' fills the square and records the whole square as content", async () => {
    const { image, transform } = await fitToSquare(solidImage(30, 10, [9, 9, 9]), 16, 'stretch');
    assert.equal(image.width, 16);
    assert.equal(image.height, 16);
    assert.deepEqual(transform, { mode: 'stretch', size: 16, sourceWidth: 30, sourceHeight: 10, content: { x: 0, y: 0, width: 16, height: 16 } });
    assert.deepEqual(pixelAt(image, 0, 0), [9, 9, 9]);
  });

  test("'letterbox' keeps the aspect ratio, centres the image and pads with black", async () => {
    const img = coordinateImage(8, 4);
    const { image, transform } = await fitToSquare(img, 8, 'letterbox');
    assert.deepEqual(transform.content, { x: 0, y: 2, width: 8, height: 4 });
    for (let x = 0; x < 8; x++) {
      assert.deepEqual(pixelAt(image, x, 0), [0, 0, 0]);
      assert.deepEqual(pixelAt(image, x, 7), [0, 0, 0]);
      assert.deepEqual(pixelAt(image, x, 3), pixelAt(img, x, 1));
    }
    const tall = await fitToSquare(solidImage(10, 30, [50, 60, 70]), 12, 'letterbox');
    assert.deepEqual(tall.transform.content, { x: 4, y: 0, width: 4, height: 12 });
    assert.deepEqual(pixelAt(tall.image, 3, 6), [0, 0, 0]);
    assert.deepEqual(pixelAt(tall.image, 4, 6), [50, 60, 70]);
  });

  test('rejects an unknown mode', async () => {
    await assert.rejects(fitToSquare(solidImage(4, 4, [0, 0, 0]), 8, 'crop' as 'stretch'), /unknown resize mode 'crop'/);
  });
});

describe('fitToSquare -> probabilityFromSquare round trip', () => {
  const cases = [
    { name: 'landscape, downscaled', width: 120, height: 80, size: 48, rect: { x: 70, y: 10, w: 30, h: 40 } },
    { name: 'portrait, upscaled', width: 30, height: 50, size: 64, rect: { x: 4, y: 30, w: 12, h: 14 } },
  ];
  for (const mode of ['stretch', 'letterbox'] as const) {
    for (const c of cases) {
      test(`${mode}: ${c.name}: the shape comes back where it was`, async () => {
        const { img, mask } = rectangleScene(c.width, c.height, c.rect);
        const { image, transform } = await fitToSquare(img, c.size, mode);
        const back = probabilityFromSquare(brightnessProbability(image), transform, c.width, c.height);
        assert.equal(back.width, c.width);
        assert.equal(back.height, c.height);
        const recovered = threshold(back, 0.5);
        const box = boundingBox(recovered);
        assert.ok(box, 'shape lost');
        for (const [got, want] of [[box.x, c.rect.x], [box.y, c.rect.y], [box.x + box.width, c.rect.x + c.rect.w], [box.y + box.height, c.rect.y + c.rect.h]]) {
          assert.ok(Math.abs(got - want) <= 1, `box ${JSON.stringify(box)} vs ${JSON.stringify(c.rect)}`);
        }
        assert.ok(intersectionOverUnion(recovered, mask) > 0.85);
      });
    }
  }

  test('letterbox padding never leaks into the result', () => {
    // Square map with probability 1 in the padding and 0 in the content: the output must be all 0.
    const transform = { mode: 'letterbox' as const, size: 8, sourceWidth: 16, sourceHeight: 8, content: { x: 0, y: 2, width: 8, height: 4 } };
    const data = new Float32Array(64).fill(1);
    data.fill(0, 2 * 8, 6 * 8);
    const back = probabilityFromSquare({ width: 8, height: 8, data }, transform, 16, 8);
    assert.ok(back.data.every((v) => v === 0));
  });

  test('a map at a lower resolution than the square input is scaled to it', () => {
    // The content sits in rows 2..5 of an 8x8 square; the map is 4x4, so content rows are 1..2.
    const transform = { mode: 'letterbox' as const, size: 8, sourceWidth: 8, sourceHeight: 4, content: { x: 0, y: 2, width: 8, height: 4 } };
    const data = Float32Array.from([1, 1, 1, 1, 0.2, 0.2, 0.2, 0.2, 0.6, 0.6, 0.6, 0.6, 1, 1, 1, 1]);
    const back = probabilityFromSquare({ width: 4, height: 4, data }, transform, 4, 2);
    closeTo(back.data, [0.2, 0.2, 0.2, 0.2, 0.6, 0.6, 0.6, 0.6]);
  });
});
