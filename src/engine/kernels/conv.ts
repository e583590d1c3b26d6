/**
 * Convolutions and their gradients, computed in NCHW (results are NCHW; see Layout). TF.js
 * filters are HWIO, ONNX weights OIHW.
 *
 * - forward: Conv (depthwise = Conv with group = channels), bias and activation fused
 * - input gradient: stride 1: Conv of dy with the flipped filter (ORT's direct conv kernels);
 *   strided: ConvTranspose with pads / output_padding chosen to land on the input size
 * - dense filter gradient: per filter tap, a strided Slice of x times dy (see emitFilterGradient)
 * - depthwise filter gradient: one grouped convolution of x with dy on ORT's NCHWc kernels when
 *   the trainer allows them; else per tap, a strided Slice of NHWC x times NHWC dy, summed by a GEMV
 */
import { tf } from '../../tf.js';
import type { GraphBuilder } from '../onnx/builder.js';
import type { ValueMeta } from '../trace/program.js';
import { applyActivation, type FusedActivation } from './activation.js';
import { nchwcDepthwiseConv, nchwcDepthwiseFits } from './nchwc.js';
import { sumLeadingAxes } from './reduction.js';
import { type AnyKernelLowering, inLayout, kernel, meta, type Operand, required } from './types.js';

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

type Pads = [number, number, number, number];

/**
 * x as a convolution reads it (NCHW, `height` x `width`), with the padding to apply (top, left,
 * bottom, right): the convolution's own, plus the zeros of an explicit zero-padding whose source
 * is read instead.
 */
function convInput(x: Operand, info: ConvInfo): { input: string; pads: Pads; height: number; width: number } {
  const p = info.padInfo;
  const [top, left, bottom, right] = x.zeroPadded?.pads ?? [0, 0, 0, 0];
  const [, h, w] = shape4(x);
  return {
    input: x.zeroPadded?.source ?? x.as('nchw'),
    pads: [p.top + top, p.left + left, p.bottom + bottom, p.right + right],
    height: h - top - bottom,
    width: w - left - right,
  };
}

/** Whether this convolution's depthwise form runs on the NCHWc kernels in this graph. */
function onNchwc(g: GraphBuilder, info: ConvInfo, depthwise: boolean): boolean {
  return depthwise && info.outChannels === info.inChannels && nchwcDepthwiseFits(g, info.inChannels);
}

function convAttributes(info: ConvInfo, group: number, pads: Pads) {
  return {
    kernel_shape: [info.filterHeight, info.filterWidth],
    strides: [info.strideHeight, info.strideWidth],
    dilations: [info.dilationHeight, info.dilationWidth],
    pads,
    group,
  };
}

/*
 * Kernel layouts. A training step transposes every kernel (a graph input there) from TF.js's
 * HWIO to ONNX's layouts, and ONNX Runtime runs a general 4-D Transpose element by element:
 * 30-40 ms for a 3x3x512x512 kernel, 10 % of a ResNet50 step. It has fast paths for 2-D
 * transposes and for moving a single axis, so each layout is built from those (measured on
 * 3x3x512x512: 40 -> 10 ms, 3x3x256x256: 9.5 -> 2.5 ms). The 2-D step is an Einsum because ORT's
 * transpose optimizer merges consecutive Transposes, Reshapes between them included, back into
 * the one slow 4-D Transpose; it leaves Einsum alone.
 */

/** [rows, cols] -> [cols, rows] of `x` read as a row-major matrix. */
function matrixTransposed(g: GraphBuilder, x: string, rows: number, cols: number): string {
  return g.op('Einsum', [g.op('Reshape', [x, g.int64s([rows, cols])])], { equation: 'ij->ji' });
}

