/** exportOnnx + createOnnxPredictor against model.predict on the tiny models of every family. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { createOnnxPredictor, exportOnnx } from '../../src/engine/index.js';
import { decodeModel } from '../../src/engine/onnx/reader.js';
import { assertClose, makeBatches, tinyEfficientNet, tinyMobileNetV2, tinyResNet, tinyUnet } from './helpers.js';

async function comparePredictions(model: tf.LayersModel): Promise<void> {
  const predictor = await createOnnxPredictor(exportOnnx(model), { threads: 1 });
  try {
    assert.equal(predictor.fixedBatch, null, 'the exported batch dimension is dynamic');
    for (const batch of [1, 3]) {
      const [{ x }] = makeBatches(model, batch, 1, batch) as [{ x: Float32Array }];
      const expected = tf.tidy(() => (model.predict(tf.tensor(x, [batch, ...(model.inputs[0]!.shape.slice(1) as number[])])) as tf.Tensor).dataSync());
      assertClose(await predictor.predict(x, batch), expected, 1e-4, `batch ${batch}`);
    }
  } finally {
    predictor.dispose();
  }
}

describe('exportOnnx + createOnnxPredictor match model.predict', () => {
  it('MobileNetV2-like classifier', () => comparePredictions(tinyMobileNetV2()));
  it('ResNet-like classifier', () => comparePredictions(tinyResNet()));
  it('EfficientNet-like classifier (dropout inactive)', () => comparePredictions(tinyEfficientNet()));
  it('U-Net segmenter', () => comparePredictions(tinyUnet()));

  it('names input and output and reports per-image shapes', async () => {
    const model = tinyUnet();
    const predictor = await createOnnxPredictor(exportOnnx(model));
    try {
      assert.deepEqual(predictor.inputShape, [12, 12, 3]);
      assert.deepEqual(predictor.outputShape, [12, 12, 1]);
      await assert.rejects(predictor.predict(new Float32Array(10), 1), /got 10 values for 1 images/);
    } finally {
      predictor.dispose();
    }
  });

  it('mixes channels before the last resize of a segmentation head, with the same outputs', async () => {
    // upsample x2 then a 1x1 head: the export convolves first and interpolates the mask only.
    for (const head of [{ units: 1, activation: 'sigmoid' }, { units: 2, activation: 'softmax' }] as const) {
      const input = tf.input({ shape: [10, 10, 3] });
      let x = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as tf.SymbolicTensor;
      x = tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }).apply(x) as tf.SymbolicTensor;
      const y = tf.layers.conv2d({ filters: head.units, kernelSize: 1, activation: head.activation, biasInitializer: 'randomNormal' }).apply(x) as tf.SymbolicTensor;
      const model = tf.model({ inputs: input, outputs: y });
      const ops = decodeModel(exportOnnx(model), 'export').nodes.map((n) => n.opType).filter((op) => op === 'Conv' || op === 'Resize');
      assert.deepEqual(ops, ['Conv', 'Conv', 'Resize']);
      await comparePredictions(model);
    }
  });

  it('exports a model with several outputs under the names given, `output` first', async () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const maps = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling2d({}).apply(maps) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: [pooled, maps] });
    assert.throws(() => exportOnnx(model), /2 outputs, named 1/);
    const predictor = await createOnnxPredictor(exportOnnx(model, { outputNames: ['output', 'maps'] }), { threads: 1 });
    try {
      assert.deepEqual(predictor.outputNames, ['output', 'maps']);
      const [{ x }] = makeBatches(model, 2, 1, 2) as [{ x: Float32Array }];
      const expected = tf.tidy(() => (model.predict(tf.tensor(x, [2, 8, 8, 3])) as tf.Tensor[]).map((t) => t.dataSync()));
      const outputs = await predictor.run(x, 2);
      assertClose(outputs.output!, expected[0]!, 1e-4, 'output');
      assertClose(outputs.maps!, expected[1]!, 1e-4, 'maps');
      assertClose(await predictor.predict(x, 2), expected[0]!, 1e-4, 'predict gives the first output');
    } finally {
      predictor.dispose();
    }
  });

  it('rejects bytes that are not an exported dermkit model', async () => {
    await assert.rejects(createOnnxPredictor(new Uint8Array([1, 2, 3])));
  });
});
