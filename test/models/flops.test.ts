import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { getEncoder } from '../../src/models/encoders/index.js';
import { countFlops } from '../../src/models/flops.js';

/**
 * 8x8x3 input
 *   conv2d 4 filters 3x3 'same'          -> 8x8x4  : 8*8 * 3*3 * 3 * 4      = 6912 MACs
 *   batch norm, relu, max pool 2         -> 4x4x4  : nothing counted
 *   depthwise 3x3 stride 2 'same'        -> 2x2x4  : 2*2 * 3*3 * 4          =  144
 *   separable 8 filters 3x3, mult 2      -> 2x2x8  : 2*2 * (3*3*8 + 8*8)    =  544
 *   conv2dTranspose 2 filters 2x2 s2     -> 4x4x2  : 2*2 (input) * 2*2 * 8*2 =  256
 *   global average pool, dense 10        -> 10     : 2 * 10                 =   20
 *                                                                      total = 7876 MACs
 */
function tinyModel(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 3] });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.separableConv2d({ filters: 8, kernelSize: 3, padding: 'same', depthMultiplier: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 10 }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x });
}

describe('countFlops', () => {
  it('counts 2 x multiply-accumulates of conv, depthwise, separable, transposed conv and dense layers', () => {
    const model = tinyModel();
    assert.deepEqual(model.outputs[0]!.shape, [null, 10]);
    assert.equal(countFlops(model), 2 * 7876);
    model.dispose();
  });

  it('counts a dense layer once per position of a feature map', () => {
    const input = tf.input({ shape: [5, 6, 3] });
    const output = tf.layers.dense({ units: 7 }).apply(input) as tf.SymbolicTensor;
    assert.equal(countFlops(tf.model({ inputs: input, outputs: output })), 2 * 5 * 6 * 3 * 7);
  });

  it('counts a nested model and each call of a shared layer', () => {
    const inner = tinyModel();
    const input = tf.input({ shape: [8, 8, 3] });
    const shared = tf.layers.conv2d({ filters: 3, kernelSize: 1 });
    const twice = shared.apply(shared.apply(input)) as tf.SymbolicTensor;
    const outer = tf.model({ inputs: input, outputs: inner.apply(twice) as tf.SymbolicTensor });
    assert.equal(countFlops(outer), 2 * (7876 + 2 * 8 * 8 * 3 * 3));
  });

  it('counts only the graph of the model asked about, not other models sharing its layers', () => {
    const input = tf.input({ shape: [4, 4, 2] });
    const conv = tf.layers.conv2d({ filters: 2, kernelSize: 1 });
    const first = conv.apply(input) as tf.SymbolicTensor;
    const small = tf.model({ inputs: input, outputs: first });
    const second = tf.layers.conv2d({ filters: 2, kernelSize: 1 }).apply(first) as tf.SymbolicTensor;
    tf.model({ inputs: input, outputs: conv.apply(second) as tf.SymbolicTensor });
    assert.equal(countFlops(small), 2 * 4 * 4 * 2 * 2);
  });

  it('explains that a model without a fixed input size cannot be counted', () => {
    const input = tf.input({ shape: [null, null, 3] });
    const output = tf.layers.conv2d({ filters: 2, kernelSize: 3, name: 'open_conv' }).apply(input) as tf.SymbolicTensor;
    assert.throws(() => countFlops(tf.model({ inputs: input, outputs: output })), /layer "open_conv" has an unknown size .* fixed input size/);
  });

  it('gives the published ~0.6 GFLOPs (300 M multiply-adds) for MobileNetV2 at 224', () => {
    const model = getEncoder('mobilenetv2').buildImagenetClassifier(224);
    const flops = countFlops(model);
    assert.ok(flops > 0.59e9 && flops < 0.61e9, `got ${flops}`);
    model.dispose();
  });
});
