/**
 * Kernel mappings one by one: trace a small function (often with its gradients), run it with
 * ONNX Runtime and compare every output with eager TF.js.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { tf } from '../../src/tf.js';
import { lowerProgram } from '../../src/engine/lower.js';
import { encodeModel, type OnnxGraph } from '../../src/engine/onnx/model.js';
import { NCHWC_DOMAIN } from '../../src/engine/kernels/nchwc.js';
import { nchwcBlockSize } from '../../src/engine/ort.js';
import { traceFunction } from '../../src/engine/trace/trace.js';
import { assertClose, prng } from './helpers.js';

type Fn = (inputs: tf.Tensor[]) => Record<string, tf.Tensor>;

function randomTensor(shape: number[], seed: number, low = -1, high = 1): tf.Tensor {
  const random = prng(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => low + (high - low) * random()), shape);
}

interface CheckOptions {
  /** Let the graph use ONNX Runtime's NCHWc kernels with this block size. */
  nchwcBlockSize?: number;
  /** Assertions on the emitted graph. */
  graph?: (graph: OnnxGraph) => void;
}

/** Run `fn` eagerly and compiled on the same inputs; every output must agree. */
async function check(fn: Fn, shapes: number[][], tolerance = 1e-5, options: CheckOptions = {}): Promise<void> {
  const inputs = shapes.map((shape, i) => randomTensor(shape, 100 + i));
  const expected = tf.tidy(() => fn(inputs));
  const trace = traceFunction({
    state: [],
    inputs: shapes.map((shape, i) => ({ name: `in${i}`, shape, dtype: 'float32' as const })),
    run: fn,
  });
  const { graph } = lowerProgram(trace.program, { name: 'check', nchwcBlockSize: options.nchwcBlockSize });
  options.graph?.(graph);
  const session = await ort.InferenceSession.create(encodeModel(graph), { intraOpNumThreads: 1 });
  try {
    const feeds = Object.fromEntries(inputs.map((t, i) => [`in${i}`, new ort.Tensor('float32', t.dataSync() as Float32Array, t.shape)]));
    const results = await session.run(feeds);
    for (const [name, tensor] of Object.entries(expected)) {
      const actual = results[name]!;
      assert.deepEqual(actual.dims, tensor.shape, `${name}: shape`);
      assertClose(Array.from(actual.data as Float32Array, Number), tensor.dataSync(), tolerance, name);
    }
  } finally {
    await session.release();
    tf.dispose([...inputs, ...Object.values(expected)]);
  }
}

/** f(x, w) and its gradients with respect to both inputs, all as outputs. */
function withGrads(f: (x: tf.Tensor, w: tf.Tensor) => tf.Tensor): Fn {
  return ([x, w]) => {
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(f(a, b))));
    const [dx, dw] = g([x!, w!]);
    return { y: f(x!, w!), dx: dx!, dw: dw! };
  };
}

