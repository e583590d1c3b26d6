import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { areaFraction, boundingBox, cleanMask, fillHoles, largestComponent, maskContour, threshold } from '../../src/image/mask.js';
import { maskFromRows, probabilityMap, rowsFromMask } from './fixtures.js';

describe('threshold', () => {
  test('is strict: values equal to t are background, NaN is background, output is 0/255', () => {
    const map = probabilityMap(6, 1, [0, 0.49, 0.5, 0.51, 1, Number.NaN]);
    assert.deepEqual([...threshold(map, 0.5).data], [0, 0, 0, 255, 255, 0]);
  });

  test('t = 0 keeps every positive probability, t = 1 keeps nothing', () => {
    const map = probabilityMap(3, 1, [0, 1e-6, 1]);
    assert.deepEqual([...threshold(map, 0).data], [0, 255, 255]);
    assert.deepEqual([...threshold(map, 1).data], [0, 0, 0]);
  });

  test('rejects a map whose data does not match its size', () => {
    assert.throws(() => threshold({ width: 2, height: 2, data: new Float32Array(3) }, 0.5), /expected 2x2 = 4 values, got 3/);
  });
});

describe('largestComponent', () => {
  // Two diagonal pixels joined only at a corner, next to a 3-pixel vertical bar.
  const diagonal = maskFromRows([
    '##...#',
    '.##..#',
    '.....#',
  ]);

  test('8-connectivity joins diagonal neighbours', () => {
    assert.deepEqual(rowsFromMask(largestComponent(diagonal, 8)), [
      '##....',
      '.##...',
      '......',
    ]);
  });

  test('4-connectivity does not: the bar wins', () => {
    const mask = maskFromRows([
      '#.#..#',
      '.#...#',
      '..#..#',
    ]);
    assert.deepEqual(rowsFromMask(largestComponent(mask, 4)), [
      '.....#',
      '.....#',
      '.....#',
    ]);
    // ...while with 8-connectivity the diagonal of 4 pixels is the largest.
    assert.deepEqual(rowsFromMask(largestComponent(mask, 8)), [
      '#.#...',
      '.#....',
      '..#...',
    ]);
  });

  test('default connectivity is 8', () => {
    assert.deepEqual(largestComponent(diagonal).data, largestComponent(diagonal, 8).data);
  });

  test('ties go to the component that starts first in row-major order', () => {
    const mask = maskFromRows([
      '...##',
      '##...',
    ]);
    assert.deepEqual(rowsFromMask(largestComponent(mask, 4)), ['...##', '.....']);
  });

  test('treats any non-zero value as foreground and returns 0/255', () => {
    const mask = { width: 3, height: 1, data: Uint8Array.from([1, 7, 0]) };
    assert.deepEqual([...largestComponent(mask).data], [255, 255, 0]);
  });

  test('empty and full masks', () => {
    assert.deepEqual([...largestComponent(maskFromRows(['...', '...'])).data], [0, 0, 0, 0, 0, 0]);
    assert.deepEqual([...largestComponent(maskFromRows(['###', '###'])).data], [255, 255, 255, 255, 255, 255]);
  });
});

describe('fillHoles', () => {
  test('fills the inside of a ring', () => {
    const ring = maskFromRows([
      '.......',
      '.#####.',
      '.#...#.',
      '.#.#.#.',
      '.#...#.',
      '.#####.',
      '.......',
    ]);
    assert.deepEqual(rowsFromMask(fillHoles(ring)), [
      '.......',
      '.#####.',
      '.#####.',
      '.#####.',
      '.#####.',
      '.#####.',
      '.......',
    ]);
  });

  test('a gap that touches the border is not a hole', () => {
    const cup = maskFromRows([
      '#...#',
      '#...#',
      '#####',
    ]);
    assert.deepEqual(rowsFromMask(fillHoles(cup)), rowsFromMask(cup));
  });

  test('a ring closed only diagonally still encloses its hole (background is 4-connected)', () => {
    const diamond = maskFromRows([
      '..#..',
      '.#.#.',
      '#...#',
      '.#.#.',
      '..#..',
    ]);
    assert.deepEqual(rowsFromMask(fillHoles(diamond)), [
      '..#..',
      '.###.',
      '#####',
      '.###.',
      '..#..',
    ]);
  });

  test('fills several holes, leaves an empty mask empty', () => {
    const twoHoles = maskFromRows([
      '#######',
      '#.##..#',
      '#######',
    ]);
    assert.deepEqual(rowsFromMask(fillHoles(twoHoles)), ['#######', '#######', '#######']);
    assert.deepEqual(rowsFromMask(fillHoles(maskFromRows(['...', '...']))), ['...', '...']);
  });
});

describe('boundingBox', () => {
  test('null for an empty mask', () => {
    assert.equal(boundingBox(maskFromRows(['....', '....'])), null);
  });

  test('a single pixel is a 1x1 box', () => {
    assert.deepEqual(boundingBox(maskFromRows(['....', '..#.', '....'])), { x: 2, y: 1, width: 1, height: 1 });
  });

  test('a full mask is the whole image', () => {
    assert.deepEqual(boundingBox(maskFromRows(['###', '###'])), { x: 0, y: 0, width: 3, height: 2 });
  });

  test('spans all components', () => {
    assert.deepEqual(boundingBox(maskFromRows(['.....', '.#...', '.....', '....#'])), { x: 1, y: 1, width: 4, height: 3 });
  });
});

describe('areaFraction', () => {
  test('counts non-zero pixels over all pixels', () => {
    assert.equal(areaFraction(maskFromRows(['....', '....'])), 0);
    assert.equal(areaFraction(maskFromRows(['##..', '.#..'])), 3 / 8);
    assert.equal(areaFraction(maskFromRows(['##', '##'])), 1);
  });
});

describe('cleanMask', () => {
  test('thresholds, keeps the largest blob and fills its hole', () => {
    const p = 0.9;
    const map = probabilityMap(7, 5, [
      p, 0, 0, 0, 0, 0, 0,
      0, 0, p, p, p, p, 0,
      0, 0, p, 0.5, 0.2, p, 0,
      0, 0, p, p, p, p, 0,
      0, 0, 0, 0, 0, 0, 0.7,
    ]);
    assert.deepEqual(rowsFromMask(cleanMask(map, 0.5)), [
      '.......',
      '..####.',
      '..####.',
      '..####.',
      '......#',
    ]);
  });
});

describe('maskContour', () => {
  test('keeps foreground pixels next to background, drops the interior', () => {
    const square = maskFromRows([
      '......',
      '.####.',
      '.####.',
      '.####.',
      '......',
    ]);
    assert.deepEqual(rowsFromMask(maskContour(square)), [
      '......',
      '.####.',
      '.#..#.',
      '.####.',
      '......',
    ]);
  });

  test('outlines along the image edge when the lesion touches it', () => {
    assert.deepEqual(rowsFromMask(maskContour(maskFromRows(['###', '###', '###']))), ['###', '#.#', '###']);
  });
});
