/**
 * Compiled (ONNX Runtime) training against eager TF.js: the same tiny model, weights and
 * batches; after three Adam steps the losses, every weight (batch-norm statistics included)
 * and the optimizer state must agree to 1e-4 relative.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { compileTrainer } from '../../src/engine/index.js';
import { categoricalCrossentropy, type LossName } from '../../src/engine/losses.js';
import { AdamOptimizer } from '../../src/engine/adam.js';
import { assertClose, makeBatches, trainRun, tinyEfficientNet, tinyMobileNetV2, tinyResNet, tinyUnet } from './helpers.js';

const TOLERANCE = 1e-4;

async function compareEngines(build: () => tf.LayersModel, loss: LossName, batch = 3): Promise<void> {
  const model = build();
  const initial = model.getWeights().map((w) => w.clone());
  const batches = makeBatches(model, batch, 3, 11);
  const options = { loss, optimizer: { type: 'adam' as const, learningRate: 0.01 } };
  const eager = await trainRun(model, initial, batches, { ...options, engine: 'eager' });
  const onnx = await trainRun(model, initial, batches, { ...options, engine: 'onnx' });
  assert.equal(onnx.engine, 'onnx');
  assertClose(onnx.losses, eager.losses, TOLERANCE, 'losses');
  onnx.weights.forEach((w, i) => assertClose(w, eager.weights[i]!, TOLERANCE, `weight ${model.weights[i]!.name}`));
  onnx.optimizer.forEach((a, i) => assertClose(a, eager.optimizer[i]!, TOLERANCE, `optimizer array ${i}`));
  tf.dispose(initial);
}

describe('compileTrainer matches eager TF.js after 3 Adam steps', () => {
  it('MobileNetV2-like: conv/BN/ReLU6, depthwise (stride 2, multiplier 2), residual, softmax head', () =>
    compareEngines(tinyMobileNetV2, 'categoricalCrossentropy'));
  it('ResNet-like: 7x7/2 conv, max pool, residual, average pool', () =>
    compareEngines(tinyResNet, 'categoricalCrossentropy'));
  it('EfficientNet-like: swish, squeeze-excitation, dropout with seeded noise', () =>
    compareEngines(tinyEfficientNet, 'categoricalCrossentropy'));
  it('U-Net: bilinear upsampling, concatenation, sigmoid head, BCE + Dice', () =>
    compareEngines(tinyUnet, 'bceDice', 2));
});

describe('compileTrainer behaviour', () => {
  it('follows learning-rate changes between steps like eager', async () => {
    const model = tinyMobileNetV2();
    const initial = model.getWeights().map((w) => w.clone());
    const batches = makeBatches(model, 2, 3, 5);
    const schedule = [0.02, 0.002, 0];
    const options = { loss: 'categoricalCrossentropy' as const, optimizer: { type: 'adam' as const, learningRate: 0.5 } };
    const set = (t: { setLearningRate(lr: number): void }, i: number) => t.setLearningRate(schedule[i]!);
    const eager = await trainRun(model, initial, batches, { ...options, engine: 'eager' }, 7, set);
    const onnx = await trainRun(model, initial, batches, { ...options, engine: 'onnx' }, 7, set);
    onnx.weights.forEach((w, i) => assertClose(w, eager.weights[i]!, TOLERANCE, `weight ${i}`));
    tf.dispose(initial);
  });

  it('draws fresh dropout noise on every step', async () => {
    const model = tinyEfficientNet();
    const [batch] = makeBatches(model, 4, 1, 3);
    const trainer = await compileTrainer(model, { loss: 'categoricalCrossentropy', optimizer: { type: 'adam', learningRate: 0 }, batchSize: 4 });
    try {
      assert.equal(trainer.engine, 'onnx');
      const losses = [await trainer.step(batch!.x, batch!.y), await trainer.step(batch!.x, batch!.y)];
      assert.notEqual(losses[0], losses[1], 'with learning rate 0 only the dropout masks can change the loss');
    } finally {
      trainer.dispose();
    }
  });

  it('compiles another graph for a different batch size and keeps training the same weights', async () => {
    const model = tinyMobileNetV2();
    const initial = model.getWeights().map((w) => w.clone());
    const [big] = makeBatches(model, 3, 1, 8);
    const [small] = makeBatches(model, 1, 1, 9);
    const results = [];
    for (const engine of ['eager', 'onnx'] as const) {
      model.setWeights(initial);
      const trainer = await compileTrainer(model, { loss: 'categoricalCrossentropy', optimizer: { type: 'adam', learningRate: 0.01 }, batchSize: 3, engine });
      const losses = [await trainer.step(big!.x, big!.y), await trainer.step(small!.x, small!.y, 1), await trainer.step(big!.x, big!.y)];
      await trainer.writeBack();
      results.push({ losses, weights: model.getWeights().map((w) => w.dataSync().slice()) });
      trainer.dispose();
    }
    assertClose(results[1]!.losses, results[0]!.losses, TOLERANCE, 'losses');
    results[1]!.weights.forEach((w, i) => assertClose(w, results[0]!.weights[i]!, TOLERANCE, `weight ${i}`));
    tf.dispose(initial);
  });

  it('restores optimizer state saved by another trainer', async () => {
    const model = tinyMobileNetV2();
    const batches = makeBatches(model, 2, 2, 4);
    const options = { loss: 'categoricalCrossentropy' as const, optimizer: { type: 'adam' as const, learningRate: 0.01 }, batchSize: 2 };
    const first = await compileTrainer(model, options);
    await first.step(batches[0]!.x, batches[0]!.y);
    const saved = await first.getOptimizerState();
    first.dispose();
    const weightsAfterFirst = model.getWeights().map((w) => w.clone());
    const resumed = await compileTrainer(model, options);
    await resumed.setOptimizerState(saved);
    const resumedLoss = await resumed.step(batches[1]!.x, batches[1]!.y);
    resumed.dispose();
    model.setWeights(weightsAfterFirst);
    const eager = await compileTrainer(model, { ...options, engine: 'eager' });
    await eager.setOptimizerState(saved);
    const eagerLoss = await eager.step(batches[1]!.x, batches[1]!.y);
    const eagerState = await eager.getOptimizerState();
    eager.dispose();
    assertClose([resumedLoss], [eagerLoss], TOLERANCE, 'loss after resume');
    assertClose(eagerState[0]!.data, [saved[0]!.data[0]! * 0.9], 1e-6, 'beta1 power advanced by one step');
    tf.dispose(weightsAfterFirst);
  });

  it('falls back to eager TF.js and names the kernel it cannot compile', async () => {
    const model = tinyMobileNetV2();
    const reasons: string[] = [];
    const trainer = await compileTrainer(model, {
      loss: (yTrue, yPred) => tf.mean(tf.atan2(yPred, tf.add(yTrue, 1))) as tf.Scalar,
      optimizer: { type: 'adam', learningRate: 0.01 },
      batchSize: 2,
      onFallback: (reason) => reasons.push(reason),
    });
    try {
      assert.equal(trainer.engine, 'eager');
      assert.match(trainer.fallbackReason ?? '', /Atan2/);
      assert.deepEqual(reasons, [trainer.fallbackReason]);
      const [batch] = makeBatches(model, 2, 1, 1);
      assert.ok(Number.isFinite(await trainer.step(batch!.x, batch!.y)));
    } finally {
      trainer.dispose();
    }
  });

  it('rejects batches of the wrong size with a clear error', async () => {
    const model = tinyMobileNetV2();
    const trainer = await compileTrainer(model, { loss: 'categoricalCrossentropy', optimizer: { type: 'adam', learningRate: 0.01 }, batchSize: 2 });
    try {
      await assert.rejects(trainer.step(new Float32Array(5), new Float32Array(6)), /x has 5 values, expected 864/);
    } finally {
      trainer.dispose();
    }
  });
});

describe('AdamW weight decay and label smoothing', () => {
  it('compiled steps match eager with both on', async () => {
    const model = tinyMobileNetV2();
    const initial = model.getWeights().map((w) => w.clone());
    const batches = makeBatches(model, 3, 3, 13);
    const options = { loss: 'categoricalCrossentropy' as const, labelSmoothing: 0.1, optimizer: { type: 'adam' as const, learningRate: 0.01, weightDecay: 0.05 } };
    const eager = await trainRun(model, initial, batches, { ...options, engine: 'eager' });
    const onnx = await trainRun(model, initial, batches, { ...options, engine: 'onnx' });
    assert.equal(onnx.engine, 'onnx');
    assertClose(onnx.losses, eager.losses, TOLERANCE, 'losses');
    onnx.weights.forEach((w, i) => assertClose(w, eager.weights[i]!, TOLERANCE, `weight ${model.weights[i]!.name}`));
    tf.dispose(initial);
  });

  it('decay shrinks the decayed parameters by lr x decay per step, and only those', () => {
    const kernel = tf.variable(tf.tensor1d([1, -2]));
    const bias = tf.variable(tf.tensor1d([3]));
    const adam = new AdamOptimizer([kernel, bias], { learningRate: 0.1, weightDecay: 0.5, decayed: [true, false] });
    adam.apply([tf.zeros([2]), tf.zeros([1])]);
    assertClose(Array.from(kernel.dataSync()), [1 - 0.05, -2 * (1 - 0.05)], 1e-6, 'kernel');
    assertClose(Array.from(bias.dataSync()), [3], 1e-6, 'bias');
    adam.dispose();
    tf.dispose([kernel, bias]);
  });

  it('label smoothing is Keras\'s: targets y(1 - s) + s / classes', () => {
    const y = tf.tensor2d([[0, 1, 0]]);
    const p = tf.tensor2d([[0.2, 0.5, 0.3]]);
    const smoothed = categoricalCrossentropy(y, p, undefined, 0.3).dataSync()[0]!;
    const target = [0.1, 0.8, 0.1];
    const expected = -target.reduce((s, t, i) => s + t * Math.log([0.2, 0.5, 0.3][i]!), 0);
    assert.ok(Math.abs(smoothed - expected) < 1e-6, `${smoothed} vs ${expected}`);
    tf.dispose([y, p]);
  });
});
