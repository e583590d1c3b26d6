import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeToInput, prepareInput } from '../../src/models/preprocess.js';
import type { Preprocessing } from '../../src/models/config.js';
import type { RgbImage } from '../../src/image/types.js';

const pixel = (r: number, g: number, b: number): RgbImage => ({ width: 1, height: 1, data: Uint8Array.from([r, g, b]) });

test('tf-style preprocessing maps 0..255 to -1..1', () => {
  const p: Preprocessing = { inputSize: 1, resizeMode: 'stretch', channelOrder: 'rgb', scale: 1 / 127.5, mean: [1, 1, 1], std: [1, 1, 1] };
  const v = normalizeToInput(pixel(0, 127.5 as number, 255), p);
  assert.ok(Math.abs(v[0]! + 1) < 1e-6);
  assert.ok(Math.abs(v[2]! - 1) < 1e-6);
});

test('caffe-style preprocessing swaps to BGR and subtracts the ImageNet mean', () => {
  const p: Preprocessing = { inputSize: 1, resizeMode: 'stretch', channelOrder: 'bgr', scale: 1, mean: [103.939, 116.779, 123.68], std: [1, 1, 1] };
  const v = normalizeToInput(pixel(200, 100, 50), p);
  assert.ok(Math.abs(v[0]! - (50 - 103.939)) < 1e-4);
  assert.ok(Math.abs(v[1]! - (100 - 116.779)) < 1e-4);
  assert.ok(Math.abs(v[2]! - (200 - 123.68)) < 1e-4);
});

test('torch-style preprocessing divides by the standard deviation', () => {
  const p: Preprocessing = { inputSize: 1, resizeMode: 'stretch', channelOrder: 'rgb', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
  const v = normalizeToInput(pixel(255, 0, 0), p);
  assert.ok(Math.abs(v[0]! - (1 - 0.485) / 0.229) < 1e-5);
  assert.ok(Math.abs(v[1]! - (0 - 0.456) / 0.224) < 1e-5);
});

test('normalizeToInput fills a batch buffer at an offset and refuses one too small', () => {
  const p: Preprocessing = { inputSize: 1, resizeMode: 'stretch', channelOrder: 'rgb', scale: 1, mean: [0, 0, 0], std: [1, 1, 1] };
  const batch = new Float32Array(6);
  normalizeToInput(pixel(1, 2, 3), p, batch, 3);
  assert.deepEqual(Array.from(batch), [0, 0, 0, 1, 2, 3]);
  assert.throws(() => normalizeToInput(pixel(1, 2, 3), p, new Float32Array(2)), /too small/);
});

test('prepareInput resizes to the model input and reports how', async () => {
  const img: RgbImage = { width: 40, height: 20, data: new Uint8Array(40 * 20 * 3).fill(128) };
  const p: Preprocessing = { inputSize: 16, resizeMode: 'letterbox', channelOrder: 'rgb', scale: 1, mean: [0, 0, 0], std: [1, 1, 1] };
  const { data, transform } = await prepareInput(img, p);
  assert.equal(data.length, 16 * 16 * 3);
  assert.ok(transform);
});
