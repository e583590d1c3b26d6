import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_AUGMENTATION,
  IDENTITY_PARAMS,
  PAPER_AUGMENTATION,
  applyAugment,
  augment,
  sampleAugmentParams,
  type AugmentConfig,
} from '../../src/data/augment.js';
import { adjustTone, downscaleUpscale, gaussianBlur } from '../../src/data/photometric.js';
import { createRng } from '../../src/data/random.js';
import type { GrayImage, RgbImage } from '../../src/image/types.js';
import { rectMask, solid } from './helpers.js';

/** Every pixel different: (x * 7 + y) and friends, so any misplaced pixel shows. */
function coordinateImage(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([x * 7 + y, y * 5 + x, (x * y) % 256], (y * width + x) * 3);
  }
  return { width, height, data };
}

const px = (img: RgbImage, x: number, y: number) => [...img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3)];

test('identity parameters return the input unchanged', () => {
  const image = coordinateImage(9, 7);
  const mask = rectMask(9, 7, { x: 2, y: 2, w: 3, h: 3 });
  const out = applyAugment(image, mask, IDENTITY_PARAMS);
  assert.deepEqual(out.image.data, image.data);
  assert.deepEqual(out.mask!.data, mask.data);
});

test('flips are exact, for image and mask alike', () => {
  const image = coordinateImage(9, 7);
  const mask = rectMask(9, 7, { x: 0, y: 0, w: 2, h: 1 });
  const h = applyAugment(image, mask, { ...IDENTITY_PARAMS, flipH: true });
  const v = applyAugment(image, mask, { ...IDENTITY_PARAMS, flipV: true });
  for (let y = 0; y < 7; y++) {
    for (let x = 0; x < 9; x++) {
      assert.deepEqual(px(h.image, x, y), px(image, 8 - x, y));
      assert.deepEqual(px(v.image, x, y), px(image, x, 6 - y));
      assert.equal(h.mask!.data[y * 9 + x], mask.data[y * 9 + 8 - x]);
      assert.equal(v.mask!.data[y * 9 + x], mask.data[(6 - y) * 9 + x]);
    }
  }
});

test('a 90 degree turn is counter-clockwise and exact on a square image', () => {
  const image = coordinateImage(5, 5);
  const out = applyAugment(image, null, { ...IDENTITY_PARAMS, rotationDeg: 90 }).image;
  // the top-right pixel moves to the top-left
  assert.deepEqual(px(out, 0, 0), px(image, 4, 0));
  assert.deepEqual(px(out, 0, 4), px(image, 0, 0));
  assert.deepEqual(px(out, 2, 2), px(image, 2, 2));
});

test('image and mask stay aligned under random geometry (square test)', () => {
  const size = 64;
  const image = solid(size, size, [20, 20, 20]);
  const mask = rectMask(size, size, { x: 20, y: 24, w: 22, h: 18 });
  for (let i = 0; i < size * size; i++) if (mask.data[i]) image.data.set([230, 230, 230], i * 3);
  const geometryOnly: AugmentConfig = { ...PAPER_AUGMENTATION, rotationDeg: 40, shear: 0.2, zoom: 0.2, brightness: null };
  for (let seed = 0; seed < 12; seed++) {
    for (const border of ['reflect', 'constant', 'edge'] as const) {
      const out = augment(image, mask, { ...geometryOnly, border }, createRng(seed));
      let agree = 0;
      let inside = 0;
      for (let i = 0; i < size * size; i++) {
        const bright = out.image.data[i * 3]! > 125;
        const lesion = out.mask!.data[i] === 255;
        if (bright === lesion) agree++;
        if (lesion) inside++;
      }
      assert.ok(inside > 200, `seed ${seed}: the square left the frame (${inside} px)`);
      // only the square's anti-aliased rim may disagree
      assert.ok(agree / (size * size) > 0.97, `seed ${seed} ${border}: agreement ${agree / (size * size)}`);
    }
  }
});

