/** Kernels that move data without arithmetic: reshape, transpose, slice, pad, concat, split, tile. */
import { tf } from '../../tf.js';
import type { ValueMeta } from '../trace/program.js';
import { sizeOf } from '../trace/program.js';
import { alias, type AnyKernelLowering, type Emitted, inLayout, kernel, type Layout, meta, NHWC_TO_NCHW, NCHW_POSITION, type Operand, required, variadic } from './types.js';

/** Per-axis parameters (pads, reps, starts) reordered for a rank-4 value stored in `layout`. */
function permuted<T>(values: readonly T[], layout: Layout): T[] {
  return layout === 'nchw' && values.length === 4 ? NHWC_TO_NCHW.map((a) => values[a]!) : [...values];
}

/** The layout to work in: a rank-4 value's own, standard otherwise. */
function native(x: Operand): Layout {
  return x.shape.length === 4 ? x.layout : 'nhwc';
}

function physicalAxis(axis: number, layout: Layout): number {
  return layout === 'nchw' ? NCHW_POSITION[axis]! : axis;
}

/** "Slice backward through index 0" for ONNX Slice (its ends are clamped, -1 would mean "last"). */
const BEFORE_START = -Number.MAX_SAFE_INTEGER;

interface ReshapeAttrs { shape: number[] }
interface ExpandDimsAttrs { dim: number }
interface TransposeAttrs { perm: number[] }
interface TileAttrs { reps: number[] }
interface PadAttrs { paddings: Array<[number, number]>; constantValue: number }
interface MirrorPadAttrs { paddings: Array<[number, number]>; mode: 'reflect' | 'symmetric' }
interface SliceAttrs { begin: number | number[]; size: number | number[] }
interface StridedSliceAttrs {
  begin: number[];
  end: number[];
  strides: number[];
  beginMask: number;
  endMask: number;
  ellipsisMask: number;
  newAxisMask: number;
  shrinkAxisMask: number;
}
interface AxisAttrs { axis: number }
interface SplitAttrs { numOrSizeSplits: number | number[]; axis: number }
interface GatherAttrs { axis: number; batchDims: number }
interface BroadcastAttrs { shape: number[] }
interface ReverseAttrs { dims: number | number[] }
interface CumsumAttrs { axis: number; exclusive: boolean; reverse: boolean }

const asShape = (x: ValueMeta) => ({ shape: [...x.shape], dtype: x.dtype, dataId: {} });

function sliceParams(x: ValueMeta, attrs: SliceAttrs): { begin: number[]; size: number[] } {
  const [begin, size] = tf.slice_util.parseSliceParams(asShape(x), attrs.begin, attrs.size);
  return { begin: begin!, size: size! };
}

function stridedSliceInfo(x: ValueMeta, a: StridedSliceAttrs) {
  return tf.slice_util.sliceInfo([...x.shape], a.begin, a.end, a.strides, a.beginMask, a.endMask, a.ellipsisMask, a.newAxisMask, a.shrinkAxisMask);
}

function splitSizes(x: ValueMeta, attrs: SplitAttrs): { sizes: number[]; axis: number } {
  const [axis] = tf.util.parseAxisParam(attrs.axis, [...x.shape]);
  const sizes = tf.backend_util.prepareSplitSize(asShape(x) as unknown as tf.Tensor, attrs.numOrSizeSplits, axis!);
  return { sizes, axis: axis! };
}

function normalizedAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

