/**
 * The contract between the tracer and the ONNX emitter: one `KernelLowering` per TF.js kernel
 * name. `infer` gives output shapes without computing anything (tracing runs no arithmetic);
 * `emit` appends the ONNX nodes that compute the kernel. Tensors keep TF.js's NHWC layout at
 * kernel boundaries; convolution-like lowerings transpose to NCHW inside and back out, and the
 * layout pass removes the transpose pairs that end up adjacent.
 */
import type { GraphBuilder } from '../onnx/builder.js';
import type { OnnxDataType } from '../onnx/model.js';
import type { DType, ValueMeta } from '../trace/program.js';

/** An input as seen by `emit`: its meta plus the ONNX value that holds it. */
export interface Operand extends ValueMeta {
  readonly value: string;
}

export type KernelInputs<T> = Readonly<Record<string, T>>;

export interface KernelLowering<A = Record<string, unknown>> {
  infer(inputs: KernelInputs<ValueMeta>, attrs: A): ValueMeta[];
  emit(g: GraphBuilder, inputs: KernelInputs<Operand>, attrs: A, outputs: readonly ValueMeta[]): string[];
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

export function onnxType(dtype: DType): OnnxDataType {
  return dtype;
}

/** ONNX `Cast` element-type codes. */
export const CAST_TO: Record<DType, number> = { float32: 1, int32: 6, bool: 9 };

export const NHWC_TO_NCHW = [0, 3, 1, 2];
export const NCHW_TO_NHWC = [0, 2, 3, 1];

export function meta(shape: readonly number[], dtype: DType): ValueMeta {
  return { shape: [...shape], dtype };
}
