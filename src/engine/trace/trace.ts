/**
 * traceFunction: run a TF.js function once on the trace backend with symbolic stand-ins for its
 * inputs and for the variables it reads, and return the recorded program. Variables the
 * function assigns (weights after an optimizer update, batch-norm moving statistics) become
 * extra outputs, so the program is a pure function of (state, inputs) -> (outputs, new state).
 */
import { tf } from '../../tf.js';
import type { DType, TracedProgram, TracedValue } from './program.js';
import { TraceUnsupportedError } from './program.js';
import { activateBackend, TRACE_BACKEND, traceBackend } from './backend.js';
import { withTraceFastPaths } from './fast-paths.js';
import { TraceRecorder } from './recorder.js';

export interface TraceInput {
  name: string;
  shape: number[];
  dtype: DType;
}

export interface TraceSpec {
  /** Variables read (and possibly assigned) by `run`; their values are not baked into the program. */
  state: readonly tf.Variable[];
  /** Tensors passed to `run`, fed on every execution. */
  inputs: readonly TraceInput[];
  run(inputs: tf.Tensor[]): Record<string, tf.Tensor>;
}

export interface Trace {
  /** Inputs: `spec.inputs` by name and `state[i]` as stateInputName(i). */
  program: TracedProgram;
  /** For each state variable the function assigned: its index and the program output holding the new value. */
  stateUpdates: Array<{ index: number; output: string }>;
}

export const stateInputName = (index: number) => `state_${index}`;
const stateOutputName = (index: number) => `state_${index}_next`;

function asDType(dtype: tf.DataType, what: string): DType {
  if (dtype === 'float32' || dtype === 'int32' || dtype === 'bool') return dtype;
  throw new TraceUnsupportedError(`${what} has dtype ${dtype}`);
}

export function traceFunction(spec: TraceSpec): Trace {
  const backend = traceBackend();
  const previousBackend = tf.getBackend();
  // Hold the variables' real values while they point at placeholders during the trace.
  const saved = spec.state.map((v) => tf.clone(v));
  const recorder = new TraceRecorder();
  const placeholders: tf.Tensor[] = [];
  backend.recorder = recorder;
  activateBackend(TRACE_BACKEND);
  try {
    const stateValues: TracedValue[] = spec.state.map((variable, i) => {
      const placeholder = recorder.placeholder(backend, stateInputName(i), {
        shape: variable.shape,
        dtype: asDType(variable.dtype, `state variable ${variable.name}`),
      });
      variable.assign(placeholder);
      placeholder.dispose();
      return recorder.valueOf(variable, backend);
    });
    const inputs = spec.inputs.map((input) => recorder.placeholder(backend, input.name, input));
    placeholders.push(...inputs);
    const results = withTraceFastPaths(() => tf.tidy(() => spec.run(inputs)));
    const outputs = Object.entries(results).map(([name, tensor]) => ({ name, value: recorder.valueOf(tensor, backend) }));
    const stateUpdates: Trace['stateUpdates'] = [];
    spec.state.forEach((variable, index) => {
      const value = recorder.valueOf(variable, backend);
      if (value === stateValues[index]) return;
      const output = stateOutputName(index);
      outputs.push({ name: output, value });
      stateUpdates.push({ index, output });
    });
    tf.dispose(Object.values(results));
    return { program: { values: recorder.values, ops: recorder.ops, outputs }, stateUpdates };
  } finally {
    tf.dispose(placeholders);
    backend.recorder = null;
    activateBackend(previousBackend);
    spec.state.forEach((variable, i) => variable.assign(saved[i]!));
    tf.dispose(saved);
  }
}
