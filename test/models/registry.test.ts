import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tf } from '../../src/tf.js';
import { createClassifier, createSegmenter, parseSegmenterName } from '../../src/models/registry.js';
import { loadModel, saveModel } from '../../src/models/io.js';
import { HAM_CLASSES } from '../../src/models/config.js';

function randomBatch(n: number, size: number): tf.Tensor4D {
  return tf.randomUniform([n, size, size, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
}

test('an encoder U-Net gives one probability per input pixel', () => {
  const { model, config } = createSegmenter({ arch: 'unet', encoder: 'mobilenetv2', inputSize: 64, alpha: 0.35 });
  const out = model.predict(randomBatch(2, 64)) as tf.Tensor;
  assert.deepEqual(out.shape, [2, 64, 64, 1]);
  const v = out.dataSync();
  assert.ok(v.every((p) => p >= 0 && p <= 1));
  assert.equal(config.kind, 'segmenter');
  assert.equal(config.preprocessing.inputSize, 64);
  assert.equal(config.maskThreshold, 0.5);
  model.dispose();
});

test('the paper decoder concatenates encoder features at the selected strides only', () => {
  const { model } = createSegmenter({ arch: 'unet', encoder: 'mobilenetv2', inputSize: 64, alpha: 0.35 });
  const concats = model.layers.filter((l) => l.getClassName() === 'Concatenate').map((l) => l.name).sort();
  assert.deepEqual(concats, ['decoder_concat4', 'decoder_concat8']);
  model.dispose();
});

test('the decoder is configurable: output stride 32 with skips at every stride (torch reference design)', () => {
  const { model } = createSegmenter({
    arch: 'unet', encoder: 'mobilenetv2', inputSize: 64, alpha: 0.35,
    decoder: { outputStride: 32, skipStrides: [16, 8, 4, 2], decoderChannels: [32, 16, 8, 8] },
  });
  assert.equal(model.layers.filter((l) => l.getClassName() === 'Concatenate').length, 4);
  assert.deepEqual(model.outputs[0]!.shape, [null, 64, 64, 1]);
  model.dispose();
});

test('valid-padding encoders still give a full-resolution mask', () => {
  const { model } = createSegmenter({ arch: 'unet', encoder: 'xception', inputSize: 96, alpha: 0.125 });
  assert.deepEqual(model.outputs[0]!.shape, [null, 96, 96, 1]);
  model.dispose();
});

test('the original U-Net keeps the input size and uses transposed convolutions', () => {
  const { model, config } = createSegmenter({ arch: 'unet-original', inputSize: 32, alpha: 0.125 });
  assert.deepEqual(model.outputs[0]!.shape, [null, 32, 32, 1]);
  assert.equal(model.layers.filter((l) => l.getClassName() === 'Conv2DTranspose').length, 4);
  assert.equal(config.name, 'unet-original');
  assert.throws(() => createSegmenter({ arch: 'unet-original', inputSize: 30 }), /divisible by 16/);
  model.dispose();
});

test('a classifier outputs a distribution over the seven HAM10000 classes', () => {
  const { model, config } = createClassifier({ encoder: 'mobilenetv2', inputSize: 64, alpha: 0.35 });
  const out = model.predict(randomBatch(3, 64)) as tf.Tensor2D;
  assert.deepEqual(out.shape, [3, 7]);
  for (const row of out.arraySync()) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  assert.deepEqual(config.classes, [...HAM_CLASSES]);
  assert.ok(model.layers.some((l) => l.getClassName() === 'GlobalAveragePooling2D'));
  model.dispose();
});

test('segmenter names parse and bad ones are refused with the valid choices', () => {
  assert.deepEqual(parseSegmenterName('unet:efficientnetb4'), { arch: 'unet', encoder: 'efficientnetb4' });
  assert.deepEqual(parseSegmenterName('unet-original'), { arch: 'unet-original' });
  assert.throws(() => parseSegmenterName('fpn:resnet50'), /unknown segmenter "fpn:resnet50".*mobilenetv2/);
  assert.throws(() => createClassifier({ encoder: 'vgg16' }), /vgg16/);
  assert.throws(() => createSegmenter({ arch: 'unet', encoder: 'mobilenetv2', inputSize: 60 }), /multiple of/);
});

test('save and load round-trip weights, custom layers and the config', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dermkit-io-'));
  try {
    for (const m of [
      createSegmenter({ arch: 'unet', encoder: 'efficientnetb0', inputSize: 64, alpha: 0.25 }),
      createClassifier({ encoder: 'inceptionresnetv2', inputSize: 96, alpha: 0.125 }),
    ]) {
      const target = path.join(dir, m.config.name);
      await saveModel(target, m);
      const loaded = await loadModel(target);
      assert.deepEqual(loaded.config, m.config);
      const size = m.config.preprocessing.inputSize;
      const x = randomBatch(1, size);
      const a = (m.model.predict(x) as tf.Tensor).dataSync();
      const b = (loaded.model.predict(x) as tf.Tensor).dataSync();
      assert.deepEqual(Array.from(b), Array.from(a));
      const card = JSON.parse(await readFile(path.join(target, 'dermkit.json'), 'utf8'));
      assert.equal(card.format, 'dermkit-model/1');
      m.model.dispose();
      loaded.model.dispose();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loading a folder that is not a model names the folder and the problem', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dermkit-io-'));
  try {
    await assert.rejects(loadModel(dir), (e: Error) => e.message.includes(dir) && /no dermkit\.json/.test(e.message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
