/** Matrix products, batch normalisation and image resizing. */
import { tf } from '../../tf.js';
import type { GraphBuilder } from '../onnx/builder.js';
import type { ValueMeta } from '../trace/program.js';
import { applyActivation, type FusedActivation } from './activation.js';
import { type AnyKernelLowering, inLayout, kernel, meta, type Operand, required } from './types.js';
import { nchwBroadcastView } from './views.js';

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: FusedActivation;
  leakyreluAlpha?: number;
}

function matMulShape(a: ValueMeta, b: ValueMeta, attrs: MatMulAttrs): number[] {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = attrs.transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const n = attrs.transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const batch = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  return [...batch, m, n];
}

/** Swap the last two axes (ORT folds this into MatMul). */
function swapInner(g: GraphBuilder, x: Operand): string {
  const rank = x.shape.length;
  const perm = x.shape.map((_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return g.op('Transpose', [x.value], { perm });
}

function matMul(name: string, fused: boolean): AnyKernelLowering {
  return kernel<MatMulAttrs>({
    infer: (inputs, attrs) => [meta(matMulShape(required(inputs, 'a', name), required(inputs, 'b', name), attrs), 'float32')],
    emit: (g, inputs, attrs) => {
      const a = required(inputs, 'a', name);
      const b = required(inputs, 'b', name);
      let y = g.op('MatMul', [attrs.transposeA ? swapInner(g, a) : a.value, attrs.transposeB ? swapInner(g, b) : b.value]);
      if (!fused) return [y];
      const bias = inputs['bias'];
      if (bias !== undefined) y = g.op('Add', [y, bias.value]);
      return [applyActivation(g, y, attrs.activation, { leakyreluAlpha: attrs.leakyreluAlpha, preluWeights: inputs['preluActivationWeights']?.value })];
    },
  });
}

interface BatchNormAttrs { varianceEpsilon: number }

interface ResizeAttrs {
  alignCorners: boolean;
  halfPixelCenters: boolean;
  size: [number, number];
}

function resizedShape(images: ValueMeta, size: [number, number]): number[] {
  const [n, , , c] = images.shape;
  return [n!, size[0], size[1], c!];
}

/**
 * The 1-D linear interpolation TF.js's ResizeBilinear applies along one axis, as a dense
 * [outSize, inSize] matrix (row r holds the two source weights of output r).
 */
function bilinearMatrix(inSize: number, outSize: number, attrs: ResizeAttrs): Float32Array {
  const aligned = attrs.alignCorners && outSize > 1;
  const ratio = (aligned ? inSize - 1 : inSize) / (aligned ? outSize - 1 : outSize);
  const m = new Float32Array(outSize * inSize);
  for (let r = 0; r < outSize; r++) {
    const source = attrs.halfPixelCenters ? ratio * (r + 0.5) - 0.5 : ratio * r;
    const lower = Math.max(0, Math.floor(source));
    const upper = Math.min(inSize - 1, Math.ceil(source));
    const frac = source - lower;
    m[r * inSize + lower] += 1 - frac;
    m[r * inSize + upper] += frac;
  }
  return m;
}

/** TF.js's ResizeNearestNeighbor along one axis as a 0/1 [outSize, inSize] matrix. */
function nearestMatrix(inSize: number, outSize: number, attrs: ResizeAttrs): Float32Array {
  const aligned = attrs.alignCorners && outSize > 1;
  const ratio = (aligned ? inSize - 1 : inSize) / (aligned ? outSize - 1 : outSize);
  const m = new Float32Array(outSize * inSize);
  for (let r = 0; r < outSize; r++) {
    const source = ratio * (attrs.halfPixelCenters ? r + 0.5 : r);
    const nearest = Math.max(0, Math.min(inSize - 1, aligned ? Math.round(source) : Math.floor(source)));
    m[r * inSize + nearest] = 1;
  }
  return m;
}

function transposedMatrix(m: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c]!;
  return t;
}

function coordinateMode(attrs: ResizeAttrs): string {
  if (attrs.alignCorners) return 'align_corners';
  return attrs.halfPixelCenters ? 'half_pixel' : 'asymmetric';
}

function resize(name: string, nearest: boolean): AnyKernelLowering {
  return kernel<ResizeAttrs>({
    infer: (inputs, attrs) => [meta(resizedShape(required(inputs, 'images', name), attrs.size), 'float32')],
    emit: (g, inputs, attrs) => {
      const images = required(inputs, 'images', name);
      const modeAttrs: Record<string, string> = nearest
        ? {
            mode: 'nearest',
            coordinate_transformation_mode: attrs.halfPixelCenters ? 'tf_half_pixel_for_nn' : coordinateMode(attrs),
            nearest_mode: attrs.alignCorners ? 'round_prefer_ceil' : 'floor',
          }
        : { mode: 'linear', coordinate_transformation_mode: coordinateMode(attrs) };
      const nchw = images.as('nchw');
      const [, inH, inW] = images.shape as [number, number, number, number];
      const [outH, outW] = attrs.size;
      if (outH % inH === 0 && outW % inW === 0) {
        // Whole-number factors as constant scales: ONNX Runtime then upsamples in its blocked
        // NCHWc layout, between NCHWc convolutions, instead of reordering to NCHW and back.
        const scales = g.initializer('float32', [4], Float32Array.of(1, 1, outH / inH, outW / inW), 'scales');
        return [inLayout(g.op('Resize', [nchw, '', scales], modeAttrs), 'nchw')];
      }
      // Batch and channels come from the input's runtime shape so the batch may stay dynamic.
      const batchAndChannels = g.op('Slice', [g.op('Shape', [nchw]), g.int64s([0]), g.int64s([2])]);
      const sizes = g.op('Concat', [batchAndChannels, g.int64s(attrs.size)], { axis: 0 });
      return [inLayout(g.op('Resize', [nchw, '', '', sizes], modeAttrs), 'nchw')];
    },
  });
}

/**
 * The adjoint of a forward resize, applied per axis as a product with the (transposed)
 * [out, in] interpolation matrix; both products broadcast over N and C of the NCHW dy.
 * (TF.js's own ResizeBilinearGrad ignores halfPixelCenters; this is the true gradient of the
 * forward pass in every mode.)
 */
function resizeGrad(name: string, matrix: (inSize: number, outSize: number, attrs: ResizeAttrs) => Float32Array): AnyKernelLowering {
  return kernel<ResizeAttrs>({
    infer: (inputs) => [meta(required(inputs, 'images', name).shape, 'float32')],
    emit: (g, inputs, attrs) => {
      const images = required(inputs, 'images', name);
      const dy = required(inputs, 'dy', name);
      const [, inH, inW] = images.shape as [number, number, number, number];
      const [, outH, outW] = dy.shape as [number, number, number, number];
      let grad = dy.as('nchw');
      if (outW !== inW || attrs.alignCorners || attrs.halfPixelCenters) {
        grad = g.op('MatMul', [grad, g.initializer('float32', [outW, inW], matrix(inW, outW, attrs), 'resize_w')]);
      }
      if (outH !== inH || attrs.alignCorners || attrs.halfPixelCenters) {
        grad = g.op('MatMul', [g.initializer('float32', [inH, outH], transposedMatrix(matrix(inH, outH, attrs), outH, inH), 'resize_h'), grad]);
      }
      return [inLayout(grad, 'nchw')];
    },
  });
}

export const nnKernels: Record<string, AnyKernelLowering> = {
  BatchMatMul: matMul('BatchMatMul', false),
  _FusedMatMul: matMul('_FusedMatMul', true),
  // y = (x - mean) * scale / sqrt(variance + eps) + offset, computed as x * a + b with the
  // per-channel a and b formed first so only two passes touch the full activation. (ONNX
  // BatchNormalization measured slower than Mul + Add in ONNX Runtime.)
  FusedBatchNorm: kernel<BatchNormAttrs>({
    infer: (inputs) => {
      const x = required(inputs, 'x', 'FusedBatchNorm');
      return [meta(x.shape, x.dtype)];
    },
    emit: (g, inputs, attrs) => {
      const x = required(inputs, 'x', 'FusedBatchNorm');
      const mean = required(inputs, 'mean', 'FusedBatchNorm');
      const variance = required(inputs, 'variance', 'FusedBatchNorm').value;
      const scale = inputs['scale'];
      const offset = inputs['offset'];
      const inverseStd = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [variance, g.scalar(attrs.varianceEpsilon)])])]);
      const a = scale === undefined ? inverseStd : g.op('Mul', [scale.value, inverseStd]);
      const shift = g.op('Mul', [mean.value, a]);
      const b = offset === undefined ? g.op('Neg', [shift]) : g.op('Sub', [offset.value, shift]);
      const layout = x.shape.length === 4 ? x.layout : 'nhwc';
      if (layout === 'nhwc') return [g.op('Add', [g.op('Mul', [x.value, a]), b])];
      // Per-channel a and b have the broadcast shape of mean (e.g. [C]); view them as [1, C, 1, 1].
      const view = (v: string) => nchwBroadcastView(g, v, mean.shape);
      return [inLayout(g.op('Add', [g.op('Mul', [x.as('nchw'), view(a)]), view(b)]), 'nchw')];
    },
  }),
  ResizeBilinear: resize('ResizeBilinear', false),
  ResizeNearestNeighbor: resize('ResizeNearestNeighbor', true),
  ResizeBilinearGrad: resizeGrad('ResizeBilinearGrad', bilinearMatrix),
  ResizeNearestNeighborGrad: resizeGrad('ResizeNearestNeighborGrad', nearestMatrix),
};
