import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fitToSquare, resizeRgb } from '../../src/image/resize.js';
import type { RgbImage } from '../../src/image/types.js';
import { resizeRgbLinear } from '../../src/image/resample.js';

/** Deterministic test pictures: smooth (photo-like) gradients, and noise, the worst case. */
function picture(width: number, height: number, kind: 'smooth' | 'noise'): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let state = 7;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        data[(y * width + x) * 3 + c] = kind === 'noise' ? state >>> 24 : Math.round(127 + 100 * Math.sin(x * 0.05 * (c + 1)) * Math.cos(y * 0.07));
      }
    }
  }
  return { width, height, data };
}

function difference(a: RgbImage, b: RgbImage): { max: number; mean: number } {
  assert.deepEqual([b.width, b.height], [a.width, a.height]);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i]! - b.data[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / a.data.length };
}

describe('resizeRgbLinear (the browser resize) against sharp', () => {
  // [source w, h, target w, h]: HAM10000 photos to the segmenter and classifier inputs, big photos,
  // sizes that do not divide, one axis down and the other up (stretch of a 4:3 photo to 512).
  const cases: Array<[number, number, number, number]> = [
    [600, 450, 64, 64], [601, 451, 64, 64], [600, 450, 224, 224], [600, 450, 512, 512], [450, 600, 512, 512],
    [1600, 1200, 512, 512], [96, 72, 64, 64], [333, 517, 299, 299], [130, 90, 64, 64], [64, 100, 64, 64],
  ];
  for (const [w, h, tw, th] of cases) {
    it(`${w}x${h} -> ${tw}x${th}: under half a grey level on average`, async () => {
      for (const kind of ['smooth', 'noise'] as const) {
        const img = picture(w, h, kind);
        const { max, mean } = difference(await resizeRgb(img, tw, th), resizeRgbLinear(img, tw, th));
        assert.ok(mean < 0.55, `${kind}: mean difference ${mean.toFixed(3)}`);
        assert.ok(max <= (kind === 'smooth' ? 6 : 16), `${kind}: max difference ${max}`);
      }
    });
  }

  it('matches sharp exactly when only enlarging, and copies at the same size', async () => {
    for (const [w, h, tw, th] of [[40, 30, 64, 64], [150, 90, 224, 224], [7, 5, 64, 64]] as const) {
      const img = picture(w, h, 'noise');
      assert.ok(difference(await resizeRgb(img, tw, th), resizeRgbLinear(img, tw, th)).max <= 1, `${w}x${h} -> ${tw}x${th}`);
    }
    const img = picture(64, 64, 'noise');
    assert.deepEqual(resizeRgbLinear(img, 64, 64).data, img.data);
  });

  it('refuses a target size that is not a positive integer', () => {
    assert.throws(() => resizeRgbLinear(picture(4, 4, 'smooth'), 0, 4), /positive integers/);
    assert.throws(() => resizeRgbLinear(picture(4, 4, 'smooth'), 2.5, 4), /positive integers/);
  });
});

describe('fitToSquare with the browser resizer against sharp', () => {
  it('places the image in the square exactly as the Node path does, in both modes', async () => {
    for (const [w, h] of [[600, 450], [450, 600], [97, 31], [64, 64], [1, 200]] as const) {
      for (const mode of ['stretch', 'letterbox'] as const) {
        const img = picture(w, h, 'smooth');
        const node = await fitToSquare(img, 64, mode);
        const browser = await fitToSquare(img, 64, mode, resizeRgbLinear);
        assert.deepEqual(browser.transform, node.transform, `${w}x${h} ${mode}`);
        assert.ok(difference(node.image, browser.image).mean < 0.55, `${w}x${h} ${mode}`);
      }
    }
  });
});
