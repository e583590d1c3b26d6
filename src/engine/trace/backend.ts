/**
 * The 'dermkit-trace' backend: the TF.js cpu backend with every kernel wrapped. While a
 * recorder is attached, a kernel that touches a traced (symbolic) tensor computes nothing: it
 * asks its lowering for the output shapes, records itself, and returns symbolic outputs. Kernels
 * whose inputs all hold real values (constants built from hyperparameters) run on the cpu as
 * usual, so tracing a whole MobileNetV2 training step takes milliseconds, not minutes.
 */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { tf } from '../../tf.js';
import { kernelLowering } from '../kernels/index.js';
import type { ValueMeta } from './program.js';
import { TraceRecorder } from './recorder.js';

export const TRACE_BACKEND = 'dermkit-trace';

type DataId = object;

export class TraceBackend extends MathBackendCPU {
  recorder: TraceRecorder | null = null;

  /** Storage for a symbolic tensor: it has a dtype and a refcount, but no values. */
  allocateSymbolic(value: ValueMeta): DataId {
    const dataId = {};
    this.data.set(dataId, { dtype: value.dtype, refCount: 1 });
    return dataId;
  }

  override write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): DataId {
    const noise = this.recorder?.noiseFor(this, shape, dtype);
    return noise ?? super.write(values, shape, dtype);
  }

  override readSync(dataId: DataId): tf.backend_util.BackendValues {
    this.recorder?.assertReadable(dataId);
    return super.readSync(dataId);
  }

  override read(dataId: DataId): Promise<tf.backend_util.BackendValues> {
    this.recorder?.assertReadable(dataId);
    return super.read(dataId);
  }
}

let registered = false;

function registerTraceBackend(): void {
  if (registered) return;
  tf.registerBackend(TRACE_BACKEND, () => new TraceBackend(), -1);
  for (const config of tf.getKernelsForBackend('cpu')) {
    const cpuKernel = config.kernelFunc;
    tf.registerKernel({
      kernelName: config.kernelName,
      backendName: TRACE_BACKEND,
      kernelFunc: (args) => {
        const backend = args.backend as TraceBackend;
        const recorder = backend.recorder;
        if (recorder === null || !recorder.touchesSymbolic(args.inputs)) return cpuKernel(args);
        return recorder.record(config.kernelName, kernelLowering(config.kernelName), args.inputs, args.attrs ?? {}, backend);
      },
    });
  }
  registered = true;
}

/** The backend instance, registered on first use. */
export function traceBackend(): TraceBackend {
  registerTraceBackend();
  const backend = tf.findBackend(TRACE_BACKEND);
  if (!(backend instanceof TraceBackend)) throw new Error('dermkit: the trace backend failed to initialise');
  return backend;
}

/**
 * Make `name` the active backend without yielding to the event loop, so no other code can run
 * on the trace backend in between. (Engine.setBackend completes synchronously once the backend
 * has been initialised, which `traceBackend()` guarantees.)
 */
export function activateBackend(name: string): void {
  void tf.setBackend(name);
  if (tf.getBackend() !== name) throw new Error(`dermkit: could not switch the TF.js backend to '${name}'`);
}
