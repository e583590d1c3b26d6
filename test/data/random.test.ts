import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRng, hashString, mixSeed, mulberry32 } from '../../src/data/random.js';

test('same seed, same stream; different seed, different stream', () => {
  const a = Array.from({ length: 5 }, mulberry32(42));
  const b = Array.from({ length: 5 }, mulberry32(42));
  const c = Array.from({ length: 5 }, mulberry32(43));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('draws stay in range and are roughly uniform', () => {
  const rng = createRng(7);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 10000; i++) {
    const v = rng.next();
    assert.ok(v >= 0 && v < 1);
    counts[Math.floor(v * 10)]++;
  }
  for (const c of counts) assert.ok(c > 850 && c < 1150, `bucket count ${c}`);
  for (let i = 0; i < 1000; i++) {
    const k = rng.int(-2, 2);
    assert.ok(Number.isInteger(k) && k >= -2 && k <= 2);
  }
});

test('shuffle is a deterministic permutation', () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  const once = createRng(3).shuffle([...items]);
  assert.deepEqual(createRng(3).shuffle([...items]), once);
  assert.deepEqual([...once].sort((x, y) => x - y), items);
  assert.notDeepEqual(once, items);
});

test('normal draws have about the requested mean and spread', () => {
  const rng = createRng(11);
  const xs = Array.from({ length: 20000 }, () => rng.normal(5, 2));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
  assert.ok(Math.abs(mean - 5) < 0.05, `mean ${mean}`);
  assert.ok(Math.abs(sd - 2) < 0.05, `sd ${sd}`);
});

test('mixSeed separates argument orders; hashString is stable', () => {
  assert.notEqual(mixSeed(1, 2), mixSeed(2, 1));
  assert.equal(mixSeed(1, 2, 3), mixSeed(1, 2, 3));
  assert.equal(hashString('ISIC_0000000'), hashString('ISIC_0000000'));
  assert.notEqual(hashString('a'), hashString('b'));
});
