/** Collects the kernels, values and constants of one trace (see backend.ts for how it is fed). */
import { tf } from '../../tf.js';
import type { AnyKernelLowering } from '../kernels/types.js';
import type { ConstantData, DType, TracedOp, TracedValue, ValueMeta, ValueSource } from './program.js';
import { TraceUnsupportedError } from './program.js';

type DataId = object;

/** What the recorder needs from the backend it is attached to. */
export interface SymbolicStorage extends tf.KernelBackend {
  allocateSymbolic(value: ValueMeta): DataId;
  readSync(dataId: DataId): tf.backend_util.BackendValues;
}

/** Op scopes (see tfjs-core's op()) whose tensors are random numbers. */
const RANDOM_SCOPES = new Set(['randomUniform__op', 'randomNormal__op', 'truncatedNormal__op', 'randomGamma__op', 'randomStandardNormal__op', 'randomUniformInt__op']);

function isTraceable(dtype: tf.DataType): dtype is DType {
  return dtype === 'float32' || dtype === 'int32' || dtype === 'bool';
}

export class TraceRecorder {
  readonly values: TracedValue[] = [];
  readonly ops: TracedOp[] = [];
  private readonly symbolic = new Map<DataId, TracedValue>();
  private readonly constants = new Map<DataId, Map<string, TracedValue>>();

  private newValue(value: ValueMeta, source: ValueSource): TracedValue {
    const traced: TracedValue = { id: this.values.length, shape: [...value.shape], dtype: value.dtype, source };
    this.values.push(traced);
    return traced;
  }

  private symbolicTensorInfo(backend: SymbolicStorage, value: TracedValue): tf.TensorInfo {
    const dataId = backend.allocateSymbolic(value);
    this.symbolic.set(dataId, value);
    return { dataId, shape: [...value.shape], dtype: value.dtype };
  }

  /** A tensor that stands for a value fed on every run. */
  placeholder(backend: SymbolicStorage, name: string, value: ValueMeta): tf.Tensor {
    const info = this.symbolicTensorInfo(backend, this.newValue(value, { kind: 'input', name }));
    return tf.engine().makeTensorFromTensorInfo(info, backend);
  }

  touchesSymbolic(inputs: tf.NamedTensorInfoMap): boolean {
    return Object.values(inputs).some((t) => t != null && this.symbolic.has(t.dataId));
  }

  /** The traced value behind a tensor: symbolic, or a constant captured now with its values. */
  valueOf(info: tf.TensorInfo, backend: SymbolicStorage): TracedValue {
    const symbolic = this.symbolic.get(info.dataId);
    if (symbolic !== undefined) return symbolic;
    const { dtype } = info;
    if (!isTraceable(dtype)) throw new TraceUnsupportedError(`a ${dtype} tensor is used by the step`);
    let byShape = this.constants.get(info.dataId);
    if (byShape === undefined) {
      byShape = new Map();
      this.constants.set(info.dataId, byShape);
    }
    const key = `${dtype}:${info.shape.join(',')}`;
    let value = byShape.get(key);
    if (value === undefined) {
      // TF.js may back a float32 tensor with an Int32Array (int32 -> float32 casts share data).
      const raw = backend.readSync(info.dataId) as ConstantData;
      const data = dtype === 'float32' ? Float32Array.from(raw) : dtype === 'int32' ? Int32Array.from(raw) : Uint8Array.from(raw);
      value = this.newValue({ shape: info.shape, dtype }, { kind: 'constant', data });
      byShape.set(key, value);
    }
    return value;
  }

  record(
    kernelName: string,
    lowering: AnyKernelLowering | undefined,
    inputs: tf.NamedTensorInfoMap,
    attrs: tf.NamedAttrMap,
    backend: SymbolicStorage,
  ): tf.TensorInfo | tf.TensorInfo[] {
    if (lowering === undefined) throw new TraceUnsupportedError(`TF.js kernel '${kernelName}' has no ONNX mapping`);
    const named = Object.entries(inputs).map(([name, t]) => [name, t == null ? null : this.valueOf(t, backend)] as const);
    const metas: Record<string, ValueMeta> = {};
    for (const [name, value] of named) if (value !== null) metas[name] = value;
    let outputMetas: ValueMeta[];
    try {
      outputMetas = lowering.infer(metas, attrs);
    } catch (error) {
      throw new TraceUnsupportedError(`TF.js kernel '${kernelName}': ${(error as Error).message}`);
    }
    const op = this.ops.length;
    const outputs = outputMetas.map((m) => this.newValue(m, { kind: 'op', op }));
    this.ops.push({ kernel: kernelName, inputs: named, attrs: { ...attrs }, outputs });
    const infos = outputs.map((v) => this.symbolicTensorInfo(backend, v));
    return lowering.multipleOutputs ? infos : infos[0]!;
  }

  /**
   * Called for every tensor created from host values. Noise drawn by tf.dropout becomes a
   * per-run U(0,1) value; any other random tensor cannot be replayed and aborts the trace.
   */
  noiseFor(backend: SymbolicStorage, shape: number[], dtype: tf.DataType): DataId | undefined {
    const scopes = tf.engine().state.scopeStack.map((s) => s.name);
    const innermost = scopes[scopes.length - 1];
    if (innermost === undefined || !RANDOM_SCOPES.has(innermost)) return undefined;
    if (innermost !== 'randomUniform__op' || scopes[scopes.length - 2] !== 'dropout__op' || dtype !== 'float32') {
      throw new TraceUnsupportedError(`the step draws random numbers with tf.${innermost.replace('__op', '')} outside tf.dropout`);
    }
    return this.symbolicTensorInfo(backend, this.newValue({ shape, dtype }, { kind: 'uniformNoise' })).dataId;
  }

  assertReadable(dataId: DataId): void {
    if (this.symbolic.has(dataId)) {
      throw new TraceUnsupportedError('the step reads tensor values on the host (dataSync/array/print inside the step)');
    }
  }
}
