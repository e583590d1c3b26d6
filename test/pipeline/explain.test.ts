/**
 * Explanation outputs (src/models/explain.ts): the class activation maps of a GAP + dense head
 * are exact (their cell mean plus the bias is the logit), for one view and for each member of a
 * multi-view classifier, the same in TF.js and in the ONNX export; models without such a head
 * have none. And the maps land on the photo where each view was cut from (src/pipeline/cam.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HAM_CLASSES, PREPROCESSING_PRESETS, type ClassifierInput } from '../../src/models/config.js';
import { explanationModel } from '../../src/models/explain.js';
import { createMultiViewClassifier } from '../../src/models/multi-view.js';
import { createSegmenter, type DermkitModel } from '../../src/models/registry.js';
import { tf } from '../../src/tf.js';
import { classActivationMap, classEvidence } from '../../src/pipeline/cam.js';
import { onnxPredictorFor, tfjsPredictor, type ModelOutputs } from '../../src/pipeline/predictor.js';
import type { SquareTransform } from '../../src/image/types.js';

const SIZE = 32;
const K = HAM_CLASSES.length;

/** conv (stride 4) -> head_pool -> head_dropout -> head_predictions, seeded: the registry's head on a tiny encoder. */
function tinyClassifier(seed: number, trainedOn: ClassifierInput = 'image'): DermkitModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3], name: 'image' });
  const maps = tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 4, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }), name: 'features' }).apply(input);
  const pooled = tf.layers.globalAveragePooling2d({ name: 'head_pool' }).apply(maps);
  const dropped = tf.layers.dropout({ rate: 0.2, name: 'head_dropout' }).apply(pooled);
  const output = tf.layers.dense({
    units: K, activation: 'softmax', name: 'head_predictions',
    kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }), biasInitializer: tf.initializers.randomNormal({ seed: seed + 2 }),
  }).apply(dropped) as tf.SymbolicTensor;
  const p = PREPROCESSING_PRESETS.tf;
  return {
    model: tf.model({ inputs: input, outputs: output }),
    config: {
      format: 'dermkit-model/1', kind: 'classifier', name: `tiny-${trainedOn}`, arch: 'gap-dense', encoder: 'none', trainedOn,
      preprocessing: { inputSize: SIZE, resizeMode: 'stretch', channelOrder: p.channelOrder, scale: p.scale, mean: [...p.mean], std: [...p.std] },
      classes: [...HAM_CLASSES], provenance: { createdAt: '2026-01-01T00:00:00.000Z', dermkitVersion: 'test', initialisation: 'seeded' },
    },
  };
}

function fused(): DermkitModel {
  return createMultiViewClassifier([tinyClassifier(1, 'image'), tinyClassifier(5, 'crop')]);
}

const softmax = (z: number[]) => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