/**
 * HWIO filter -> IOHW ([in, out, kh, kw]); with `flip`, both spatial axes reversed: the weight
 * of the stride-1 correlation that maps dy back to x. Reversing both axes of the row-major
 * [kh, kw] grid reverses the tap order, so the flip reverses the rows of the [taps, in*out]
 * matrix (whole rows: a block copy) before the transpose, instead of a Slice with negative steps
 * over the innermost axes of the 4-D weight (9 ms for 3x3x512x512).
 */
function iohwWeight(g: GraphBuilder, filter: Operand, flip = false): string {
  const [kh, kw, i, o] = shape4(filter);
  const taps = kh * kw;
  let hwio = filter.value;
  if (flip && taps > 1) {
    const rows = g.op('Reshape', [hwio, g.int64s([taps, i * o])]);
    hwio = g.op('Slice', [rows, g.int64s([-1]), g.int64s([-Number.MAX_SAFE_INTEGER]), g.int64s([0]), g.int64s([-1])]);
  }
  // HWIO is the matrix [taps, in*out]; IOHW is its transpose.
  const iohw = taps === 1 ? hwio : matrixTransposed(g, hwio, taps, i * o);
  return g.op('Reshape', [iohw, g.int64s([i, o, kh, kw])]);
}

/** HWIO filter -> OIHW weight; depthwise [kh, kw, C, M] -> [C*M, 1, kh, kw]. */
function onnxWeight(g: GraphBuilder, filter: Operand, depthwise: boolean): string {
  const [kh, kw, i, o] = shape4(filter);
  if (depthwise) return o === 1 ? iohwWeight(g, filter) : g.op('Reshape', [iohwWeight(g, filter), g.int64s([i * o, 1, kh, kw])]);
  const taps = kh * kw;
  let oihw: string;
  if (taps === 1) {
    oihw = matrixTransposed(g, filter.value, i, o);
  } else {
    // [taps, i, o] -> [taps, o, i] (one axis moves), then the matrix [taps, o*i] -> [o*i, taps].
    const perTap = g.op('Transpose', [g.op('Reshape', [filter.value, g.int64s([taps, i, o])])], { perm: [0, 2, 1] });
    oihw = matrixTransposed(g, perTap, taps, o * i);
  }
  return g.op('Reshape', [oihw, g.int64s([o, i, kh, kw])]);
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
      const biasInConv = bias !== undefined && bias.shape.length === 1 && bias.shape[0] === info.outChannels;
      const { input, pads } = convInput(x, info);
      let y: string;
      if (onNchwc(g, info, depthwise)) {
        const shape = { channels: info.inChannels, kernelHeight: info.filterHeight, kernelWidth: info.filterWidth };
        y = nchwcDepthwiseConv(g, input, onnxWeight(g, filter, true), shape, convAttributes(info, info.inChannels, pads), biasInConv ? bias.value : undefined);
      } else {
        const convInputs = [input, onnxWeight(g, filter, depthwise)];
        if (biasInConv) convInputs.push(bias.value);
        y = g.op('Conv', convInputs, convAttributes(info, depthwise ? info.inChannels : 1, pads));
      }
      if (bias !== undefined && !biasInConv) y = g.op('Add', [y, bias.as('nchw')]);
      if (fused) {
        const preluWeights = inputs['preluActivationWeights']?.as('nchw');
        y = applyActivation(g, y, attrs.activation, { leakyreluAlpha: attrs.leakyreluAlpha, preluWeights });
      }
      return [inLayout(y, 'nchw')];
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
      const group = depthwise ? info.inChannels : 1;
      // Stride 1: a correlation with the flipped filter, which runs on ORT's direct (depthwise)
      // convolution kernels; strided: ConvTranspose, which skips the zeros a stride would insert.
      if (info.strideHeight === 1 && info.strideWidth === 1) {
        const weight = iohwWeight(g, filter, true);
        return [inLayout(emitFlippedConv(g, dy.as('nchw'), weight, info, group, onNchwc(g, info, depthwise)), 'nchw')];
      }
      return [inLayout(emitConvTranspose(g, dy.as('nchw'), onnxWeight(g, filter, depthwise), info, group), 'nchw')];
    },
  });
}

