import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shadesOfGray } from '../../src/image/colour.js';
import { adjustColour, sharpen } from '../../src/data/photometric.js';
import { prepareInput } from '../../src/models/preprocess.js';
import type { Preprocessing } from '../../src/models/config.js';
import type { RgbImage } from '../../src/image/types.js';

/** A textured image under a coloured light: each channel of a grey pattern scaled by `light`. */
function lit(light: [number, number, number], size = 16): RgbImage {
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    const grey = 40 + ((i * 37) % 160);
    for (let c = 0; c < 3; c++) data[i * 3 + c] = Math.round(grey * light[c]!);
  }
  return { width: size, height: size, data };
}

const channelNorm = (img: RgbImage, c: number, p = 6) => {
  let s = 0;
  for (let i = c; i < img.data.length; i += 3) s += Math.pow(img.data[i]! / 255, p);
  return Math.pow(s / (img.data.length / 3), 1 / p);
};

test('Shades of Gray removes a colour cast: the same pattern under two lights comes out (nearly) the same', () => {
  const warm = shadesOfGray(lit([1.2, 0.9, 0.6]));
  const cold = shadesOfGray(lit([0.7, 0.9, 1.25]));
  const norms = [0, 1, 2].map((c) => channelNorm(warm, c));
  assert.ok(Math.max(...norms) - Math.min(...norms) < 0.01, `channel norms equalised: ${norms}`);
  let maxDiff = 0;
  for (let i = 0; i < warm.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(warm.data[i]! - cold.data[i]!));
  assert.ok(maxDiff <= 12, `max difference ${maxDiff}`);
});

test('Shades of Gray leaves a grey image as it is and a black one black', () => {
  const grey = lit([1, 1, 1]);
  assert.deepEqual(shadesOfGray(grey).data, grey.data);
  const black = { width: 2, height: 2, data: new Uint8Array(12) };
  assert.deepEqual(shadesOfGray(black).data, black.data);
});

test('the preprocessing applies colour constancy when its config asks for it', async () => {
  const base: Preprocessing = { inputSize: 16, resizeMode: 'stretch', channelOrder: 'rgb', scale: 1, mean: [0, 0, 0], std: [1, 1, 1] };
  const img = lit([1.2, 0.9, 0.6]);
  const plain = (await prepareInput(img, base)).data;
  const constant = (await prepareInput(img, { ...base, colourConstancy: 'shades-of-gray' })).data;
  assert.deepEqual(Array.from(plain.slice(0, 3)), Array.from(img.data.slice(0, 3)));
  assert.deepEqual(Array.from(constant), Array.from(shadesOfGray(img).data));
});

test('saturation 0 gives grey, hue 0 and saturation 1 change nothing, a hue turn keeps luminance', () => {
  const img = lit([1.2, 0.9, 0.6]);
  assert.equal(adjustColour(img, { saturation: 1, hueDeg: 0 }), img);
  const grey = adjustColour(img, { saturation: 0, hueDeg: 0 });
  for (let i = 0; i < grey.data.length; i += 3) assert.ok(Math.abs(grey.data[i]! - grey.data[i + 2]!) <= 1);
  const luma = (d: Uint8Array, i: number) => 0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!;
  const turned = adjustColour(img, { saturation: 1, hueDeg: 30 });
  assert.ok(Math.abs(luma(turned.data, 30) - luma(img.data, 30)) < 2);
  assert.notDeepEqual(turned.data, img.data);
});

test('sharpening raises local contrast and leaves a flat image alone', () => {
  const flat = { width: 4, height: 4, data: new Uint8Array(48).fill(90) };
  assert.deepEqual(sharpen(flat, 1).data, flat.data);
  const edge = { width: 8, height: 1, data: Uint8Array.from({ length: 24 }, (_, i) => (Math.floor(i / 3) < 4 ? 50 : 150)) };
  const s = sharpen(edge, 1);
  assert.ok(s.data[3 * 3]! < 50 && s.data[4 * 3]! > 150, 'overshoot on both sides of the edge');
});
