/**
 * exportOnnx: a standalone ONNX model of a LayersModel's inference pass (input `input`, NHWC
 * float32; output `output`, or one named output per model output), with the weights as
 * initializers.
 *
 * The batch dimension is made dynamic by tracing at two batch sizes and comparing the two
 * graphs: they must differ only in Reshape target shapes, whose batch-proportional entry
 * becomes -1. Graphs that differ in any other way are exported with the fixed batch size.
 */
import { tf } from '../tf.js';
import { MAIN_OUTPUT } from '../models/outputs.js';
import { lowerProgram } from './lower.js';
import { encodeModel, type OnnxGraph } from './onnx/model.js';
import { convolveBeforeResize } from './onnx/rewrites.js';
import { traceFunction } from './trace/trace.js';

export interface ExportOptions {
  /** Batch size of the exported graph when it cannot be dynamic. Default 1. */
  batchSize?: number;
  /**
   * Names of the graph outputs, one per model output, in order (default: `output` alone). A
   * model with several outputs (e.g. src/models/explain.ts) must name them all.
   */
  outputNames?: readonly string[];
}

const PROBE_BATCHES = [2, 3] as const;
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = MAIN_OUTPUT;

function inferenceGraph(model: tf.LayersModel, outputNames: readonly string[], batch: number, dynamic: boolean): OnnxGraph {
  const inputShape = model.inputs[0]!.shape.slice(1);
  if (inputShape.some((d) => d === null)) throw new Error(`exportOnnx: the model's input shape [${model.inputs[0]!.shape}] must be fixed apart from the batch`);
  const trace = traceFunction({
    state: [],
    inputs: [{ name: INPUT_NAME, shape: [batch, ...(inputShape as number[])], dtype: 'float32' }],
    run: ([x]) => {
      const y = model.apply(x!, { training: false });
      const outputs = (Array.isArray(y) ? y : [y]) as tf.Tensor[];
      return Object.fromEntries(outputNames.map((name, i) => [name, outputs[i]!]));
    },
  });
  const batchAxis = (shape: readonly number[]) => (dynamic ? ['batch', ...shape.slice(1)] : [...shape]);
  return convolveBeforeResize(lowerProgram(trace.program, {
    name: 'inference',
    inputShapes: new Map([[INPUT_NAME, batchAxis([batch, ...(inputShape as number[])])]]),
    outputShapes: new Map(trace.program.outputs.map((o) => [o.name, batchAxis(o.value.shape)])),
    distinctShapeConstants: true,
  }).graph);
}

/**
 * Merge two traces taken at batch sizes a and b into one graph with a dynamic batch, or return
 * undefined when they differ in anything but batch-proportional Reshape dimensions.
 */
function mergeBatchSizes(small: OnnxGraph, large: OnnxGraph, a: number, b: number): OnnxGraph | undefined {
  if (small.nodes.length !== large.nodes.length || small.initializers.length !== large.initializers.length) return undefined;
  const sameNode = (i: number) => JSON.stringify(small.nodes[i]) === JSON.stringify(large.nodes[i]);
  if (!small.nodes.every((_, i) => sameNode(i))) return undefined;
  const reshapeShapes = new Set(small.nodes.filter((n) => n.opType === 'Reshape').map((n) => n.inputs[1]!));
  const initializers = [];
  for (let i = 0; i < small.initializers.length; i++) {
    const s = small.initializers[i]!;
    const l = large.initializers[i]!;
    if (s.name !== l.name || s.dtype !== l.dtype || s.dims.join() !== l.dims.join()) return undefined;
    const sameBytes = Buffer.compare(Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength), Buffer.from(l.data.buffer, l.data.byteOffset, l.data.byteLength)) === 0;
    if (sameBytes) {
      initializers.push(s);
      continue;
    }
    if (!reshapeShapes.has(s.name) || s.dtype !== 'int64') return undefined;
    const sv = s.data as BigInt64Array;
    const lv = l.data as BigInt64Array;
    const merged = BigInt64Array.from(sv);
    let batchEntries = 0;
    for (let k = 0; k < sv.length; k++) {
      if (sv[k] === lv[k]) continue;
      if (sv[k]! * BigInt(b) !== lv[k]! * BigInt(a)) return undefined;
      merged[k] = -1n;
      batchEntries++;
    }
    if (batchEntries !== 1) return undefined;
    initializers.push({ ...s, data: merged });
  }
  return { ...small, initializers };
}

export function exportOnnx(model: tf.LayersModel, options: ExportOptions = {}): Uint8Array {
  const outputNames = options.outputNames ?? [OUTPUT_NAME];
  if (model.inputs.length !== 1) throw new Error('exportOnnx: the model must have exactly one input');
  if (model.outputs.length !== outputNames.length) throw new Error(`exportOnnx: the model has ${model.outputs.length} outputs, named ${outputNames.length} (${outputNames.join(', ')})`);
  if (new Set(outputNames).size !== outputNames.length) throw new Error(`exportOnnx: output names must differ, got ${outputNames.join(', ')}`);
  const [a, b] = PROBE_BATCHES;
  const dynamic = mergeBatchSizes(inferenceGraph(model, outputNames, a, true), inferenceGraph(model, outputNames, b, true), a, b);
  return encodeModel(dynamic ?? inferenceGraph(model, outputNames, options.batchSize ?? 1, false));
}