/** Input gradient of a stride-1 convolution: dy correlated with the flipped filter. */
function emitFlippedConv(g: GraphBuilder, dy: string, weight: string, info: ConvInfo, group: number, nchwc: boolean): string {
  const reachHeight = (info.filterHeight - 1) * info.dilationHeight;
  const reachWidth = (info.filterWidth - 1) * info.dilationWidth;
  const top = reachHeight - info.padInfo.top;
  const left = reachWidth - info.padInfo.left;
  const attributes = {
    kernel_shape: [info.filterHeight, info.filterWidth],
    dilations: [info.dilationHeight, info.dilationWidth],
    pads: [top, left, info.inHeight - info.outHeight - top + reachHeight, info.inWidth - info.outWidth - left + reachWidth],
    group,
  };
  if (!nchwc) return g.op('Conv', [dy, weight], attributes);
  return nchwcDepthwiseConv(g, dy, weight, { channels: group, kernelHeight: info.filterHeight, kernelWidth: info.filterWidth }, attributes);
}

/**
 * The input window that filter tap (i, j) reads, in padded coordinates: rows top..bottom-1 and
 * columns left..right-1 taken every stride; `whole` when that is the entire padded input.
 */
function tapWindow(info: ConvInfo, i: number, j: number, paddedHeight: number, paddedWidth: number) {
  const { outHeight, outWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const top = i * dilationHeight;
  const left = j * dilationWidth;
  const bottom = top + (outHeight - 1) * strideHeight + 1;
  const right = left + (outWidth - 1) * strideWidth + 1;
  const whole = top === 0 && left === 0 && bottom === paddedHeight && right === paddedWidth && strideHeight === 1 && strideWidth === 1;
  return { top, left, bottom, right, whole };
}

/** dy (NCHW) -> gradient w.r.t. the convolution input (NCHW), given the forward geometry. */
export function emitConvTranspose(g: GraphBuilder, dy: string, weight: string, info: ConvInfo, group: number): string {
  const p = info.padInfo;
  const fullHeight = (info.outHeight - 1) * info.strideHeight + (info.filterHeight - 1) * info.dilationHeight + 1;
  const fullWidth = (info.outWidth - 1) * info.strideWidth + (info.filterWidth - 1) * info.dilationWidth + 1;
  // The forward conv may not have read the last rows/cols ('valid' with stride): ConvTranspose
  // then needs output_padding instead of a bottom/right pad to produce the full input size.
  const bottom = fullHeight - p.top - info.inHeight;
  const right = fullWidth - p.left - info.inWidth;
  return g.op('ConvTranspose', [dy, weight], {
    kernel_shape: [info.filterHeight, info.filterWidth],
    strides: [info.strideHeight, info.strideWidth],
    dilations: [info.dilationHeight, info.dilationWidth],
    pads: [p.top, p.left, Math.max(0, bottom), Math.max(0, right)],
    output_padding: [Math.max(0, -bottom), Math.max(0, -right)],
    group,
  });
}

function backpropFilter(name: string, depthwise: boolean): AnyKernelLowering {
  return kernel<BackpropFilterAttrs>({
    infer: (inputs, attrs) => [meta(attrs.filterShape, required(inputs, 'x', name).dtype)],
    emit: (g, inputs, attrs) => {
      const x = required(inputs, 'x', name);
      const dy = required(inputs, 'dy', name);
      const info = convInfo(name, shape4(x), attrs.filterShape, attrs, depthwise);
      if (!depthwise) return [emitFilterGradient(g, x, dy, info, attrs.filterShape)];
      const grouped = attrs.filterShape[3] === 1 && nchwcDepthwiseFits(g, shape4(x)[0] * info.inChannels);
      return [(grouped ? emitGroupedDepthwiseFilterGradient : emitDepthwiseFilterGradient)(g, x, dy, info, attrs.filterShape)];
    },
  });
}

/**
 * Dense filter gradient: per filter tap, the window of x that tap reads times dy, summed over
 * images and positions. Two matrix layouts, chosen by shape (measured on ResNet50 and the U-Net):
 * - per image (NCHW as is): x_tap [N, C, positions] @ dy^T [N, positions, O], summed over N.
 *   Best when there are many positions per image.
 * - channel-major: x and dy transposed once to [C, N*positions] and [O, N*positions], every tap's
 *   window stacked into one [kh*kw*C, N*positions] matrix and one product with dy^T, which is the
 *   HWIO gradient itself. Best for small maps (7x7 at 512 channels: 45 -> 27 ms) and few input
 *   channels (ResNet's 7x7 stem on RGB: 140 -> 52 ms), where per-tap products are thin.
 */
function emitFilterGradient(g: GraphBuilder, x: Operand, dy: Operand, info: ConvInfo, filterShape: Shape4): string {
  const [kh, kw, c, o] = filterShape;
  const [n, h, w] = shape4(x);
  const p = info.padInfo;
  const { input, pads: [top, left, bottom, right] } = convInput(x, info);
  const padded = top || left || bottom || right ? g.op('Pad', [input, g.int64s([0, 0, top, left, 0, 0, bottom, right])]) : input;
  const paddedHeight = h + p.top + p.bottom;
  const paddedWidth = w + p.left + p.right;
  const { outHeight, outWidth, strideHeight, strideWidth } = info;
  const positions = outHeight * outWidth;
  const channelMajor = positions <= 256 || c < 8;
  const source = channelMajor ? g.op('Transpose', [padded], { perm: [1, 0, 2, 3] }) : padded;
  const windows: string[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const { top, left, bottom, right, whole } = tapWindow(info, i, j, paddedHeight, paddedWidth);
      windows.push(whole
        ? source
        : g.op('Slice', [source, g.int64s([top, left]), g.int64s([bottom, right]), g.int64s([2, 3]), g.int64s([strideHeight, strideWidth])]));
    }
  }
  if (channelMajor) {
    const rows = windows.map((window) => g.op('Reshape', [window, g.int64s([c, n * positions])]));
    const dyRows = g.op('Reshape', [g.op('Transpose', [dy.as('nchw')], { perm: [1, 0, 2, 3] }), g.int64s([o, n * positions])]);
    const stacked = rows.length === 1 ? rows[0]! : g.op('Concat', rows, { axis: 0 });
    return g.op('Reshape', [g.op('MatMul', [stacked, g.op('Transpose', [dyRows], { perm: [1, 0] })]), g.int64s(filterShape)]);
  }
  // dy as [N, positions, O]: the right-hand side of x_tap [N, C, positions] @ dy^T.
  const dyColumns = g.op('Transpose', [g.op('Reshape', [dy.as('nchw'), g.int64s([n, o, positions])])], { perm: [0, 2, 1] });
  const taps = windows.map((window) => {
    const perImage = g.op('MatMul', [g.op('Reshape', [window, g.int64s([n, c, positions])]), dyColumns]);
    return sumLeadingAxes(g, perImage, [n, c, o], 1, [c, o]);
  });
  const stacked = taps.length === 1 ? taps[0]! : g.op('Concat', taps, { axis: 0 });
  return g.op('Reshape', [stacked, g.int64s(filterShape)]);
}

