import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { tf } from '../../src/tf.js';
import { float16Bits, storeAsFloat16 } from '../../src/models/float16.js';
import { loadModel, saveModel } from '../../src/models/io.js';
import { createClassifier } from '../../src/models/registry.js';

test('float16 bits round to nearest even and decode back through TF.js', () => {
  const values = [0, -0, 1, -2.5, 65504, 1e5, 6.1e-5, 3e-7, 1 / 3, 1 + 2 ** -11, 1 + 3 * 2 ** -11, Number.NaN, Infinity];
  const bits = Uint16Array.from(values, float16Bits);
  assert.equal(bits[0], 0x0000);
  assert.equal(bits[1], 0x8000);
  assert.equal(bits[2], 0x3c00);
  assert.equal(bits[4], 0x7bff);
  assert.equal(bits[5], 0x7c00, 'overflow is infinity');
  assert.equal(bits[9], 0x3c00, 'a tie rounds to the even mantissa');
  assert.equal(bits[10], 0x3c02);
  const decoded = tf.io.decodeWeights(bits.buffer, values.map((_, i) => ({ name: `w${i}`, shape: [1], dtype: 'float32' as const, quantization: { dtype: 'float16' as const } })));
  const back = values.map((_, i) => decoded[`w${i}`]!.dataSync()[0]!);
  for (const [i, v] of values.entries()) {
    if (Number.isNaN(v)) assert.ok(Number.isNaN(back[i]));
    else if (Math.abs(v) <= 65504 && Math.abs(v) > 6.1e-5) assert.ok(Math.abs(back[i]! - v) <= Math.abs(v) * 2 ** -11, `${v} -> ${back[i]}`);
  }
  assert.ok(Math.abs(back[7]! - 3e-7) < 6e-8, 'subnormal');
});

test('a model stored as float16 is half the size, loads, and keeps its outputs; a too tight tolerance leaves it alone', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dermkit-fp16-'));
  try {
    const m = createClassifier({ encoder: 'mobilenetv2', inputSize: 32, alpha: 0.35 });
    // Untrained, the head answers exactly uniform; a random head gives outputs to compare.
    const head = m.model.getLayer('head_predictions');
    tf.tidy(() => head.setWeights(head.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 1, 'float32', i))));
    await saveModel(dir, m);
    await writeFile(path.join(dir, 'MODEL_CARD.md'), 'card\n');
    const before = (await readFile(path.join(dir, 'weights.bin'))).length;
    const x = tf.randomUniform([2, 32, 32, 3], -1, 1).dataSync() as Float32Array;
    await assert.rejects(storeAsFloat16(dir, [x], 1e-12), /left as float32/);
    assert.equal((await readFile(path.join(dir, 'weights.bin'))).length, before);
    const { maxDifference, bytes } = await storeAsFloat16(dir, [x]);
    assert.ok(maxDifference < 1e-3);
    assert.ok(Math.abs(bytes - before / 2) < 64, `${bytes} vs ${before}`);
    assert.ok((await readdir(dir)).includes('MODEL_CARD.md'));
    const loaded = await loadModel(dir);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(m.model.predict(tf.tensor(x, [2, 32, 32, 3])) as tf.Tensor, loaded.model.predict(tf.tensor(x, [2, 32, 32, 3])) as tf.Tensor))).dataSync()[0]!);
    assert.ok(diff < 1e-3, `loaded model differs by ${diff}`);
    await assert.rejects(storeAsFloat16(dir, [x]), /already stored as float16/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
