/**
 * lowerProgram: a traced program -> an ONNX graph. Only ops that contribute to an output are
 * emitted (a gradient tape computes plenty that a step never uses). Constants become
 * initializers, dropout noise becomes an extra float input fed with fresh U(0,1) values.
 */
import { filled } from './kernels/elementwise.js';
import { kernelLowering } from './kernels/index.js';
import { type Layout, NCHW_TO_NHWC, NHWC_TO_NCHW, type Operand, type ZeroPadding } from './kernels/types.js';
import { nchwBroadcastView } from './kernels/views.js';
import { GraphBuilder } from './onnx/builder.js';
import type { OnnxGraph, OnnxValueInfo } from './onnx/model.js';
import { optimizeLayout } from './layout.js';
import { sizeOf, type ConstantData, type TracedProgram, type TracedValue } from './trace/program.js';

export interface LoweringOptions {
  /** Graph name stored in the model. */
  name: string;
  /** Per program input, a replacement shape with symbolic dimensions (e.g. a dynamic batch). */
  inputShapes?: ReadonlyMap<string, Array<number | string>>;
  /** Per program output, a replacement shape with symbolic dimensions. */
  outputShapes?: ReadonlyMap<string, Array<number | string>>;
  /**
   * Block size of ONNX Runtime's NCHWc kernels (see nchwcBlockSize()) when the graph will run on
   * this machine's ONNX Runtime and may use them; leave unset for portable graphs.
   */
  nchwcBlockSize?: number;
  /** See BuilderOptions.distinctShapeConstants. */
  distinctShapeConstants?: boolean;
}

export interface LoweredGraph {
  graph: OnnxGraph;
  /** Extra inputs to feed with fresh U(0,1) float32 noise on every run. */
  noiseInputs: OnnxValueInfo[];
}

function liveOps(program: TracedProgram): boolean[] {
  const live = new Array<boolean>(program.ops.length).fill(false);
  const pending: TracedValue[] = program.outputs.map((o) => o.value);
  const seen = new Set<number>();
  while (pending.length > 0) {
    const value = pending.pop()!;
    if (seen.has(value.id)) continue;
    seen.add(value.id);
    if (value.source.kind !== 'op' || live[value.source.op]) continue;
    live[value.source.op] = true;
    for (const [, input] of program.ops[value.source.op]!.inputs) if (input !== null) pending.push(input);
  }
  return live;
}

/** The element value when every element of `data` is the same, else undefined. */
function uniformValue(data: ConstantData): number | undefined {
  const first = data[0];
  if (first === undefined) return undefined;
  for (let i = 1; i < data.length; i++) if (data[i] !== first) return undefined;
  return first;
}

/** The ONNX values that hold one traced value, per layout (see kernels/types.ts Layout). */
interface Views {
  produced: Layout;
  /** Set when every element is known to equal this number (fills, uniform constants). */
  uniform?: number;
  nhwc?: string;
  nchw?: string;
  /** Rank < 4 values reshaped to broadcast against NCHW tensors. */
  broadcast?: string;
  zeroPadded?: ZeroPadding;
  /** Source of a Square, in the produced layout. */
  squareOf?: string;
}