/** Per class, the mean of a [cells, K] map plus the dense bias: the view's logits. */
function logitsFromMap(map: Float32Array, bias: Float32Array): number[] {
  const cells = map.length / K;
  return Array.from({ length: K }, (_, c) => {
    let sum = 0;
    for (let i = 0; i < cells; i++) sum += map[i * K + c]!;
    return sum / cells + bias[c]!;
  });
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) assert.ok(Math.abs(actual[i]! - expected[i]!) <= tolerance, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

function stackedInput(views: number): Float32Array {
  return Float32Array.from({ length: SIZE * SIZE * 3 * views }, (_, i) => Math.sin(i * 0.37) * 0.9);
}

async function bothEngines(make: () => DermkitModel, views: number): Promise<{ tfjs: ModelOutputs; onnx: ModelOutputs; biases: Float32Array[] }> {
  const m = make();
  const biases = m.model.layers.filter((l) => l.name.endsWith('head_predictions')).map((l) => l.getWeights()[1]!.dataSync() as Float32Array);
  const tfjs = tfjsPredictor(m);
  const onnx = await onnxPredictorFor(make());
  const x = stackedInput(views);
  const out = { tfjs: await tfjs.run(x, 1), onnx: await onnx.run(x, 1), biases: biases.map((b) => Float32Array.from(b)) };
  tfjs.dispose();
  onnx.dispose();
  return out;
}

describe('class activation maps and features', () => {
  it('are exact for a GAP + dense classifier, in TF.js and in its ONNX export', async () => {
    const { tfjs, onnx, biases } = await bothEngines(() => tinyClassifier(1), 1);
    assert.deepEqual(Object.keys(tfjs), ['output', 'cam_0', 'features']);
    assert.deepEqual(Object.keys(onnx).sort(), ['cam_0', 'features', 'output']);
    assert.equal(tfjs.cam_0!.length, 8 * 8 * K, 'one map per class over the 8 x 8 cells');
    assert.equal(tfjs.features!.length, 6);
    assertClose(softmax(logitsFromMap(tfjs.cam_0!, biases[0]!)), tfjs.output!, 1e-5, 'softmax(mean map + bias) = probabilities');
    for (const name of Object.keys(tfjs)) assertClose(onnx[name]!, tfjs[name]!, 1e-4, `ONNX ${name}`);
  });

  it('come per view for a multi-view classifier, whose fused logits are the mean of the views\'', async () => {
    const { tfjs, onnx, biases } = await bothEngines(fused, 2);
    assert.deepEqual(Object.keys(tfjs), ['output', 'cam_0', 'cam_1', 'features']);
    assert.equal(tfjs.features!.length, 12, 'the views\' features side by side');
    const views = [tfjs.cam_0!, tfjs.cam_1!].map((map, v) => logitsFromMap(map, biases[v]!));
    assertClose(softmax(views[0]!.map((z, c) => (z + views[1]![c]!) / 2)), tfjs.output!, 1e-5, 'geometric mean = softmax of the mean logits');
    for (const name of Object.keys(tfjs)) assertClose(onnx[name]!, tfjs[name]!, 1e-4, `ONNX ${name}`);
  });

  it('are absent for a segmenter and for a head that is not GAP + dense', async () => {
    const segmenter = createSegmenter({ arch: 'unet', encoder: 'mobilenetv2', inputSize: 32, alpha: 0.35 });
    assert.equal(explanationModel(segmenter.model), null);
    const input = tf.input({ shape: [SIZE, SIZE, 3] });
    const flat = tf.layers.flatten().apply(tf.layers.conv2d({ filters: 2, kernelSize: 8, strides: 8 }).apply(input));
    const plain = tf.model({ inputs: input, outputs: tf.layers.dense({ units: K, activation: 'softmax' }).apply(flat) as tf.SymbolicTensor });
    assert.equal(explanationModel(plain), null);
    const onnx = await onnxPredictorFor(segmenter);
    assert.deepEqual(Object.keys(await onnx.run(new Float32Array(SIZE * SIZE * 3), 1)), ['output']);
    onnx.dispose();
    plain.dispose();
  });
});

describe('maps on the photo', () => {
  const stretch = (size: number): SquareTransform => ({ mode: 'stretch', size, sourceWidth: size, sourceHeight: size, content: { x: 0, y: 0, width: size, height: size } });

  it('spread each view over the box it was cut from, weighted so that the evidence sums to the mean of the views\' logits', () => {
    // 2 x 2 maps of 2 classes; class 1 everywhere 1 in the whole-image view, 5 in the crop view.
    const whole = { data: Float32Array.from({ length: 8 }, (_, i) => (i % 2 ? 1 : 0)), size: 2, transform: stretch(32), box: { x: 0, y: 0, width: 40, height: 30 } };
    const crop = { data: Float32Array.from({ length: 8 }, (_, i) => (i % 2 ? 5 : 0)), size: 2, transform: stretch(32), box: { x: 10, y: 5, width: 10, height: 20 } };
    const evidence = classEvidence([whole, crop], 1, 2, 40, 30);
    const total = evidence.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - (1 + 5) / 2) < 1e-4, `evidence sums to ${total}`);
    assert.ok(evidence[0]! < evidence[6 * 40 + 12]!, 'more evidence per pixel where the crop looked');
    const heat = classActivationMap([whole, crop], 1, 2, 40, 30);
    assert.equal(heat.data[6 * 40 + 12], 255);
    assert.ok(heat.data[0]! > 0 && heat.data[0]! < 255);
  });

  it('put a crop view\'s strongest cell at its place in the photo', () => {
    // One hot cell (top right of a 4 x 4 map) in a crop from (60, 20), 40 x 40 px, of a 200 x 100 photo.
    const data = new Float32Array(16);
    data[3] = 1;
    const heat = classActivationMap([{ data, size: 4, transform: stretch(32), box: { x: 60, y: 20, width: 40, height: 40 } }], 0, 1, 200, 100);
    let best = 0;
    heat.data.forEach((v, i) => (v > heat.data[best]! ? (best = i) : 0));
    const [x, y] = [best % 200, Math.floor(best / 200)];
    assert.ok(x >= 90 && x < 100 && y >= 20 && y < 30, `hottest pixel at (${x}, ${y})`);
    assert.equal(heat.data[10 * 200 + 10], 0, 'nothing outside the crop');
  });
});
