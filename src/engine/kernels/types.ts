/**
 * The contract between the tracer and the ONNX emitter: one `KernelLowering` per TF.js kernel
 * name. `infer` gives output shapes without computing anything (tracing runs no arithmetic);
 * `emit` appends the ONNX nodes that compute the kernel. Kernels see TF.js's (NHWC) semantics,
 * but rank-4 values may physically live in NCHW (see Layout): the lowering driver inserts a
 * transpose only where a kernel asks for a layout its input does not have.
 */
import type { GraphBuilder } from '../onnx/builder.js';
import type { DType, ValueMeta } from '../trace/program.js';

/**
 * Physical layout of a rank-4 value. Lowerings see TF.js's NHWC semantics, but convolution-like
 * kernels produce NCHW results and element-wise kernels keep whatever layout their inputs have,
 * so the whole network body runs in NCHW and transposes appear only where the layout really
 * changes (graph inputs, reshapes to 2-D, filter gradients). Values of other ranks are 'nhwc'
 * (TF.js's own order).
 */
export type Layout = 'nhwc' | 'nchw';

/** An input as seen by `emit`. */
export interface Operand extends ValueMeta {
  /** The layout the producer emitted this value in. */
  readonly layout: Layout;
  /** The value in TF.js's layout (transposed on first use if it was produced NCHW). */
  readonly value: string;
  /**
   * The value in `layout`; for 'nchw', values of rank < 4 are reshaped (and transposed) so that
   * they broadcast against NCHW rank-4 tensors as they did against NHWC ones.
   */
  as(layout: Layout): string;
  /** Set when the value is a constant whose elements all equal this number. */
  readonly uniform?: number;
  /** Set when the value is another one with zeros around its spatial edges (see ZeroPadding). */
  readonly zeroPadded?: ZeroPadding;
  /**
   * Set when the value is the element-wise square of this value (named in the operand's own
   * layout): a sum or mean of it reads the source once (ReduceSumSquare) instead of the squares.
   */
  readonly squareOf?: string;
}

/**
 * A rank-4 value that is `source` (NCHW) with zeros added around its spatial edges. Convolutions
 * read it by padding as they read (their pads attribute) instead of from a padded copy, so the
 * Pad node is left without users and removed (Keras pads explicitly before strided convolutions).
 */
export interface ZeroPadding {
  readonly source: string;
  /** Rows / columns added: top, left, bottom, right. */
  readonly pads: readonly [number, number, number, number];
}

/**
 * What `emit` returns per output: a value name in TF.js's layout, or a name with its layout
 * (and, for results known to be filled with one number, that number).
 */
export type Emitted = string | {
  readonly value: string;
  readonly layout: Layout;
  readonly uniform?: number;
  readonly zeroPadded?: ZeroPadding;
  readonly squareOf?: string;
};

export function inLayout(value: string, layout: Layout): Emitted {
  return layout === 'nhwc' ? value : { value, layout };
}

/** The operand itself as a result (identities, no-op casts and reshapes), keeping what is known about it. */
export function alias(x: Operand): Emitted {
  const layout = x.shape.length === 4 ? x.layout : 'nhwc';
  return { value: x.as(layout), layout, uniform: x.uniform, zeroPadded: x.shape.length === 4 ? x.zeroPadded : undefined };
}

export type KernelInputs<T> = Readonly<Record<string, T>>;

export interface KernelLowering<A = Record<string, unknown>> {
  infer(inputs: KernelInputs<ValueMeta>, attrs: A): ValueMeta[];
  emit(g: GraphBuilder, inputs: KernelInputs<Operand>, attrs: A, outputs: readonly ValueMeta[]): Emitted[];
  /** True when the TF.js kernel returns an array of tensors (SplitV, Unpack). */
  multipleOutputs?: boolean;
}

export type AnyKernelLowering = KernelLowering<Record<string, unknown>>;

/** Erase the attribute type so lowerings with different attrs live in one table. */
export function kernel<A>(lowering: KernelLowering<A>): AnyKernelLowering {
  return lowering as unknown as AnyKernelLowering;
}

export function required<T>(inputs: KernelInputs<T>, name: string, kernelName: string): T {
  const value = inputs[name];
  if (value === undefined) throw new Error(`kernel ${kernelName}: input '${name}' is missing`);
  return value;
}

/** Variadic kernels (Concat, AddN, Pack) name their inputs '0', '1', ...; return them in order. */
export function variadic<T>(inputs: KernelInputs<T>): T[] {
  return Object.keys(inputs)
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => inputs[k]!);
}

/** ONNX `Cast` element-type codes. */
export const CAST_TO: Record<DType, number> = { float32: 1, int32: 6, bool: 9 };

export const NHWC_TO_NCHW = [0, 3, 1, 2];
export const NCHW_TO_NHWC = [0, 2, 3, 1];
/** Where NHWC axis `a` sits in NCHW order. */
export const NCHW_POSITION = [0, 2, 3, 1];

/**
 * The layout an element-wise result of TF.js shape `shape` is computed in: that of its
 * full-size operands when they agree on NHWC, else NCHW (the network body's layout) for rank 4.
 * Operands smaller than the result (per-channel vectors, broadcast scalars) and uniform
 * constants cost nothing to re-lay out, so they do not vote.
 */
export function elementwiseLayout(operands: readonly Operand[], shape: readonly number[]): Layout {
  if (shape.length !== 4) return 'nhwc';
  const full = operands.filter((o) => o.uniform === undefined && o.shape.length === 4 && o.shape.every((d, i) => d === shape[i]));
  return full.length > 0 && full.every((o) => o.layout === 'nhwc') ? 'nhwc' : 'nchw';
}

export function meta(shape: readonly number[], dtype: DType): ValueMeta {
  return { shape: [...shape], dtype };
}