export const shapeKernels: Record<string, AnyKernelLowering> = {
  Reshape: kernel<ReshapeAttrs>({
    infer: (inputs, attrs) => {
      const x = required(inputs, 'x', 'Reshape');
      return [meta(tf.util.inferFromImplicitShape([...attrs.shape], sizeOf(x.shape)), x.dtype)];
    },
    emit: (g, inputs, _attrs, [out]) => {
      const x = required(inputs, 'x', 'Reshape');
      // TF.js reshapes to the same shape all over its gradients (and in batchNorm): keep the layout.
      if (x.shape.join() === out!.shape.join()) return [alias(x)];
      return [g.op('Reshape', [x.value, g.int64s(out!.shape)])];
    },
  }),
  ExpandDims: kernel<ExpandDimsAttrs>({
    infer: (inputs, attrs) => {
      const x = required(inputs, 'input', 'ExpandDims');
      const shape = [...x.shape];
      const dim = attrs.dim < 0 ? attrs.dim + shape.length + 1 : attrs.dim;
      shape.splice(dim, 0, 1);
      return [meta(shape, x.dtype)];
    },
    emit: (g, inputs, _attrs, [out]) => [g.op('Reshape', [required(inputs, 'input', 'ExpandDims').value, g.int64s(out!.shape)])],
  }),
  Transpose: kernel<TransposeAttrs>({
    infer: (inputs, attrs) => {
      const x = required(inputs, 'x', 'Transpose');
      return [meta(attrs.perm.map((p) => x.shape[p]!), x.dtype)];
    },
    emit: (g, inputs, attrs) => [g.op('Transpose', [required(inputs, 'x', 'Transpose').value], { perm: attrs.perm })],
  }),
  Tile: kernel<TileAttrs>({
    infer: (inputs, attrs) => {
      const x = required(inputs, 'x', 'Tile');
      return [meta(x.shape.map((d, i) => d * attrs.reps[i]!), x.dtype)];
    },
    emit: (g, inputs, attrs) => {
      const x = required(inputs, 'x', 'Tile');
      // Tiling only grows a tensor: re-lay out the (smaller) input rather than the result.
      const layout = x.shape.length === 4 ? 'nchw' : 'nhwc';
      return [inLayout(g.op('Tile', [x.as(layout), g.int64s(permuted(attrs.reps, layout))]), layout)];
    },
  }),
  PadV2: kernel<PadAttrs>({
    infer: (inputs, attrs) => {
      const x = required(inputs, 'x', 'PadV2');
      return [meta(x.shape.map((d, i) => d + attrs.paddings[i]![0] + attrs.paddings[i]![1]), x.dtype)];
    },
    emit: (g, inputs, attrs) => {
      const x = required(inputs, 'x', 'PadV2');
      const layout = native(x);
      const paddings = permuted(attrs.paddings, layout);
      const pads = [...paddings.map((p) => p[0]), ...paddings.map((p) => p[1])];
      const padded = g.op('Pad', [x.as(layout), g.int64s(pads), g.scalar(attrs.constantValue, x.dtype)]);
      const [batch, rows, columns, channels] = attrs.paddings;
      const spatialZeros = x.shape.length === 4 && attrs.constantValue === 0 && [batch, channels].every((p) => p![0] === 0 && p![1] === 0);
      if (!spatialZeros) return [inLayout(padded, layout)];
      return [{ value: padded, layout, zeroPadded: { source: x.as('nchw'), pads: [rows![0], columns![0], rows![1], columns![1]] } }];
    },
  }),
  MirrorPad: kernel<MirrorPadAttrs>({
    infer: (inputs, attrs) => {
      const x = required(inputs, 'x', 'MirrorPad');
      return [meta(x.shape.map((d, i) => d + attrs.paddings[i]![0] + attrs.paddings[i]![1]), x.dtype)];
    },
    emit: (g, inputs, attrs) => {
      // ONNX has 'reflect' (TF's REFLECT) but nothing for SYMMETRIC before opset 19's 'edge' variants.
      if (attrs.mode !== 'reflect') throw new Error(`MirrorPad mode '${attrs.mode}' has no ONNX equivalent`);
      const pads = [...attrs.paddings.map((p) => p[0]), ...attrs.paddings.map((p) => p[1])];
      return [g.op('Pad', [required(inputs, 'x', 'MirrorPad').value, g.int64s(pads)], { mode: 'reflect' })];
    },
  }),
  Slice: kernel<SliceAttrs>({
    infer: (inputs, attrs) => {
      const x = required(inputs, 'x', 'Slice');
      return [meta(sliceParams(x, attrs).size, x.dtype)];
    },
    emit: (g, inputs, attrs) => {
      const x = required(inputs, 'x', 'Slice');
      const layout = native(x);
      const { begin, size } = sliceParams(x, attrs);
      const axes = begin.map((_, i) => i).filter((i) => begin[i] !== 0 || size[i] !== x.shape[i]);
      if (axes.length === 0) return [inLayout(x.as(layout), layout)];
      const starts = axes.map((i) => begin[i]!);
      const ends = axes.map((i) => begin[i]! + size[i]!);
      const physicalAxes = axes.map((a) => physicalAxis(a, layout));
      return [inLayout(g.op('Slice', [x.as(layout), g.int64s(starts), g.int64s(ends), g.int64s(physicalAxes)]), layout)];
    },
  }),
  StridedSlice: kernel<StridedSliceAttrs>({
    infer: (inputs, attrs) => {
      const x = required(inputs, 'x', 'StridedSlice');
      return [meta(stridedSliceInfo(x, attrs).finalShape, x.dtype)];
    },
    emit: (g, inputs, attrs, [out]) => {
      const x = required(inputs, 'x', 'StridedSlice');
      const info = stridedSliceInfo(x, attrs);
      if (info.isIdentity) return [g.op('Reshape', [x.value, g.int64s(out!.shape)])];
      const sizes = tf.slice_util.computeOutShape(info.begin, info.end, info.strides);
      const ends = sizes.map((n, i) => {
        const b = info.begin[i]!;
        const s = info.strides[i]!;
        const last = b + (n - 1) * s;
        return s > 0 ? last + 1 : last - 1 < 0 ? BEFORE_START : last - 1;
      });
      const axes = sizes.map((_, i) => i);
      const sliced = g.op('Slice', [x.value, g.int64s(info.begin), g.int64s(ends), g.int64s(axes), g.int64s(info.strides)]);
      return [g.op('Reshape', [sliced, g.int64s(out!.shape)])];
    },
  }),
  Concat: kernel<AxisAttrs>({
    infer: (inputs, attrs) => {
      const parts = variadic(inputs);
      const first = parts[0];
      if (first === undefined) throw new Error('kernel Concat: no inputs');
      const axis = normalizedAxis(attrs.axis, first.shape.length);
      const shape = [...first.shape];
      shape[axis] = parts.reduce((s, p) => s + p.shape[axis]!, 0);
      return [meta(shape, first.dtype)];
    },
    emit: (g, inputs, attrs): Emitted[] => {
      const parts = variadic(inputs).filter((p) => sizeOf(p.shape) > 0);
      const rank = parts[0]!.shape.length;
      // Rank-4 concatenations join feature maps: work in the body's layout.
      const layout: Layout = rank === 4 ? 'nchw' : 'nhwc';
      const values = parts.map((p) => p.as(layout));
      if (values.length === 1) return [inLayout(values[0]!, layout)];
      return [inLayout(g.op('Concat', values, { axis: physicalAxis(normalizedAxis(attrs.axis, rank), layout) }), layout)];
    },
  }),
  SplitV: kernel<SplitAttrs>({
    multipleOutputs: true,
    infer: (inputs, attrs) => {
      const x = required(inputs, 'x', 'SplitV');
      const { sizes, axis } = splitSizes(x, attrs);
      return sizes.map((n) => meta(x.shape.map((d, i) => (i === axis ? n : d)), x.dtype));
    },
    emit: (g, inputs, attrs) => {
      const x = required(inputs, 'x', 'SplitV');
      const layout = native(x);
      const { sizes, axis } = splitSizes(x, attrs);
      return g.node('Split', [x.as(layout), g.int64s(sizes)], { axis: physicalAxis(axis, layout) }, sizes.length).map((v) => inLayout(v, layout));
    },
  }),
  Pack: kernel<AxisAttrs>({
    infer: (inputs, attrs) => {
      const parts = variadic(inputs);
      const first = parts[0]!;
      const shape = [...first.shape];
      shape.splice(normalizedAxis(attrs.axis, shape.length + 1), 0, parts.length);
      return [meta(shape, first.dtype)];
    },
    emit: (g, inputs, attrs) => {
      const parts = variadic(inputs);
      const axis = normalizedAxis(attrs.axis, parts[0]!.shape.length + 1);
      const expanded = parts.map((p) => g.op('Unsqueeze', [p.value, g.int64s([axis])]));
      return [expanded.length === 1 ? expanded[0]! : g.op('Concat', expanded, { axis })];
    },
  }),
  Unpack: kernel<AxisAttrs>({
    multipleOutputs: true,
    infer: (inputs, attrs) => {
      const value = required(inputs, 'value', 'Unpack');
      const axis = normalizedAxis(attrs.axis, value.shape.length);
      const shape = value.shape.filter((_, i) => i !== axis);
      return Array.from({ length: value.shape[axis]! }, () => meta(shape, value.dtype));
    },
    emit: (g, inputs, attrs) => {
      const value = required(inputs, 'value', 'Unpack');
      const axis = normalizedAxis(attrs.axis, value.shape.length);
      const n = value.shape[axis]!;
      const pieces = g.node('Split', [value.value, g.int64s(Array.from({ length: n }, () => 1))], { axis }, n);
      return pieces.map((p) => g.op('Squeeze', [p, g.int64s([axis])]));
    },
  }),
  GatherV2: kernel<GatherAttrs>({
    infer: (inputs, attrs) => {
      const x = required(inputs, 'x', 'GatherV2');
      const indices = required(inputs, 'indices', 'GatherV2');
      if (attrs.batchDims !== 0) throw new Error('GatherV2 with batchDims is not supported');
      const axis = normalizedAxis(attrs.axis, x.shape.length);
      return [meta([...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)], x.dtype)];
    },
    emit: (g, inputs, attrs) => {
      const x = required(inputs, 'x', 'GatherV2');
      return [g.op('Gather', [x.value, required(inputs, 'indices', 'GatherV2').value], { axis: normalizedAxis(attrs.axis, x.shape.length) })];
    },
  }),
  BroadcastTo: kernel<BroadcastAttrs>({
    infer: (inputs, attrs) => [meta(attrs.shape, required(inputs, 'x', 'BroadcastTo').dtype)],
    emit: (g, inputs, attrs) => [g.op('Expand', [required(inputs, 'x', 'BroadcastTo').value, g.int64s(attrs.shape)])],
  }),
  Reverse: kernel<ReverseAttrs>({
    infer: (inputs) => {
      const x = required(inputs, 'x', 'Reverse');
      return [meta(x.shape, x.dtype)];
    },
    emit: (g, inputs, attrs) => {
      const x = required(inputs, 'x', 'Reverse');
      const axes = tf.util.parseAxisParam(attrs.dims, [...x.shape]);
      if (axes.length === 0) return [x.value];
      const minusOnes = axes.map(() => -1);
      return [g.op('Slice', [x.value, g.int64s(minusOnes), g.int64s(axes.map(() => BEFORE_START)), g.int64s(axes), g.int64s(minusOnes)])];
    },
  }),
  Cumsum: kernel<CumsumAttrs>({
    infer: (inputs) => {
      const x = required(inputs, 'x', 'Cumsum');
      return [meta(x.shape, x.dtype)];
    },
    emit: (g, inputs, attrs) => [
      g.op('CumSum', [required(inputs, 'x', 'Cumsum').value, g.scalar(attrs.axis, 'int64')], {
        exclusive: attrs.exclusive ? 1 : 0,
        reverse: attrs.reverse ? 1 : 0,
      }),
    ],
  }),
};
