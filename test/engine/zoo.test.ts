/**
 * The real encoder zoo at test size (width multiplier 0.25, small inputs), each with a softmax
 * head. Every encoder must export an inference graph that matches model.predict and compile its
 * training step to ONNX (no eager fallback); MobileNetV2 and EfficientNetB0 are also trained
 * against eager TF.js. The three deepest encoders compile slowly (ONNX Runtime needs 10-20 s
 * for their ~20k-node training graphs), so their training check runs only with
 * DERMKIT_TEST_ALL_ENCODERS=1.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { ENCODER_NAMES, getEncoder } from '../../src/models/encoders/index.js';
import { compileTrainer, createOnnxPredictor, exportOnnx } from '../../src/engine/index.js';
import { assertClose, makeBatches, prng, trainRun } from './helpers.js';

const ALPHA = 0.25;
const BATCH = 2;
/** Encoders trained against eager TF.js, with the input side used for it. */
const COMPARED_WITH_EAGER = new Map([['mobilenetv2', 64], ['efficientnetb0', 64]]);
const SLOW_TO_COMPILE = new Set(['resnet101', 'inceptionresnetv2', 'efficientnetb4']);
const ALL = process.env['DERMKIT_TEST_ALL_ENCODERS'] === '1';

/**
 * Replace every randomly initialised trainable weight (the encoders use unseeded Keras
 * initialisers) by seeded uniform values, so that each run tests the same network.
 */
function reseed(model: tf.LayersModel, seed: number): void {
  const random = prng(seed);
  for (const weight of model.trainableWeights) {
    const values = weight.read().dataSync();
    if (values.every((v) => v === values[0])) continue;
    // LeCun-uniform range from the fan-in (all axes but the last), the same on every run.
    const fanIn = weight.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const range = Math.sqrt(3 / fanIn);
    weight.write(tf.tensor(Float32Array.from(values, () => (random() * 2 - 1) * range), weight.shape));
  }
}

function tinyClassifier(name: string, size: number): tf.LayersModel {
  const spec = getEncoder(name);
  const side = Math.max(size, spec.minInputSize);
  const input = tf.input({ shape: [side, side, 3] });
  const { features } = spec.build(input, { alpha: ALPHA });
  const pooled = tf.layers.globalAveragePooling2d({}).apply(features[32]) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }).apply(pooled) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  reseed(model, 17);
  return model;
}

async function checkInference(model: tf.LayersModel, x: Float32Array): Promise<void> {
  const predictor = await createOnnxPredictor(exportOnnx(model), { threads: 1 });
  try {
    const expected = tf.tidy(() => (model.predict(tf.tensor(x, [BATCH, ...(model.inputs[0]!.shape.slice(1) as number[])])) as tf.Tensor).dataSync());
    assertClose(await predictor.predict(x, BATCH), expected, 1e-4, 'prediction');
  } finally {
    predictor.dispose();
  }
}

/**
 * One step with Adam at epsilon 1 and learning rate 1 is w - g / (|g| + 1), about w - g: the
 * weights then compare the gradients themselves (a small epsilon would turn gradients that are
 * zero up to rounding, like a bias right before batch norm, into +-lr noise). TF.js's cpu
 * kernels accumulate in float64 while ONNX Runtime accumulates in float32, and deep networks with
 * batch norm over few values amplify that difference in the first layers' gradients (measured up
 * to 3e-3 here), so the tolerance is 1e-2 (scale floored at 0.1 for tensors that stay near
 * zero); a wrong gradient is an O(1) error.
 */
async function checkTrainingAgainstEager(model: tf.LayersModel, data: { x: Float32Array; y: Float32Array }): Promise<void> {
  const initial = model.getWeights().map((w) => w.clone());
  const options = { loss: 'categoricalCrossentropy' as const, optimizer: { type: 'adam' as const, learningRate: 1, epsilon: 1 } };
  const eager = await trainRun(model, initial, [data], { ...options, engine: 'eager' });
  const onnx = await trainRun(model, initial, [data], { ...options, engine: 'onnx' });
  assert.equal(onnx.engine, 'onnx');
  assertClose(onnx.losses, eager.losses, 1e-4, 'loss');
  onnx.weights.forEach((w, i) => assertClose(w, eager.weights[i]!, 1e-2, `weight ${model.weights[i]!.name}`, 0.1));
  model.setWeights(initial);
  tf.dispose(initial);
}

async function checkCompiles(model: tf.LayersModel, data: { x: Float32Array; y: Float32Array }): Promise<void> {
  const trainer = await compileTrainer(model, {
    loss: 'categoricalCrossentropy', optimizer: { type: 'adam', learningRate: 1e-3 }, batchSize: BATCH, threads: 1,
    onFallback: (reason) => assert.fail(`fell back to eager: ${reason}`),
  });
  try {
    const losses = [await trainer.step(data.x, data.y), await trainer.step(data.x, data.y)];
    assert.ok(losses.every(Number.isFinite), `losses ${losses.join(', ')}`);
  } finally {
    trainer.dispose();
  }
}

describe('model zoo encoders run on ONNX Runtime', () => {
  for (const name of ENCODER_NAMES) {
    it(name, async () => {
      const model = tinyClassifier(name, COMPARED_WITH_EAGER.get(name) ?? 32);
      const [data] = makeBatches(model, BATCH, 1, 21);
      await checkInference(model, data!.x);
      if (COMPARED_WITH_EAGER.has(name)) await checkTrainingAgainstEager(model, data!);
      else if (ALL || !SLOW_TO_COMPILE.has(name)) await checkCompiles(model, data!);
    });
  }
});
