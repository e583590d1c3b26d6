/**
 * The data structure a trace produces: every kernel TF.js dispatched while running a function,
 * in order, with the shapes of all values and where each value comes from.
 */

/** Tensor element types the tracer handles (TF.js stores bool as Uint8Array). */
export type DType = 'float32' | 'int32' | 'bool';

export interface ValueMeta {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export type ConstantData = Float32Array | Int32Array | Uint8Array;

export type ValueSource =
  /** Fed by the caller on every run (a step input or a piece of state). */
  | { readonly kind: 'input'; readonly name: string }
  /** Output of `program.ops[op]`. */
  | { readonly kind: 'op'; readonly op: number }
  /** A tensor whose values are fixed: created outside kernels from hyperparameters, shapes, literals. */
  | { readonly kind: 'constant'; readonly data: ConstantData }
  /** Fresh U(0,1) noise on every run (tf.dropout's randomUniform). */
  | { readonly kind: 'uniformNoise' };

export interface TracedValue extends ValueMeta {
  readonly id: number;
  readonly source: ValueSource;
}

export interface TracedOp {
  readonly kernel: string;
  /** Kernel inputs by the names TF.js uses ('x', 'filter', '0', '1', ...); null where optional and absent. */
  readonly inputs: ReadonlyArray<readonly [string, TracedValue | null]>;
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly outputs: readonly TracedValue[];
}

export interface TracedProgram {
  readonly values: readonly TracedValue[];
  readonly ops: readonly TracedOp[];
  /** Named results of the traced function. */
  readonly outputs: ReadonlyArray<{ readonly name: string; readonly value: TracedValue }>;
}

/** Thrown when a function cannot be captured; `reason` says what (e.g. the kernel that has no ONNX mapping). */
export class TraceUnsupportedError extends Error {
  constructor(readonly reason: string) {
    super(`cannot compile to ONNX: ${reason}`);
    this.name = 'TraceUnsupportedError';
  }
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
