import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { pack } from 'tar-stream';
import { encodeModel, type OnnxGraph, type OnnxNode, type OnnxTensor } from '../../src/engine/onnx/model.js';
import { mulberry32 } from '../../src/data/random.js';
import { makeDivisible } from '../../src/models/encoders/common.js';
import { modelArtifacts } from '../../src/models/io.js';
import { createClassifier } from '../../src/models/registry.js';
import { getEncoder } from '../../src/models/encoders/index.js';
import { importWeights, readWeightsCard } from '../../src/weights/import.js';
import { modernResNetName } from '../../src/weights/layers-source.js';
import { importPretrained } from '../../src/weights/pretrained.js';
import { generateSynthetic } from '../../src/data/synth.js';
import { trainRun } from '../../src/train/run.js';
import type { ModelConfig } from '../../src/models/config.js';

const BLOCKS: ReadonlyArray<readonly [number, number, number]> = [
  [16, 1, 1], [24, 2, 6], [24, 1, 6], [32, 2, 6], [32, 1, 6], [32, 1, 6], [64, 2, 6], [64, 1, 6], [64, 1, 6], [64, 1, 6],
  [96, 1, 6], [96, 1, 6], [96, 1, 6], [160, 2, 6], [160, 1, 6], [160, 1, 6], [320, 1, 6],
];

/**
 * A MobileNetV2 quantised the way the ONNX Model Zoo's int8 file is (QLinearConv with per-channel
 * int8 kernels and int32 biases, ReLU6 folded into uint8 output ranges, symmetric padding,
 * QLinearAdd residuals, QLinearMatMul top), at width `alpha` with `classes` outputs (the zoo's ImageNet top has 1000).
 */
function quantisedMobileNetV2(alpha: number, classes: number, seed: number): Uint8Array {
  const rand = mulberry32(seed);
  const g: OnnxGraph = { name: 'qmnv2', nodes: [], initializers: [], inputs: [{ name: 'input', dtype: 'float32', shape: ['N', 3, 'H', 'W'] }], outputs: [{ name: 'output', dtype: 'float32', shape: ['N', classes] }] };
  let id = 0;
  const constant = (dtype: OnnxTensor['dtype'], dims: number[], data: OnnxTensor['data']): string => {
    const name = `c${id++}`;
    g.initializers.push({ name, dtype, dims, data });
    return name;
  };
  const scalar = (v: number): string => constant('float32', [], Float32Array.of(v));
  const zp = (v: number): string => constant('uint8', [], Uint8Array.of(v));
  const node = (opType: string, inputs: string[], attributes: OnnxNode['attributes'] = {}): string => {
    const out = `t${id++}`;
    g.nodes.push({ opType, inputs, outputs: [out], attributes });
    return out;
  };
  // A tensor is carried with its quantisation: [value, scale, zero point].
  type Q = [string, string, string];
  const relu = (): [string, string] => [scalar(6 / 255), zp(0)];
  const linear = (): [string, string] => [scalar(0.08), zp(128)];
  const conv = (x: Q, inC: number, outC: number, k: number, stride: number, depthwise: boolean, act: boolean): Q => {
    const perOut = depthwise ? 1 : inC;
    const w = Int8Array.from({ length: outC * perOut * k * k }, () => Math.round((rand() * 2 - 1) * 60));
    const wScale = Float32Array.from({ length: outC }, () => (0.5 + rand()) / (60 * Math.sqrt(perOut * k * k)));
    const bias = Int32Array.from({ length: outC }, () => Math.round((rand() * 2 - 1) * 200));
    const [ys, yz] = act ? relu() : linear();
    const y = node('QLinearConv', [x[0], x[1], x[2], constant('int8', [outC, perOut, k, k], w), constant('float32', [outC], wScale), constant('int8', [outC], new Int8Array(outC)), ys, yz, constant('int32', [outC], bias)], {
      group: depthwise ? outC : 1, kernel_shape: [k, k], pads: k === 3 ? [1, 1, 1, 1] : [0, 0, 0, 0], strides: [stride, stride], dilations: [1, 1],
    });
    return [y, ys, yz];
  };
  let x: Q = [node('QuantizeLinear', ['input', scalar(0.02), zp(128)]), '', ''];
  x = [x[0], g.nodes[0]!.inputs[1]!, g.nodes[0]!.inputs[2]!];
  let channels = makeDivisible(32 * alpha, 8);
  x = conv(x, 3, channels, 3, 2, false, true);
  BLOCKS.forEach(([filters, stride, expansion], b) => {
    const input = x;
    const out = makeDivisible(Math.trunc(filters * alpha), 8);
    let y = x;
    if (b !== 0) y = conv(y, channels, channels * expansion, 1, 1, false, true);
    const hidden = b === 0 ? channels : channels * expansion;
    y = conv(y, hidden, hidden, 3, stride, true, true);
    y = conv(y, hidden, out, 1, 1, false, false);
    if (channels === out && stride === 1) {
      const [s, z] = linear();
      y = [node('QLinearAdd', [input[0], input[1], input[2], y[0], y[1], y[2], s, z]), s, z];
    }
    x = y;
    channels = out;
  });
  x = conv(x, channels, 1280, 1, 1, false, true);
  const pooledFloat = node('GlobalAveragePool', [node('DequantizeLinear', x)]);
  const [ps, pz] = relu();
  const flat = node('Flatten', [node('QuantizeLinear', [pooledFloat, ps, pz])]);
  const w = Int8Array.from({ length: 1280 * classes }, () => Math.round((rand() * 2 - 1) * 100));
  const [ms, mz] = linear();
  const mm = node('QLinearMatMul', [flat, ps, pz, constant('int8', [1280, classes], w), constant('float32', [classes], Float32Array.from({ length: classes }, () => 0.002)), constant('int8', [classes], new Int8Array(classes)), ms, mz]);
  const [os_, oz] = linear();
  const biased = node('QLinearAdd', [mm, ms, mz, constant('uint8', [classes], Uint8Array.from({ length: classes }, () => Math.floor(rand() * 256))), scalar(0.01), zp(128), os_, oz]);
  g.nodes.push({ opType: 'DequantizeLinear', inputs: [biased, os_, oz], outputs: ['output'], attributes: {} });
  return encodeModel(g, 12);
}

