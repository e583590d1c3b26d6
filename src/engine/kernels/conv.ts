/**
 * Convolutions and their gradients. TF.js is NHWC with HWIO filters; ONNX Conv is NCHW with
 * OIHW weights, so each lowering transposes in and out (the layout pass cancels the pairs
 * between consecutive convolutions and element-wise ops).
 *
 * - forward: Conv (depthwise = Conv with group = channels)
 * - input gradient: ConvTranspose with pads / output_padding chosen to land on the input size
 * - filter gradient: for each filter tap, a strided Slice of the padded input, then a Gemm
 *   (dense) or Mul + ReduceSum (depthwise) against dy; taps are concatenated into HWIO.
 */
import { tf } from '../../models/tf.js';
import type { GraphBuilder } from '../onnx/builder.js';
import type { ValueMeta } from '../trace/program.js';
import { applyActivation, type FusedActivation, isLayoutFree } from './activation.js';
import { type AnyKernelLowering, kernel, meta, NCHW_TO_NHWC, NHWC_TO_NCHW, type Operand, required } from './types.js';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Pair = number | [number, number];
type Shape4 = [number, number, number, number];

interface ConvAttrs {
  strides: Pair;
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: Pair | null;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}
interface FusedConvAttrs extends ConvAttrs {
  activation?: FusedActivation;
  leakyreluAlpha?: number;
}
interface BackpropInputAttrs extends ConvAttrs { inputShape: Shape4 }
interface BackpropFilterAttrs extends ConvAttrs { filterShape: Shape4 }

type ConvInfo = tf.backend_util.Conv2DInfo;

function shape4(v: ValueMeta | readonly number[]): Shape4 {
  const s = 'shape' in v ? v.shape : v;
  if (s.length !== 4) throw new Error(`expected a rank-4 tensor, got shape [${s.join(', ')}]`);
  return [s[0]!, s[1]!, s[2]!, s[3]!];
}

function convInfo(kernelName: string, xShape: Shape4, filterShape: Shape4, attrs: ConvAttrs, depthwise: boolean): ConvInfo {
  if (attrs.dataFormat === 'NCHW') throw new Error(`${kernelName}: NCHW data format is not supported`);
  return tf.backend_util.computeConv2DInfo(xShape, filterShape, attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, depthwise, 'channelsLast');
}

function convAttributes(info: ConvInfo, group: number) {
  const p = info.padInfo;
  return {
    kernel_shape: [info.filterHeight, info.filterWidth],
    strides: [info.strideHeight, info.strideWidth],
    dilations: [info.dilationHeight, info.dilationWidth],
    pads: [p.top, p.left, p.bottom, p.right],
    group,
  };
}

/** HWIO filter -> OIHW weight; depthwise [kh, kw, C, M] -> [C*M, 1, kh, kw]. */
function onnxWeight(g: GraphBuilder, filter: Operand, depthwise: boolean): string {
  if (!depthwise) return g.op('Transpose', [filter.value], { perm: [3, 2, 0, 1] });
  const [kh, kw, c, m] = shape4(filter);
  const cmhw = g.op('Transpose', [filter.value], { perm: [2, 3, 0, 1] });
  return m === 1 ? cmhw : g.op('Reshape', [cmhw, g.int64s([c * m, 1, kh, kw])]);
}

function convForward(name: string, depthwise: boolean, fused: boolean): AnyKernelLowering {
  return kernel<FusedConvAttrs>({
    infer: (inputs, attrs) => {
      const info = convInfo(name, shape4(required(inputs, 'x', name)), shape4(required(inputs, 'filter', name)), attrs, depthwise);
      return [meta(info.outShape, 'float32')];
    },
    emit: (g, inputs, attrs) => {
      const x = required(inputs, 'x', name);
      const filter = required(inputs, 'filter', name);
      const info = convInfo(name, shape4(x), shape4(filter), attrs, depthwise);
      const bias = fused ? inputs['bias'] : undefined;
      const activation = fused ? attrs.activation : undefined;
      const biasInConv = bias !== undefined && bias.shape.length === 1 && bias.shape[0] === info.outChannels;
      const convInputs = [g.op('Transpose', [x.value], { perm: NHWC_TO_NCHW }), onnxWeight(g, filter, depthwise)];
      if (biasInConv) convInputs.push(bias.value);
      let y = g.op('Conv', convInputs, convAttributes(info, depthwise ? info.inChannels : 1));
      // Element-wise activations run before the transpose back so ORT can fuse them into Conv.
      const earlyActivation = biasInConv || bias === undefined ? isLayoutFree(activation) : false;
      const activationOptions = { leakyreluAlpha: attrs.leakyreluAlpha, preluWeights: inputs['preluActivationWeights']?.value };
      if (earlyActivation) y = applyActivation(g, y, activation, activationOptions);
      y = g.op('Transpose', [y], { perm: NCHW_TO_NHWC });
      if (bias !== undefined && !biasInConv) y = g.op('Add', [y, bias.value]);
      if (!earlyActivation) y = applyActivation(g, y, activation, activationOptions);
      return [y];
    },
  });
}