export function lowerProgram(program: TracedProgram, options: LoweringOptions): LoweredGraph {
  const g = new GraphBuilder({ nchwcBlockSize: options.nchwcBlockSize, distinctShapeConstants: options.distinctShapeConstants });
  const views = new Map<number, Views>();
  const noiseInputs: OnnxValueInfo[] = [];

  for (const value of program.values) {
    if (value.source.kind !== 'input') continue;
    const shape = options.inputShapes?.get(value.source.name) ?? [...value.shape];
    views.set(value.id, { produced: 'nhwc', nhwc: g.addInput({ name: value.source.name, dtype: value.dtype, shape }) });
  }

  const viewsOf = (value: TracedValue): Views => {
    const known = views.get(value.id);
    if (known !== undefined) return known;
    let name: string;
    if (value.source.kind === 'constant') {
      const uniform = uniformValue(value.source.data);
      name = uniform !== undefined && sizeOf(value.shape) > 1
        ? filled(g, value.shape, uniform, value.dtype)
        : g.initializer(value.dtype, [...value.shape], value.source.data);
    } else if (value.source.kind === 'uniformNoise') {
      name = g.addInput({ name: `noise_${noiseInputs.length}`, dtype: 'float32', shape: [...value.shape] });
      noiseInputs.push(g.inputs[g.inputs.length - 1]!);
    } else {
      throw new Error(`lowering: value ${value.id} is used before it is computed`);
    }
    const created: Views = { produced: 'nhwc', nhwc: name, uniform: value.source.kind === 'constant' ? uniformValue(value.source.data) : undefined };
    views.set(value.id, created);
    return created;
  };

  /** Transpose between layouts; a Reshape when only unit axes move (e.g. [1, 1, 1, C]). */
  const relayout = (value: TracedValue, source: string, perm: number[]): string => {
    const sourceShape = perm === NHWC_TO_NCHW ? value.shape : NHWC_TO_NCHW.map((a) => value.shape[a]!);
    const moved = perm.map((p) => sourceShape[p]!);
    const nonUnit = perm.filter((p) => sourceShape[p] !== 1);
    if (nonUnit.every((p, i) => i === 0 || p > nonUnit[i - 1]!)) return g.op('Reshape', [source, g.int64s(moved)]);
    return g.op('Transpose', [source], { perm });
  };

  const view = (value: TracedValue, layout: Layout): string => {
    const v = viewsOf(value);
    if (layout === 'nhwc') return (v.nhwc ??= relayout(value, v.nchw!, NCHW_TO_NHWC));
    if (value.shape.length === 4) return (v.nchw ??= relayout(value, v.nhwc!, NHWC_TO_NCHW));
    return (v.broadcast ??= nchwBroadcastView(g, view(value, 'nhwc'), value.shape));
  };

  const operand = (value: TracedValue): Operand => ({
    shape: value.shape,
    dtype: value.dtype,
    layout: viewsOf(value).produced,
    get value() {
      return view(value, 'nhwc');
    },
    as: (layout: Layout) => view(value, layout),
    uniform: viewsOf(value).uniform,
    zeroPadded: viewsOf(value).zeroPadded,
    squareOf: viewsOf(value).squareOf,
  });

  const live = liveOps(program);
  program.ops.forEach((op, index) => {
    if (!live[index]) return;
    const lowering = kernelLowering(op.kernel);
    if (lowering === undefined) throw new Error(`lowering: kernel ${op.kernel} has no ONNX mapping`);
    const operands: Record<string, Operand> = {};
    for (const [inputName, value] of op.inputs) if (value !== null) operands[inputName] = operand(value);
    const emitted = lowering.emit(g, operands, op.attrs, op.outputs);
    op.outputs.forEach((value, i) => {
      const result = emitted[i];
      if (result === undefined) return;
      if (typeof result === 'string') {
        views.set(value.id, { produced: 'nhwc', nhwc: result });
      } else {
        const nchw = result.layout === 'nchw' && value.shape.length === 4;
        views.set(value.id, nchw
          ? { produced: 'nchw', nchw: result.value, uniform: result.uniform, zeroPadded: result.zeroPadded, squareOf: result.squareOf }
          : { produced: 'nhwc', nhwc: result.value, uniform: result.uniform, zeroPadded: result.zeroPadded, squareOf: result.squareOf });
      }
    });
  });

  for (const { name, value } of program.outputs) {
    const shape = options.outputShapes?.get(name) ?? [...value.shape];
    g.addOutput({ name, dtype: value.dtype, shape }, view(value, 'nhwc'));
  }
  return { graph: optimizeLayout(g.build(options.name)), noiseInputs };
}