/** An `npm pack`-like tarball, written with tar-stream. */
async function tarGz(files: Record<string, Uint8Array | string>): Promise<Buffer> {
  const archive = pack();
  for (const [name, content] of Object.entries(files)) archive.entry({ name }, Buffer.from(content));
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

async function checkImage(dir: string): Promise<string> {
  const file = path.join(dir, 'check.png');
  const pixels = Buffer.alloc(64 * 48 * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 251;
  await sharp(pixels, { raw: { width: 64, height: 48, channels: 3 } }).png().toFile(file);
  return file;
}

test('the int8 ONNX MobileNetV2 imports into the Keras encoder and reproduces its float twin', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dermkit-weights-'));
  try {
    const source = path.join(dir, 'mobilenetv2-int8.onnx');
    await writeFile(source, quantisedMobileNetV2(0.35, 1000, 7));
    const out = path.join(dir, 'imported');
    const card = await importWeights({ source, out, checkImages: [await checkImage(dir)] });
    assert.equal(card.encoder, 'mobilenetv2');
    assert.equal(card.alpha, 0.35);
    assert.equal(card.padding, 'symmetric');
    assert.equal(card.preprocessing, 'torch');
    assert.ok(card.check.maxRelDiff < 1e-4, `max relative difference ${card.check.maxRelDiff}`);
    assert.equal(card.check.top5?.[0]?.same, true);
    assert.deepEqual(await readWeightsCard(out), card);

    // A model built the way the card says takes every encoder weight.
    const target = createClassifier({ encoder: 'mobilenetv2', inputSize: 64, alpha: card.alpha, padding: card.padding, preprocessing: card.preprocessing });
    assert.equal(target.model.getLayer('Conv1_pad').name, 'Conv1_pad');
    assert.equal(target.config.options?.padding, 'symmetric');
    assert.equal(target.config.preprocessing.scale, 1 / 255);
    const report = await importPretrained(target.model, out);
    assert.ok(report.notInSource.every((n) => n.startsWith('head_')));
    target.model.dispose();

    // Training from these weights builds and feeds the model the way they expect.
    const data = path.join(dir, 'data');
    await generateSynthetic({ out: data, n: 16, size: 48, seed: 2, task: 'cls' });
    const run = path.join(dir, 'run');
    await trainRun({ task: 'cls', data, out: run, encoder: 'mobilenetv2', inputSize: 32, epochs: 1, batch: 8, augment: 'none', pretrained: out });
    const config = JSON.parse(await readFile(path.join(run, 'best', 'dermkit.json'), 'utf8')) as ModelConfig;
    assert.equal(config.options?.padding, 'symmetric');
    assert.equal(config.options?.alpha, 0.35);
    assert.equal(config.preprocessing.scale, 1 / 255);
    assert.match(config.provenance.initialisation, /unknown \(state it with --licence\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('TF.js layers weights in an npm tarball import with their encoder and width recognised', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dermkit-weights-'));
  try {
    const keras = getEncoder('mobilenet').buildImagenetClassifier(64, { alpha: 0.25 });
    const files = await modelArtifacts(keras);
    keras.dispose();
    const source = path.join(dir, 'weights-1.0.0.tgz');
    await writeFile(source, await tarGz({
      'package/package.json': JSON.stringify({ name: 'weights', license: 'MIT' }),
      ...Object.fromEntries(Object.entries(files).map(([name, data]) => [`package/Model/${name}`, data])),
    }));
    const card = await importWeights({ source, out: path.join(dir, 'imported'), checkImages: [await checkImage(dir)] });
    assert.equal(card.encoder, 'mobilenet');
    assert.equal(card.alpha, 0.25);
    assert.equal(card.hasTop, true);
    assert.equal(card.licence, 'MIT');
    assert.ok(card.check.maxAbsDiff < 1e-6, `max difference ${card.check.maxAbsDiff}`);
    JSON.parse(await readFile(path.join(dir, 'imported', 'model.json'), 'utf8'));

    await writeFile(path.join(dir, 'empty.tgz'), await tarGz({ 'package/README.md': 'no model' }));
    await assert.rejects(importWeights({ source: path.join(dir, 'empty.tgz'), out: path.join(dir, 'x'), checkImages: [await checkImage(dir)] }), /empty\.tgz: the archive holds no model\.json/);
    const check = [await checkImage(dir)];
    await assert.rejects(importWeights({ source, out: path.join(dir, 'z'), checkImages: [] }), /give at least one image/);
    await assert.rejects(importWeights({ source: path.join(dir, 'missing'), out: path.join(dir, 'z'), checkImages: check }), /missing: no such file or folder/);
    await assert.rejects(importWeights({ source: source.replace('.tgz', '.txt'), out: path.join(dir, 'z'), checkImages: check }), /no such file or folder/);
    await writeFile(path.join(dir, 'broken.onnx'), Buffer.from([0x3a, 0xff, 0x01]));
    await assert.rejects(importWeights({ source: path.join(dir, 'broken.onnx'), out: path.join(dir, 'y'), checkImages: check }), /broken\.onnx: truncated ONNX file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('Keras 2.2 ResNet names map to the names the zoo uses', () => {
  assert.equal(modernResNetName('res2a_branch2a/kernel'), 'conv2_block1_1_conv/kernel');
  assert.equal(modernResNetName('bn4f_branch2c/moving_variance'), 'conv4_block6_3_bn/moving_variance');
  assert.equal(modernResNetName('res3b_branch1/bias'), 'conv3_block2_0_conv/bias');
  assert.equal(modernResNetName('bn_conv1/gamma'), 'conv1_bn/gamma');
  assert.equal(modernResNetName('conv1/kernel'), 'conv1_conv/kernel');
  assert.equal(modernResNetName('fc1000/bias'), 'predictions/bias');
  assert.equal(modernResNetName('block_1_expand/kernel'), 'block_1_expand/kernel');
});

test('only encoders with a symmetric-padding variant accept one', () => {
  assert.throws(() => createClassifier({ encoder: 'resnet50', inputSize: 64, alpha: 0.125, padding: 'symmetric' }), /resnet50 has no symmetric-padding variant/);
});