function backpropInput(name: string, depthwise: boolean): AnyKernelLowering {
  return kernel<BackpropInputAttrs>({
    infer: (inputs, attrs) => [meta(attrs.inputShape, required(inputs, 'dy', name).dtype)],
    emit: (g, inputs, attrs) => {
      const dy = required(inputs, 'dy', name);
      const filter = required(inputs, 'filter', name);
      const info = convInfo(name, attrs.inputShape, shape4(filter), attrs, depthwise);
      return [emitConvTranspose(g, dy.value, onnxWeight(g, filter, depthwise), info, depthwise ? info.inChannels : 1)];
    },
  });
}

/** dy (NHWC) -> gradient w.r.t. the convolution input (NHWC), given the forward geometry. */
export function emitConvTranspose(g: GraphBuilder, dy: string, weight: string, info: ConvInfo, group: number): string {
  const p = info.padInfo;
  const fullHeight = (info.outHeight - 1) * info.strideHeight + (info.filterHeight - 1) * info.dilationHeight + 1;
  const fullWidth = (info.outWidth - 1) * info.strideWidth + (info.filterWidth - 1) * info.dilationWidth + 1;
  // The forward conv may not have read the last rows/cols ('valid' with stride): ConvTranspose
  // then needs output_padding instead of a bottom/right pad to produce the full input size.
  const bottom = fullHeight - p.top - info.inHeight;
  const right = fullWidth - p.left - info.inWidth;
  const dx = g.op('ConvTranspose', [g.op('Transpose', [dy], { perm: NHWC_TO_NCHW }), weight], {
    kernel_shape: [info.filterHeight, info.filterWidth],
    strides: [info.strideHeight, info.strideWidth],
    dilations: [info.dilationHeight, info.dilationWidth],
    pads: [p.top, p.left, Math.max(0, bottom), Math.max(0, right)],
    output_padding: [Math.max(0, -bottom), Math.max(0, -right)],
    group,
  });
  return g.op('Transpose', [dx], { perm: NCHW_TO_NHWC });
}

function backpropFilter(name: string, depthwise: boolean): AnyKernelLowering {
  return kernel<BackpropFilterAttrs>({
    infer: (inputs, attrs) => [meta(attrs.filterShape, required(inputs, 'x', name).dtype)],
    emit: (g, inputs, attrs) => {
      const x = required(inputs, 'x', name);
      const dy = required(inputs, 'dy', name);
      const info = convInfo(name, shape4(x), attrs.filterShape, attrs, depthwise);
      return [emitFilterGradient(g, x, dy.value, info, attrs.filterShape, depthwise)];
    },
  });
}

function emitFilterGradient(g: GraphBuilder, x: Operand, dy: string, info: ConvInfo, filterShape: Shape4, depthwise: boolean): string {
  const [kh, kw, c, m] = filterShape;
  const [n, h, w] = shape4(x);
  const p = info.padInfo;
  const padded = p.top || p.left || p.bottom || p.right
    ? g.op('Pad', [x.value, g.int64s([0, p.top, p.left, 0, 0, p.bottom, p.right, 0])])
    : x.value;
  const paddedHeight = h + p.top + p.bottom;
  const paddedWidth = w + p.left + p.right;
  const { outHeight, outWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const rows = n * outHeight * outWidth;
  const dyRows = depthwise ? undefined : g.op('Reshape', [dy, g.int64s([rows, m])]);
  const dyGrouped = depthwise && m > 1 ? g.op('Reshape', [dy, g.int64s([n, outHeight, outWidth, c, m])]) : dy;
  const taps: string[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const top = i * dilationHeight;
      const left = j * dilationWidth;
      const bottom = top + (outHeight - 1) * strideHeight + 1;
      const right = left + (outWidth - 1) * strideWidth + 1;
      const whole = top === 0 && left === 0 && bottom === paddedHeight && right === paddedWidth && strideHeight === 1 && strideWidth === 1;
      const window = whole
        ? padded
        : g.op('Slice', [padded, g.int64s([top, left]), g.int64s([bottom, right]), g.int64s([1, 2]), g.int64s([strideHeight, strideWidth])]);
      if (depthwise) {
        const lhs = m > 1 ? g.op('Reshape', [window, g.int64s([n, outHeight, outWidth, c, 1])]) : window;
        taps.push(g.op('ReduceSum', [g.op('Mul', [lhs, dyGrouped]), g.int64s([0, 1, 2])], { keepdims: 0 }));
      } else {
        taps.push(g.op('Gemm', [g.op('Reshape', [window, g.int64s([rows, c])]), dyRows!], { transA: 1 }));
      }
    }
  }
  const stacked = taps.length === 1 ? taps[0]! : g.op('Concat', taps, { axis: 0 });
  return g.op('Reshape', [stacked, g.int64s(filterShape)]);
}

export const convKernels: Record<string, AnyKernelLowering> = {
  Conv2D: convForward('Conv2D', false, false),
  FusedConv2D: convForward('FusedConv2D', false, true),
  DepthwiseConv2dNative: convForward('DepthwiseConv2dNative', true, false),
  FusedDepthwiseConv2D: convForward('FusedDepthwiseConv2D', true, true),
  Conv2DBackpropInput: backpropInput('Conv2DBackpropInput', false),
  DepthwiseConv2dNativeBackpropInput: backpropInput('DepthwiseConv2dNativeBackpropInput', true),
  Conv2DBackpropFilter: backpropFilter('Conv2DBackpropFilter', false),
  DepthwiseConv2dNativeBackpropFilter: backpropFilter('DepthwiseConv2dNativeBackpropFilter', true),
};