describe('convolution kernels and their gradients', () => {
  const conv = (strides: number, pad: 'same' | 'valid') => withGrads((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad));
  it('Conv2D 3x3 stride 1 same', () => check(conv(1, 'same'), [[2, 7, 6, 3], [3, 3, 3, 4]]));
  it('Conv2D 3x3 stride 2 same (odd input)', () => check(conv(2, 'same'), [[2, 7, 9, 3], [3, 3, 3, 4]]));
  it('Conv2D 5x5 stride 2 valid (unread last rows)', () => check(conv(2, 'valid'), [[1, 10, 10, 2], [5, 5, 2, 3]]));
  it('Conv2D 1x1 stride 1', () => check(conv(1, 'valid'), [[2, 5, 5, 4], [1, 1, 4, 6]]));
  // More than 256 output positions and 8 input channels: the per-image filter-gradient layout.
  it('Conv2D 3x3 on a larger map', () => check(conv(1, 'same'), [[2, 18, 17, 8], [3, 3, 8, 4]], 1e-4));
  it('kernel layouts come from 2-D transposes and single-axis moves, not a 4-D Transpose of the kernel', async () => {
    // ORT runs a general 4-D Transpose element by element (30-40 ms for a 3x3x512x512 kernel).
    const fromKernel = (graph: OnnxGraph) => graph.nodes.filter((n) => n.inputs.includes('in1')).map((n) => n.opType);
    const graph = (g: OnnxGraph) => {
      assert.ok(!fromKernel(g).includes('Transpose'), fromKernel(g).join(' '));
      assert.ok(g.nodes.some((n) => n.opType === 'Einsum'));
    };
    await check(conv(1, 'same'), [[2, 7, 6, 3], [3, 3, 3, 4]], 1e-5, { graph });
    await check(conv(2, 'same'), [[1, 6, 6, 4], [1, 1, 4, 8]], 1e-5, { graph });
  });
  it('Conv2D with dilation 2 (forward)', () =>
    check(([x, w]) => ({ y: tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', 2) }), [[1, 9, 9, 2], [3, 3, 2, 3]]));
  const depthwise = (strides: number, pad: 'same' | 'valid') =>
    withGrads((x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad));
  it('DepthwiseConv2dNative stride 1 same', () => check(depthwise(1, 'same'), [[2, 6, 6, 4], [3, 3, 4, 1]]));
  it('DepthwiseConv2dNative stride 2 valid', () => check(depthwise(2, 'valid'), [[2, 9, 8, 3], [3, 3, 3, 1]]));
  it('DepthwiseConv2dNative stride 2 same, multiplier 2', () => check(depthwise(2, 'same'), [[2, 8, 8, 3], [3, 3, 3, 2]]));
  it('DepthwiseConv2dNative 1x1 stride 2 valid on odd sizes (unread last row and column)', () => check(depthwise(2, 'valid'), [[1, 7, 9, 2], [1, 1, 2, 1]]));
  it('DepthwiseConv2dNative on large planes (grouped-conv filter gradient), stride 1 and 2', async () => {
    await check(depthwise(1, 'same'), [[1, 56, 57, 2], [3, 3, 2, 1]], 1e-4);
    await check(depthwise(2, 'valid'), [[1, 113, 114, 2], [3, 3, 2, 2]], 1e-4);
  });
  it('Conv2D reads an explicit zero padding as its own pads', () =>
    check(([x, w]) => ({ y: tf.conv2d(tf.pad(x!, [[0, 0], [2, 1], [0, 1], [0, 0]]) as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid') }), [[1, 7, 8, 3], [3, 3, 3, 4]], 1e-5,
      { graph: (graph) => assert.ok(!graph.nodes.some((n) => n.opType === 'Pad'), 'no Pad node') }));
  it('Conv2D gradients through an explicit zero padding', () =>
    check(withGrads((x, w) => tf.conv2d(tf.pad(x, [[0, 0], [1, 1], [0, 1], [0, 0]]) as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid')), [[2, 7, 8, 3], [3, 3, 3, 4]]));
  it('fused conv with bias and relu6', () =>
    check(([x, w, b]) => ({ y: tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'relu6' }) }),
      [[1, 5, 5, 2], [3, 3, 2, 4], [4]]));
  it('conv2dTranspose stride 2', () =>
    check(withGrads((x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 8, 8, 3], 2, 'same')), [[2, 4, 4, 5], [3, 3, 3, 5]]));
});

describe('depthwise convolutions on ONNX Runtime NCHWc kernels (training graphs)', async () => {
  const blockSize = await nchwcBlockSize();
  // Channel counts are multiples of 16, so the NCHWc paths run with AVX2 (8) and AVX-512 (16) blocks.
  const depthwise = (strides: number, pad: 'same' | 'valid') =>
    withGrads((x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad));
  const on = (convolutions: number): CheckOptions => ({
    nchwcBlockSize: blockSize,
    graph: (graph) => assert.equal(graph.nodes.filter((n) => n.domain === NCHWC_DOMAIN && n.opType === 'Conv').length, convolutions, 'NCHWc convolutions'),
  });
  it('finds the kernels on this machine', () => assert.ok(blockSize !== undefined && blockSize >= 8, `block size ${blockSize}`));
  // withGrads runs the forward pass twice; then the stride-1 input gradient and the filter gradient
  it('stride 1 same', { skip: blockSize === undefined }, () => check(depthwise(1, 'same'), [[2, 9, 8, 16], [3, 3, 16, 1]], 1e-4, on(4)));
  // stride 2: the input gradient stays a ConvTranspose
  it('stride 2 same', { skip: blockSize === undefined }, () => check(depthwise(2, 'same'), [[1, 8, 8, 16], [3, 3, 16, 1]], 1e-4, on(3)));
  it('stride 2 valid with an unread last row and column', { skip: blockSize === undefined }, () =>
    check(depthwise(2, 'valid'), [[2, 9, 11, 16], [3, 3, 16, 1]], 1e-4, on(3)));
  it('5x5 kernel, stride 1', { skip: blockSize === undefined }, () => check(depthwise(1, 'same'), [[1, 7, 6, 32], [5, 5, 32, 1]], 1e-4, on(4)));
  it('fused bias and relu6 (forward)', { skip: blockSize === undefined }, () =>
    check(([x, w, b]) => ({ y: tf.fused.depthwiseConv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'relu6' }) }),
      [[1, 5, 5, 16], [3, 3, 16, 1], [16]], 1e-5, on(1)));
  it('a zero padding before a strided convolution is read by the convolutions, not copied', { skip: blockSize === undefined }, () =>
    check(withGrads((x, w) => tf.depthwiseConv2d(tf.pad(x, [[0, 0], [0, 1], [0, 1], [0, 0]]) as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid')),
      [[2, 8, 8, 16], [3, 3, 16, 1]], 1e-4, { nchwcBlockSize: blockSize, graph: (graph) => assert.ok(!graph.nodes.some((n) => n.opType === 'Pad'), 'no Pad node') }));
  it('channel multiplier 2 keeps the standard kernels', { skip: blockSize === undefined }, () =>
    check(depthwise(1, 'same'), [[1, 6, 6, 16], [3, 3, 16, 2]], 1e-4, on(0)));
});

describe('pooling, resizing and normalisation', () => {
  const pooled = (f: (x: tf.Tensor4D) => tf.Tensor): Fn => ([x]) => {
    const [dx] = tf.grads((a: tf.Tensor) => tf.sum(tf.square(f(a as tf.Tensor4D))))([x!]);
    return { y: f(x as tf.Tensor4D), dx: dx! };
  };
  it('MaxPool 3x3/2 same and its gradient', () => check(pooled((x) => tf.maxPool(x, 3, 2, 'same')), [[2, 7, 7, 3]]));
  it('MaxPool 2x2/2 valid and its gradient', () => check(pooled((x) => tf.maxPool(x, 2, 2, 'valid')), [[1, 6, 6, 2]]));
  it('AvgPool 3x3/1 same and its gradient', () => check(pooled((x) => tf.avgPool(x, 3, 1, 'same')), [[2, 5, 5, 3]]));
  it('AvgPool 2x2/2 valid and its gradient', () => check(pooled((x) => tf.avgPool(x, 2, 2, 'valid')), [[1, 6, 6, 2]]));
  // TF.js's ResizeBilinearGrad swaps height and width in its result shape: square images only.
  it('ResizeBilinear x2 and its gradient', () => check(pooled((x) => tf.image.resizeBilinear(x, [10, 10])), [[2, 5, 5, 3]]));
  it('ResizeBilinear to an odd size with align corners, and its gradient', () =>
    check(pooled((x) => tf.image.resizeBilinear(x, [9, 9], true)), [[1, 4, 4, 2]]));
  it('ResizeBilinear with half-pixel centres (forward), to any size and by whole factors (constant scales)', () =>
    check(([x]) => ({
      y: tf.image.resizeBilinear(x as tf.Tensor4D, [9, 11], false, true),
      doubled: tf.image.resizeBilinear(x as tf.Tensor4D, [8, 15], false, true),
    }), [[1, 4, 5, 2]]));
  // TF.js's ResizeNearestNeighborGrad offsets dy by the input's batch stride: compare at batch 1.
  it('ResizeNearestNeighbor x2 and its gradient', () => check(pooled((x) => tf.image.resizeNearestNeighbor(x, [10, 10])), [[1, 5, 5, 3]]));
  it('ResizeNearestNeighbor to odd sizes with align corners / half-pixel centres (forward)', () =>
    check(([x]) => ({
      aligned: tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [9, 7], true),
      halfPixel: tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [9, 11], false, true),
    }), [[1, 4, 5, 2]]));
  it('batch norm in training mode with moments, and gradients', () =>
    check(([x, gamma, beta]) => {
      const f = (a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
        const { mean, variance } = tf.moments(a, [0, 1, 2]);
        return tf.batchNorm(a, mean, variance, o, s, 1e-3);
      };
      const [dx, dg, db] = tf.grads((a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.sum(tf.mul(tf.square(f(a, s, o)), tf.range(1, 5))))([x!, gamma!, beta!]);
      return { y: f(x!, gamma!, beta!), dx: dx!, dg: dg!, db: db! };
    }, [[2, 3, 5, 4], [4], [4]], 1e-4));
});

describe('shape, reduction and element-wise kernels', () => {
  it('slice, strided slice, pad, mirror pad, tile, reverse, transpose', () =>
    check(([x]) => ({
      slice: tf.slice(x!, [0, 1, 0], [2, 2, -1]),
      strided: tf.stridedSlice(x!, [0, 3, 1], [2, 0, 4], [1, -1, 2]),
      shrink: tf.stridedSlice(x!, [1, 0, 0], [2, 4, 4], [1, 1, 1], 0, 0, 0, 0, 1),
      pad: tf.pad(x!, [[0, 1], [2, 0], [1, 1]], 0.5),
      mirror: tf.mirrorPad(x!, [[0, 0], [1, 2], [2, 1]], 'reflect'),
      tile: tf.tile(x!, [1, 2, 3]),
      reverse: tf.reverse(x!, [1, 2]),
      transpose: tf.transpose(x!, [2, 0, 1]),
    }), [[2, 4, 4]]));
  it('concat, split, stack, unstack, gather, broadcastTo, cumsum', () =>
    check(([x, y]) => {
      const [a, b] = tf.split(x!, [1, 3], 2);
      const [u0, u1] = tf.unstack(y!, 1);
      return {
        concat: tf.concat([x!, y!], 2), a: a!, b: b!, stack: tf.stack([u1!, u0!], 0),
        gather: tf.gather(x!, tf.tensor1d([2, 0, 2], 'int32'), 1), broadcast: tf.broadcastTo(tf.slice(x!, [0, 0, 0], [1, 3, 4]), [3, 3, 4]),
        cumsum: tf.cumsum(x!, 1), reverseCumsum: tf.cumsum(x!, 2, true, true),
      };
    }, [[2, 3, 4], [2, 3, 2]]));
  it('reductions over leading, trailing and middle axes, argmax', () =>
    check(([x]) => ({
      sumLeading: tf.sum(x!, [0, 1, 2]), meanMiddle: tf.mean(x!, [1, 2], true), max: tf.max(x!, 3), min: tf.min(x!, [0, 3]),
      prod: tf.prod(tf.add(x!, 2), 1), sumAll: tf.sum(x!), argMax: tf.cast(tf.argMax(x!, 3), 'float32'),
    }), [[2, 3, 4, 5]]));
  it('sums and means of squares read the source once (ReduceSumSquare), as batch-norm moments do', () =>
    check(([x]) => {
      const centered = tf.sub(x!, tf.mean(x!, [0, 1, 2], true));
      return { variance: tf.mean(tf.square(centered), [0, 1, 2]), sumSquares: tf.sum(tf.square(x!), [1, 2], true) };
    }, [[2, 3, 4, 5]], 1e-5, {
      graph: (graph) => assert.equal(graph.nodes.filter((n) => n.opType === 'ReduceSumSquare').length, 2, 'ReduceSumSquare nodes'),
    }));
  it('activations and math', () =>
    check(([x, y]) => ({
      elu: tf.elu(x!), selu: tf.selu(x!), leaky: tf.leakyRelu(x!, 0.1), prelu: tf.prelu(x!, tf.fill([4], 0.3)), softplus: tf.softplus(x!),
      sigmoid: tf.sigmoid(x!), tanh: tf.tanh(x!), relu6: tf.relu6(tf.mul(x!, 8)), sign: tf.sign(x!), round: tf.round(tf.mul(x!, 3)),
      pow: tf.pow(tf.abs(x!), y!), log1p: tf.log1p(tf.abs(x!)), expm1: tf.expm1(x!), rsqrt: tf.rsqrt(tf.add(tf.abs(x!), 1)),
      squaredDifference: tf.squaredDifference(x!, y!), maximum: tf.maximum(x!, y!), minimum: tf.minimum(x!, y!),
      where: tf.where(tf.greater(x!, y!), x!, tf.neg(y!)), notEqual: tf.cast(tf.notEqual(tf.round(x!), tf.round(y!)), 'float32'),
      clip: tf.clipByValue(x!, -0.3, 0.4), softmax: tf.softmax(x!), logSoftmax: tf.logSoftmax(x!),
    }), [[3, 4], [3, 4]]));
  it('batched matmul with transposes and broadcasting, fused matmul with bias', () =>
    check(([a, b, c, d]) => ({
      mm: tf.matMul(a!, b!, true, false), mmT: tf.matMul(b!, d!, false, true), broadcast: tf.matMul(a!, c!),
      fused: tf.fused.matMul({ a: tf.reshape(a!, [2 * 5, 3]) as tf.Tensor2D, b: c as tf.Tensor2D, bias: tf.ones([4]), activation: 'relu' }),
    }), [[2, 5, 3], [2, 5, 4], [3, 4], [2, 6, 4]]));
});

describe('traced program', () => {
  it('keeps constants from hyperparameters and rejects host reads of traced tensors', () => {
    const trace = traceFunction({ state: [], inputs: [{ name: 'x', shape: [2], dtype: 'float32' }], run: ([x]) => ({ y: tf.mul(x!, 3) }) });
    assert.equal(trace.program.ops.length, 1);
    assert.throws(() => traceFunction({ state: [], inputs: [{ name: 'x', shape: [2], dtype: 'float32' }], run: ([x]) => ({ y: tf.scalar(x!.dataSync()[0]!) }) }), /reads tensor values on the host/);
  });
});
