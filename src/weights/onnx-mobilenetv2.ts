/**
 * ImageNet weights from the ONNX Model Zoo's int8 MobileNetV2 (torchvision's network, quantised
 * with QLinearConv, batch norm folded into the convolutions). Each convolution's int8 kernel and
 * int32 bias are dequantised; the folded bias goes into the following Keras batch norm as its
 * beta, with gamma 1, mean 0 and variance 1 - epsilon so that the layer passes values through.
 * The 52 convolutions come in the same order as Keras's, so they map by position.
 */
import { readFile } from 'node:fs/promises';
import { createSession, decodeModel, dequantizeGraph, encodeModel, ort, QuantisedConstants } from '../engine/index.js';
import { makeDivisible } from '../models/encoders/common.js';
import type { EncoderPadding } from '../models/encoders/types.js';
import { tf } from '../tf.js';
import type { WeightSource } from './source.js';

/** Keras MobileNetV2's batch-norm epsilon. */
const BN_EPSILON = 1e-3;
const BLOCKS = 17;
const ALPHAS = [0.35, 0.5, 0.75, 1, 1.3, 1.4];

/** Keras names of MobileNetV2's convolutions and their batch norms, in graph order. */
function kerasConvNames(): Array<{ conv: string; bn: string }> {
  const names = [{ conv: 'Conv1', bn: 'bn_Conv1' }];
  for (let id = 0; id < BLOCKS; id++) {
    const prefix = id === 0 ? 'expanded_conv_' : `block_${id}_`;
    const parts = id === 0 ? ['depthwise', 'project'] : ['expand', 'depthwise', 'project'];
    for (const part of parts) names.push({ conv: `${prefix}${part}`, bn: `${prefix}${part}_BN` });
  }
  names.push({ conv: 'Conv_1', bn: 'Conv_1_bn' });
  return names;
}

export async function readOnnxMobileNetV2(file: string): Promise<WeightSource> {
  const bytes = await readFile(file).catch((e: Error) => {
    throw new Error(`${file}: cannot read (${e.message})`);
  });
  const graph = decodeModel(bytes, file);
  const constants = new QuantisedConstants(graph, file);
  const convs = graph.nodes.filter((n) => n.opType === 'QLinearConv');
  const names = kerasConvNames();
  if (convs.length !== names.length) {
    throw new Error(`${file}: has ${convs.length} QLinearConv nodes, a quantised MobileNetV2 has ${names.length}`);
  }
  const weights = new Map<string, tf.Tensor>();
  let padding: EncoderPadding = 'tf';
  convs.forEach((node, i) => {
    const { conv, bn } = names[i]!;
    const float = constants.conv(node, conv);
    const [outC, inPerGroup] = float.weight.dims as [number, number, number, number];
    const group = Number(node.attributes.group ?? 1);
    const depthwise = group > 1;
    if (depthwise !== conv.endsWith('depthwise') || (depthwise && (group !== outC || inPerGroup !== 1))) {
      throw new Error(`${file}: convolution ${i} (${node.inputs[3]}) does not match Keras's ${conv}; not a MobileNetV2`);
    }
    const strides = node.attributes.strides as number[] | undefined;
    const pads = node.attributes.pads as number[] | undefined;
    if (strides?.[0] === 2 && pads && pads[0] === pads[2] && pads[0]! > 0) padding = 'symmetric';
    const kernel = tf.tensor4d(float.weight.data as Float32Array, float.weight.dims as [number, number, number, number]);
    // ONNX OIHW -> Keras HWIO (regular) or HWC1 (depthwise: O = C, I = 1).
    weights.set(depthwise ? `${conv}/depthwise_kernel` : `${conv}/kernel`, tf.transpose(kernel, depthwise ? [2, 3, 0, 1] : [2, 3, 1, 0]));
    kernel.dispose();
    weights.set(`${bn}/gamma`, tf.ones([outC]));
    weights.set(`${bn}/beta`, float.bias ? tf.tensor1d(float.bias.data as Float32Array) : tf.zeros([outC]));
    weights.set(`${bn}/moving_mean`, tf.zeros([outC]));
    weights.set(`${bn}/moving_variance`, tf.fill([outC], 1 - BN_EPSILON));
  });

  const matmul = graph.nodes.find((n) => n.opType === 'QLinearMatMul');
  const hasTop = matmul !== undefined;
  if (matmul) {
    const kernel = constants.dequantized(matmul, 3, 1, 'predictions');
    weights.set('predictions/kernel', tf.tensor2d(kernel.data as Float32Array, kernel.dims as [number, number]));
    const add = graph.nodes.find((n) => n.opType === 'QLinearAdd' && n.inputs[0] === matmul.outputs[0]);
    weights.set('predictions/bias', add ? tf.tensor1d(constants.dequantized(add, 3, 0, 'bias').data as Float32Array) : tf.zeros([kernel.dims[1]!]));
  }

  const lastProject = convs[names.length - 2]!;
  const projectFilters = constants.tensor(lastProject, 3).dims[0]!;
  const alpha = ALPHAS.find((a) => makeDivisible(320 * a, 8) === projectFilters);
  if (alpha === undefined) throw new Error(`${file}: last block has ${projectFilters} channels, which matches no MobileNetV2 width`);

  const inputName = graph.inputs[0]?.name ?? 'input';
  // The Model Zoo file is opset 12; its non-quantised ops (Unsqueeze with an axes attribute) need it.
  const session = await createSession(encodeModel(dequantizeGraph(graph, file), 12), { threads: 1 });
  return {
    description: `ONNX int8 MobileNetV2 ${alpha} (${file})`,
    reference: 'the source graph with its int8 activations kept in float (same weights, no activation rounding)',
    encoder: 'mobilenetv2',
    alpha,
    padding,
    // torchvision's MobileNetV2, which the Model Zoo quantised, expects ImageNet mean/std.
    preprocessing: 'torch',
    weights,
    inputSize: 224,
    hasTop,
    async run(input) {
      const nchw = tf.tidy(() => tf.transpose(input, [0, 3, 1, 2]));
      const feeds = { [inputName]: new ort.Tensor('float32', (await nchw.data()) as Float32Array, nchw.shape) };
      nchw.dispose();
      const result = await session.run(feeds);
      const logits = result[session.outputNames[0]!]!.data as Float32Array;
      const [n, k] = [input.shape[0], logits.length / input.shape[0]];
      return tf.tidy(() => tf.softmax(tf.tensor2d(logits, [n, k])).dataSync() as Float32Array);
    },
    dispose() {
      for (const t of weights.values()) t.dispose();
      void session.release();
    },
  };
}
