/** Reductions (Sum, Mean, Max, Min, Prod, ArgMax, ArgMin) and Softmax-like normalisations. */
import { tf } from '../../tf.js';
import type { DType, ValueMeta } from '../trace/program.js';
import type { GraphBuilder } from '../onnx/builder.js';
import { type AnyKernelLowering, CAST_TO, type Emitted, inLayout, kernel, meta, NCHW_POSITION, NHWC_TO_NCHW, required } from './types.js';

interface ReduceAttrs {
  axis?: number | number[];
  reductionIndices?: number | number[];
  keepDims: boolean;
}

function reducedAxes(x: ValueMeta, attrs: ReduceAttrs): number[] {
  const axis = attrs.axis ?? attrs.reductionIndices;
  // No axis means all axes.
  return axis === undefined || axis === null ? x.shape.map((_, i) => i) : tf.util.parseAxisParam(axis, [...x.shape]);
}

function reducedShape(x: ValueMeta, axes: number[], keepDims: boolean): number[] {
  const out: number[] = [];
  x.shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepDims) out.push(1);
  });
  return out;
}

/**
 * Sum (or mean) over the leading `axes` of a row-major tensor as a product with a constant row
 * vector: ONNX Runtime's ReduceSum is slow when only inner axes survive (NHWC batch-norm
 * statistics, sums over the batch), while a GEMV streams the data once on all threads.
 */
export function sumLeadingAxes(g: GraphBuilder, x: string, shape: readonly number[], axes: number, outShape: readonly number[], mean = false): string {
  const rows = shape.slice(0, axes).reduce((a, b) => a * b, 1);
  const columns = shape.slice(axes).reduce((a, b) => a * b, 1);
  const weights = g.initializer('float32', [1, rows], new Float32Array(rows).fill(mean ? 1 / rows : 1), 'reduce_rows');
  const product = g.op('MatMul', [weights, g.op('Reshape', [x, g.int64s([rows, columns])])]);
  return g.op('Reshape', [product, g.int64s(outShape)]);
}

function isLeading(axes: readonly number[], rank: number): boolean {
  return axes.length < rank && axes.every((a, i) => a === i);
}

/** Sum (count 1) or mean of source² over `axes` in one pass over the source, without the squares. */
function sumOfSquares(g: GraphBuilder, source: string, axes: number[], keepdims: number, count: number): string {
  const sum = g.op('ReduceSumSquare', [source], { axes, keepdims });
  return count === 1 ? sum : g.op('Div', [sum, g.scalar(count)]);
}

/**
 * @param axesAsInput ReduceSum takes its axes as an input since opset 13; the others take an
 *   attribute until opset 18.
 */
function reduction(name: string, opType: string, axesAsInput: boolean, resultType?: DType): AnyKernelLowering {
  return kernel<ReduceAttrs>({
    infer: (inputs, attrs) => {
      const x = required(inputs, 'x', name);
      return [meta(reducedShape(x, reducedAxes(x, attrs), attrs.keepDims), resultType ?? x.dtype)];
    },
    emit: (g, inputs, attrs): Emitted[] => {
      const x = required(inputs, 'x', name);
      const axes = reducedAxes(x, attrs);
      const layout = x.shape.length === 4 ? x.layout : 'nhwc';
      if (axes.length === 0) return [inLayout(x.as(layout), layout)];
      const keepdims = attrs.keepDims ? 1 : 0;
      const physicalAxes = layout === 'nchw' ? axes.map((a) => NCHW_POSITION[a]!).sort((a, b) => a - b) : axes;
      const physicalShape = layout === 'nchw' ? NHWC_TO_NCHW.map((a) => x.shape[a]!) : [...x.shape];
      const physicalOut = physicalShape.map((d, i) => (physicalAxes.includes(i) ? 1 : d)).filter((_, i) => keepdims === 1 || !physicalAxes.includes(i));
      const summing = x.dtype === 'float32' && (opType === 'ReduceSum' || opType === 'ReduceMean');
      const fast = summing && x.squareOf !== undefined
        ? sumOfSquares(g, x.squareOf, physicalAxes, keepdims, opType === 'ReduceMean' ? physicalAxes.reduce((n, a) => n * physicalShape[a]!, 1) : 1)
        : summing && isLeading(physicalAxes, physicalShape.length)
          ? sumLeadingAxes(g, x.as(layout), physicalShape, physicalAxes.length, physicalOut, opType === 'ReduceMean')
          : undefined;
      const y = fast ?? (axesAsInput
        ? g.op(opType, [x.as(layout), g.int64s(physicalAxes)], { keepdims })
        : g.op(opType, [x.as(layout)], { axes: physicalAxes, keepdims }));
      if (layout === 'nhwc') return [y];
      if (keepdims === 1) return [inLayout(y, 'nchw')];
      // The surviving axes are in NCHW order; put them back in TF.js's order.
      const surviving = NHWC_TO_NCHW.filter((a) => !axes.includes(a));
      const sorted = [...surviving].sort((a, b) => a - b);
      if (surviving.every((a, i) => a === sorted[i])) return [y];
      return [g.op('Transpose', [y], { perm: sorted.map((a) => surviving.indexOf(a)) })];
    },
  });
}

interface ArgAttrs { axis: number }

function argReduction(name: string, opType: string): AnyKernelLowering {
  return kernel<ArgAttrs>({
    infer: (inputs, attrs) => {
      const x = required(inputs, 'x', name);
      const axis = tf.util.parseAxisParam(attrs.axis, [...x.shape]);
      return [meta(reducedShape(x, axis, false), 'int32')];
    },
    emit: (g, inputs, attrs) => {
      const x = required(inputs, 'x', name);
      const [axis] = tf.util.parseAxisParam(attrs.axis, [...x.shape]);
      // ONNX returns int64 indices; TF.js int32.
      return [g.op('Cast', [g.op(opType, [x.value], { axis: axis!, keepdims: 0 })], { to: CAST_TO.int32 })];
    },
  });
}

interface SoftmaxAttrs { dim: number }
interface LogSoftmaxAttrs { axis: number }

export const reductionKernels: Record<string, AnyKernelLowering> = {
  Sum: reduction('Sum', 'ReduceSum', true),
  Mean: reduction('Mean', 'ReduceMean', false, 'float32'),
  Max: reduction('Max', 'ReduceMax', false),
  Min: reduction('Min', 'ReduceMin', false),
  Prod: reduction('Prod', 'ReduceProd', false),
  ArgMax: argReduction('ArgMax', 'ArgMax'),
  ArgMin: argReduction('ArgMin', 'ArgMin'),
  Softmax: kernel<SoftmaxAttrs>({
    infer: (inputs) => {
      const logits = required(inputs, 'logits', 'Softmax');
      return [meta(logits.shape, logits.dtype)];
    },
    emit: (g, inputs, attrs) => [g.op('Softmax', [required(inputs, 'logits', 'Softmax').value], { axis: attrs.dim })],
  }),
  LogSoftmax: kernel<LogSoftmaxAttrs>({
    infer: (inputs) => {
      const logits = required(inputs, 'logits', 'LogSoftmax');
      return [meta(logits.shape, logits.dtype)];
    },
    emit: (g, inputs, attrs) => [g.op('LogSoftmax', [required(inputs, 'logits', 'LogSoftmax').value], { axis: attrs.axis })],
  }),
};
