import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extractRoi } from '../../src/image/roi.js';
import { coordinateImage, maskFromRows, pixelAt } from './fixtures.js';

// 10x8 image; the lesion's bounding box is columns 3..6, rows 2..5 (4x4), an L shape inside it.
const img = coordinateImage(10, 8);
const mask = maskFromRows([
  '..........',
  '..........',
  '...####...',
  '...#......',
  '...#......',
  '...####...',
  '..........',
  '..........',
]);

describe('extractRoi', () => {
  test('with no margin: crops to the bounding box, zeroes pixels outside the mask', () => {
    const { roi, box } = extractRoi(img, mask, { margin: 0 });
    assert.deepEqual(box, { x: 3, y: 2, width: 4, height: 4 });
    assert.equal(roi.width, 4);
    assert.equal(roi.height, 4);
    assert.deepEqual(pixelAt(roi, 0, 0), pixelAt(img, 3, 2));
    assert.deepEqual(pixelAt(roi, 3, 3), pixelAt(img, 6, 5));
    assert.deepEqual(pixelAt(roi, 0, 2), pixelAt(img, 3, 4));
    assert.deepEqual(pixelAt(roi, 1, 1), [0, 0, 0]);
    assert.deepEqual(pixelAt(roi, 3, 2), [0, 0, 0]);
  });

  test('the default margin is 10% of the box size per side (rounded)', () => {
    const big = coordinateImage(100, 100);
    const blob = { width: 100, height: 100, data: new Uint8Array(100 * 100) };
    for (let y = 40; y < 60; y++) for (let x = 30; x < 70; x++) blob.data[y * 100 + x] = 255;
    assert.deepEqual(extractRoi(big, blob).box, { x: 26, y: 38, width: 48, height: 24 });
  });

  test('the margin grows the box and is clipped at the image border', () => {
    const { box } = extractRoi(img, mask, { margin: 0.5 });
    assert.deepEqual(box, { x: 1, y: 0, width: 8, height: 8 });
    const huge = extractRoi(img, mask, { margin: 5 });
    assert.deepEqual(huge.box, { x: 0, y: 0, width: 10, height: 8 });
  });

  test('a lesion touching a corner stays inside the image', () => {
    const corner = maskFromRows(['##........', '##........', '..........', '..........', '..........', '..........', '..........', '..........']);
    assert.deepEqual(extractRoi(img, corner, { margin: 0.5 }).box, { x: 0, y: 0, width: 3, height: 3 });
  });

  test('applyMask: false keeps the context pixels', () => {
    const { roi } = extractRoi(img, mask, { margin: 0.5, applyMask: false });
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) assert.deepEqual(pixelAt(roi, x, y), pixelAt(img, x + 1, y));
  });

  test('masked context around the lesion is black', () => {
    const { roi } = extractRoi(img, mask, { margin: 0.5 });
    assert.deepEqual(pixelAt(roi, 0, 0), [0, 0, 0]);
    assert.deepEqual(pixelAt(roi, 2, 2), pixelAt(img, 3, 2));
  });

  test('an empty mask gives the whole image, unmasked, as a copy', () => {
    const empty = { width: 10, height: 8, data: new Uint8Array(80) };
    const { roi, box } = extractRoi(img, empty);
    assert.deepEqual(box, { x: 0, y: 0, width: 10, height: 8 });
    assert.deepEqual(roi.data, img.data);
    assert.notEqual(roi.data, img.data);
  });

  test('rejects a mask of another size and a negative margin', () => {
    assert.throws(() => extractRoi(img, maskFromRows(['#'])), /sizes differ \(10x8 vs 1x1\)/);
    assert.throws(() => extractRoi(img, mask, { margin: -0.1 }), /non-negative/);
  });
});
