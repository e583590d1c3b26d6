/** Reductions (Sum, Mean, Max, Min, Prod, ArgMax, ArgMin) and Softmax-like normalisations. */
import { tf } from '../../models/tf.js';
import type { DType, ValueMeta } from '../trace/program.js';
import { type AnyKernelLowering, CAST_TO, kernel, meta, required } from './types.js';

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
 * @param axesAsInput ReduceSum takes its axes as an input since opset 13; the others take an
 *   attribute until opset 18.
 */
function reduction(name: string, opType: string, axesAsInput: boolean, resultType?: DType): AnyKernelLowering {
  return kernel<ReduceAttrs>({
    infer: (inputs, attrs) => {
      const x = required(inputs, 'x', name);
      return [meta(reducedShape(x, reducedAxes(x, attrs), attrs.keepDims), resultType ?? x.dtype)];
    },
    emit: (g, inputs, attrs) => {
      const x = required(inputs, 'x', name);
      const axes = reducedAxes(x, attrs);
      if (axes.length === 0) return [x.value];
      const keepdims = attrs.keepDims ? 1 : 0;
      return [
        axesAsInput
          ? g.op(opType, [x.value, g.int64s(axes)], { keepdims })
          : g.op(opType, [x.value], { axes, keepdims }),
      ];
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