test('the mask stays binary; pixel-value changes leave it alone', () => {
  const image = coordinateImage(32, 24);
  const mask = rectMask(32, 24, { x: 5, y: 5, w: 12, h: 9 });
  const extreme: AugmentConfig = { ...DEFAULT_AUGMENTATION, blur: { probability: 1, maxSigma: 2 }, downscale: { probability: 1, minScale: 0.3 } };
  for (let seed = 0; seed < 5; seed++) {
    const out = augment(image, mask, extreme, createRng(seed));
    assert.ok(out.mask!.data.every((v) => v === 0 || v === 255));
  }
  const toneOnly = applyAugment(image, mask, { ...IDENTITY_PARAMS, brightness: 1.3, contrast: 0.8, gamma: 1.2, blurSigma: 1, downscale: 0.5 });
  assert.deepEqual(toneOnly.mask!.data, mask.data);
  assert.notDeepEqual(toneOnly.image.data, image.data);
});

test('same seed, same output; another seed, another output', () => {
  const image = coordinateImage(40, 30);
  const mask: GrayImage = rectMask(40, 30, { x: 10, y: 8, w: 15, h: 10 });
  const a = augment(image, mask, DEFAULT_AUGMENTATION, createRng(123));
  const b = augment(image, mask, DEFAULT_AUGMENTATION, createRng(123));
  const c = augment(image, mask, DEFAULT_AUGMENTATION, createRng(124));
  assert.deepEqual(a.image.data, b.image.data);
  assert.deepEqual(a.mask!.data, b.mask!.data);
  assert.notDeepEqual(a.image.data, c.image.data);
});

test('sampled parameters respect the configured ranges; disabled flips never happen', () => {
  const rng = createRng(1);
  const config: AugmentConfig = { ...PAPER_AUGMENTATION, horizontalFlip: false };
  for (let i = 0; i < 500; i++) {
    const p = sampleAugmentParams(config, rng);
    assert.ok(Math.abs(p.rotationDeg) <= 20 && Math.abs(p.shear) <= 0.1);
    assert.ok(p.zoomX >= 0.9 && p.zoomX <= 1.1 && p.zoomY >= 0.9 && p.zoomY <= 1.1);
    assert.ok(p.brightness >= 0.8 && p.brightness <= 1.2);
    assert.equal(p.flipH, false);
    assert.equal(p.blurSigma, 0);
    assert.equal(p.downscale, 1);
  }
});

test("'constant' border fills black corners on a 45 degree turn, 'reflect' does not", () => {
  const image = solid(20, 20, [200, 100, 50]);
  const constant = applyAugment(image, null, { ...IDENTITY_PARAMS, rotationDeg: 45 }, 'constant').image;
  const reflect = applyAugment(image, null, { ...IDENTITY_PARAMS, rotationDeg: 45 }, 'reflect').image;
  assert.deepEqual(px(constant, 0, 0), [0, 0, 0]);
  assert.deepEqual(px(reflect, 0, 0), [200, 100, 50]);
});

test('photometric operations', () => {
  const flat = solid(16, 12, [100, 120, 140]);
  assert.deepEqual(gaussianBlur(flat, 1.5).data, flat.data, 'blurring a flat image changes nothing');
  assert.deepEqual(downscaleUpscale(flat, 0.3).data, flat.data, 'so does losing resolution');
  assert.deepEqual(px(adjustTone(flat, { brightness: 1.5, contrast: 1, gamma: 1 }), 0, 0), [150, 180, 210]);
  assert.deepEqual(px(adjustTone(flat, { brightness: 3, contrast: 1, gamma: 1 }), 0, 0), [255, 255, 255], 'clamped');
  const steps = coordinateImage(16, 12);
  const soft = downscaleUpscale(steps, 0.25);
  assert.equal(soft.width, 16);
  assert.notDeepEqual(soft.data, steps.data);
});
