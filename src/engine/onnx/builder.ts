/**
 * GraphBuilder: appends ONNX nodes with generated value names and de-duplicates small constant
 * initializers (shapes, axes, scalars), so kernel lowerings can be written as straight-line code.
 */
import type { AttributeValue, OnnxDataType, OnnxGraph, OnnxNode, OnnxTensor, OnnxValueInfo, TensorData } from './model.js';

export interface BuilderOptions {
  /**
   * Channels per block of ONNX Runtime's NCHWc kernels on the machine that will run this graph;
   * undefined when the graph must stay portable (standard ONNX operators only).
   */
  nchwcBlockSize?: number;
  /**
   * Give every int64 constant its own initializer. exportOnnx compares graphs traced at two
   * batch sizes; a shared constant could stand for a batch-sized shape in one of them (say
   * [2, 8]) and for a weight's shape in both, and the graphs would no longer line up.
   */
  distinctShapeConstants?: boolean;
}

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  readonly inputs: OnnxValueInfo[] = [];
  readonly outputs: OnnxValueInfo[] = [];
  private nextId = 0;
  private readonly constantCache = new Map<string, string>();

  /** Channels per block of ONNX Runtime's NCHWc kernels (see BuilderOptions). */
  readonly nchwcBlockSize?: number;
  private readonly shareShapes: boolean;

  constructor(options: BuilderOptions = {}) {
    this.nchwcBlockSize = options.nchwcBlockSize;
    this.shareShapes = !options.distinctShapeConstants;
  }

  /** A fresh value name. */
  fresh(hint = 'v'): string {
    return `${hint}_${this.nextId++}`;
  }

  /** Append a node and return its output names. */
  node(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, outputCount = 1): string[] {
    const outputs = Array.from({ length: outputCount }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push({ opType, inputs, outputs, attributes });
    return outputs;
  }

  /** Append a single-output node and return its output name. */
  op(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}): string {
    return this.node(opType, inputs, attributes, 1)[0]!;
  }

  initializer(dtype: OnnxDataType, dims: number[], data: TensorData, hint = 'const'): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dtype, dims, data });
    return name;
  }

  private cachedConstant(key: string, make: () => string): string {
    let name = this.constantCache.get(key);
    if (name === undefined) {
      name = make();
      this.constantCache.set(key, name);
    }
    return name;
  }

  /** A 1-D int64 constant (shapes, axes, pads, slice bounds). */
  int64s(values: readonly number[]): string {
    const make = () => this.initializer('int64', [values.length], BigInt64Array.from(values.map((v) => BigInt(v))), 'ints');
    return this.shareShapes ? this.cachedConstant(`i64:${values.join(',')}`, make) : make();
  }

  /** A scalar constant of the given type. */
  scalar(value: number, dtype: OnnxDataType = 'float32'): string {
    return this.cachedConstant(`s:${dtype}:${Object.is(value, -0) ? '-0' : value}`, () => {
      const data =
        dtype === 'float32' ? Float32Array.of(value)
        : dtype === 'int32' ? Int32Array.of(value)
        : dtype === 'int64' ? BigInt64Array.of(BigInt(value))
        : Uint8Array.of(value);
      return this.initializer(dtype, [], data, 'scalar');
    });
  }

  addInput(info: OnnxValueInfo): string {
    this.inputs.push(info);
    return info.name;
  }

  /** Expose `value` as graph output `info.name` (through an Identity when the names differ). */
  addOutput(info: OnnxValueInfo, value: string): void {
    if (value !== info.name) this.nodes.push({ opType: 'Identity', inputs: [value], outputs: [info.name], attributes: {} });
    this.outputs.push(info);
  }

  build(name: string): OnnxGraph {
    return { name, nodes: this.nodes, initializers: this.initializers, inputs: this.inputs, outputs: this.outputs };
  }
}
