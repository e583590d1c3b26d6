/**
 * lowerProgram: a traced program -> an ONNX graph. Only ops that contribute to an output are
 * emitted (a gradient tape computes plenty that a step never uses). Constants become
 * initializers, dropout noise becomes an extra float input fed with fresh U(0,1) values.
 */
import { kernelLowering } from './kernels/index.js';
import type { Operand } from './kernels/types.js';
import { GraphBuilder } from './onnx/builder.js';
import type { OnnxGraph, OnnxValueInfo } from './onnx/model.js';
import { optimizeLayout } from './layout.js';
import type { TracedProgram, TracedValue } from './trace/program.js';

export interface LoweringOptions {
  /** Graph name stored in the model. */
  name: string;
  /** Per program input, a replacement shape with symbolic dimensions (e.g. a dynamic batch). */
  inputShapes?: ReadonlyMap<string, Array<number | string>>;
  /** Per program output, a replacement shape with symbolic dimensions. */
  outputShapes?: ReadonlyMap<string, Array<number | string>>;
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

export function lowerProgram(program: TracedProgram, options: LoweringOptions): LoweredGraph {
  const g = new GraphBuilder();
  const names = new Map<number, string>();
  const noiseInputs: OnnxValueInfo[] = [];

  for (const value of program.values) {
    if (value.source.kind !== 'input') continue;
    const shape = options.inputShapes?.get(value.source.name) ?? [...value.shape];
    names.set(value.id, g.addInput({ name: value.source.name, dtype: value.dtype, shape }));
  }

  const nameOf = (value: TracedValue): string => {
    const known = names.get(value.id);
    if (known !== undefined) return known;
    let name: string;
    if (value.source.kind === 'constant') {
      name = g.initializer(value.dtype, [...value.shape], value.source.data);
    } else if (value.source.kind === 'uniformNoise') {
      name = g.addInput({ name: `noise_${noiseInputs.length}`, dtype: 'float32', shape: [...value.shape] });
      noiseInputs.push(g.inputs[g.inputs.length - 1]!);
    } else {
      throw new Error(`lowering: value ${value.id} is used before it is computed`);
    }
    names.set(value.id, name);
    return name;
  };

  const live = liveOps(program);
  program.ops.forEach((op, index) => {
    if (!live[index]) return;
    const lowering = kernelLowering(op.kernel);
    if (lowering === undefined) throw new Error(`lowering: kernel ${op.kernel} has no ONNX mapping`);
    const operands: Record<string, Operand> = {};
    for (const [inputName, value] of op.inputs) {
      if (value !== null) operands[inputName] = { value: nameOf(value), shape: value.shape, dtype: value.dtype };
    }
    const outputs = lowering.emit(g, operands, op.attrs, op.outputs);
    op.outputs.forEach((value, i) => {
      const name = outputs[i];
      if (name !== undefined) names.set(value.id, name);
    });
  });

  for (const { name, value } of program.outputs) {
    const shape = options.outputShapes?.get(name) ?? [...value.shape];
    g.addOutput({ name, dtype: value.dtype, shape }, nameOf(value));
  }
  return { graph: optimizeLayout(g.build(options.name)), noiseInputs };
}