/**
 * Depthwise filter gradient as one convolution in which every (image, channel) pair is its own
 * group: the padded input plane of x is correlated with the matching plane of dy, used as a
 * kernel of the output's size that steps by the forward stride (its dilation) and moves by the
 * forward dilation (its stride). That yields [1, N*C, kh, kw]; summing over images gives the
 * gradient. On ORT's NCHWc depthwise kernel this is 5-7x faster than the tap-by-tap form below
 * (measured at MobileNetV2's sizes); it needs N*C to be a multiple of the block size.
 */
function emitGroupedDepthwiseFilterGradient(g: GraphBuilder, x: Operand, dy: Operand, info: ConvInfo, filterShape: Shape4): string {
  const [kh, kw, c] = filterShape;
  const [n] = shape4(x);
  const { outHeight, outWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const planes = n * c;
  const { input, pads, height, width } = convInput(x, info);
  const planesIn = g.op('Reshape', [input, g.int64s([1, planes, height, width])]);
  const kernelPlanes = g.op('Reshape', [dy.as('nchw'), g.int64s([planes, 1, outHeight, outWidth])]);
  let taps = nchwcDepthwiseConv(g, planesIn, kernelPlanes, { channels: planes, kernelHeight: outHeight, kernelWidth: outWidth }, {
    kernel_shape: [outHeight, outWidth],
    strides: [dilationHeight, dilationWidth],
    dilations: [strideHeight, strideWidth],
    pads,
  });
  // A 'valid' forward pass that left rows or columns unread gives more than kh x kw positions.
  const rows = Math.floor((height + pads[0] + pads[2] - (outHeight - 1) * strideHeight - 1) / dilationHeight) + 1;
  const cols = Math.floor((width + pads[1] + pads[3] - (outWidth - 1) * strideWidth - 1) / dilationWidth) + 1;
  if (rows !== kh || cols !== kw) taps = g.op('Slice', [taps, g.int64s([0, 0]), g.int64s([kh, kw]), g.int64s([2, 3])]);
  const summed = g.op('ReduceSum', [g.op('Reshape', [taps, g.int64s([n, c, kh * kw])]), g.int64s([0])], { keepdims: 0 });
  // [C, kh*kw] -> HWIO [kh, kw, C, 1]
  return g.op('Reshape', [g.op('Transpose', [summed], { perm: [1, 0] }), g.int64s(filterShape)]);
}

/**
 * Depthwise filter gradient, tap by tap on NHWC copies of x and dy: each tap is a strided slice
 * (contiguous runs of channels), a product with dy, and a sum over batch and positions done as a
 * GEMV. Measured against grouped-Conv and NCHW formulations, this is the cheapest in ONNX
 * Runtime at every MobileNet size.
 */
function emitDepthwiseFilterGradient(g: GraphBuilder, x: Operand, dy: Operand, info: ConvInfo, filterShape: Shape4): string {
  const [kh, kw, c, m] = filterShape;
  const [n, h, w] = shape4(x);
  const p = info.padInfo;
  const { outHeight, outWidth, strideHeight, strideWidth } = info;
  const rows = n * outHeight * outWidth;
  const padded = p.top || p.left || p.bottom || p.right ? g.op('Pad', [x.value, g.int64s([0, p.top, p.left, 0, 0, p.bottom, p.right, 0])]) : x.value;
  // [rows, C, 1] against [rows, C, M]: the multiplier axis broadcasts.
  const dyRows = g.op('Reshape', [dy.value, g.int64s([rows, c, m])]);
  const ones = g.initializer('float32', [1, rows], new Float32Array(rows).fill(1), 'ones');
  const taps: string[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const { top, left, bottom, right, whole } = tapWindow(info, i, j, h + p.top + p.bottom, w + p.left + p.right);
      const window = whole
        ? padded
        : g.op('Slice', [padded, g.int64s([top, left]), g.int64s([bottom, right]), g.int64s([1, 2]), g.int64s([strideHeight, strideWidth])]);
      const product = g.op('Mul', [g.op('Reshape', [window, g.int64s([rows, c, 1])]), dyRows]);
      taps.push(g.op('MatMul', [ones, g.op('Reshape', [product, g.int64s([rows, c * m])])]));
    }
  }
  // taps (i, j) of [1, C*M] -> HWIO [kh, kw, C, M]
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
