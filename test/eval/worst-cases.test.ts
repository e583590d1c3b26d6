import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { thumbnailMask, thumbnailRgb } from '../../src/eval/thumbnail.js';
import { WorstClsCases, WorstList, WorstSegCases } from '../../src/eval/worst-cases.js';

describe('bounded worst-case lists', () => {
  it('keeps the K highest badness values, worst first, earliest on ties, building only kept items', () => {
    const list = new WorstList<string>(3);
    const built: string[] = [];
    const offer = (badness: number, name: string) =>
      list.offer(badness, () => {
        built.push(name);
        return name;
      });
    offer(0.1, 'a');
    offer(0.5, 'b');
    offer(0.5, 'c');
    offer(0.2, 'd');
    offer(0.05, 'e'); // below the kept three: never built
    offer(0.5, 'f'); // ties the worst ones but arrives later: the 0.2 drops, f goes after b and c
    assert.deepEqual(list.list(), ['b', 'c', 'f']);
    assert.ok(!built.includes('e'));
    offer(0.5, 'g'); // ties the least bad kept item: the earlier one stays
    assert.deepEqual(list.list(), ['b', 'c', 'f']);
    assert.ok(!built.includes('g'));
  });

  it('keeps the lowest-Dice segmentation cases and shrinks in-memory images', () => {
    const worst = new WorstSegCases(2);
    const image = { width: 1000, height: 500, data: new Uint8Array(1000 * 500 * 3) };
    const mask = { width: 1000, height: 500, data: new Uint8Array(1000 * 500) };
    [0.9, 0.2, 0.95, 0.4].forEach((dice, i) => worst.add({ id: `s${i}`, image, truth: mask, prediction: 'masks/p.png', dice }));
    const kept = worst.list();
    assert.deepEqual(kept.map((c) => c.id), ['s1', 's3']);
    assert.deepEqual(kept[0]!.image, { width: 256, height: 128, data: new Uint8Array(256 * 128 * 3) });
    assert.equal(kept[0]!.prediction, 'masks/p.png');
  });

  it('keeps the most confidently wrong classifications and ignores correct ones', () => {
    const worst = new WorstClsCases(['mel', 'nv'], 2);
    worst.add({ id: 'right', image: 'r.jpg', trueLabel: 'nv', probabilities: [0.01, 0.99] });
    worst.add({ id: 'wrong-60', image: 'a.jpg', trueLabel: 'mel', probabilities: [0.4, 0.6] });
    worst.add({ id: 'wrong-90', image: 'b.jpg', trueLabel: 'nv', probabilities: [0.9, 0.1] });
    worst.add({ id: 'wrong-55', image: 'c.jpg', trueLabel: 'mel', probabilities: [0.45, 0.55] });
    assert.deepEqual(worst.list(), [
      { id: 'wrong-90', image: 'b.jpg', trueLabel: 'nv', predictedLabel: 'mel', confidence: 0.9 },
      { id: 'wrong-60', image: 'a.jpg', trueLabel: 'mel', predictedLabel: 'nv', confidence: 0.6 },
    ]);
  });
});

describe('thumbnails', () => {
  it('box-averages RGB pixels', () => {
    // 2x2 -> 1x1: the mean of the four pixels.
    const image = { width: 2, height: 2, data: Uint8Array.from([0, 0, 0, 100, 100, 100, 200, 200, 200, 100, 100, 100]) };
    assert.deepEqual(thumbnailRgb(image, 1).data, Uint8Array.from([100, 100, 100]));
    assert.equal(thumbnailRgb(image, 4), image);
  });

  it('turns masks into 0/255 by majority of each source box', () => {
    const mask = { width: 4, height: 2, data: Uint8Array.from([1, 1, 0, 0, 1, 0, 0, 0]) };
    // Left box has 3 of 4 lesion pixels, right box none.
    assert.deepEqual(thumbnailMask(mask, 2), { width: 2, height: 1, data: Uint8Array.from([255, 0]) });
  });
});
