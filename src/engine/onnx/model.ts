/**
 * In-memory ONNX graph types and their serialisation to a ModelProto (field numbers from
 * onnx/onnx.proto). Tensor payloads are written as `raw_data` (little-endian), which is what
 * ONNX Runtime reads fastest.
 */
import { ProtoWriter } from './protobuf.js';

/** The opset every graph dermkit writes targets. */
export const ONNX_OPSET = 17;
const IR_VERSION = 8;

export type OnnxDataType = 'float32' | 'uint8' | 'int8' | 'int32' | 'int64' | 'bool';

/** TensorProto.DataType codes. */
export const ELEMENT_TYPE: Record<OnnxDataType, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9 };

export type TensorData = Float32Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

export interface OnnxTensor {
  name: string;
  dtype: OnnxDataType;
  dims: number[];
  data: TensorData;
}

/** Attribute values: integers as `number`, int lists as `number[]`, floats wrapped to keep them apart. */
export type AttributeValue =
  | number
  | number[]
  | string
  | { float: number }
  | { floats: number[] }
  | { tensor: OnnxTensor };

export interface OnnxNode {
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, AttributeValue>;
  domain?: string;
}

/** A graph input/output: a fixed size or a named symbolic dimension per axis. */
export interface OnnxValueInfo {
  name: string;
  dtype: OnnxDataType;
  shape: Array<number | string>;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

/** Shorthand for a float attribute. */
export function float(value: number): { float: number } {
  return { float: value };
}

function encodeTensor(tensor: OnnxTensor): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of tensor.dims) w.varint(1, d);
  w.varint(2, ELEMENT_TYPE[tensor.dtype]);
  w.string(8, tensor.name);
  const { data } = tensor;
  w.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return w;
}

function encodeAttribute(name: string, value: AttributeValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`onnx: attribute '${name}' = ${value} is not an integer; wrap floats with float()`);
    return w.varint(3, value).varint(20, 2);
  }
  if (typeof value === 'string') return w.string(4, value).varint(20, 3);
  if (Array.isArray(value)) {
    for (const v of value) w.varint(8, v);
    return w.varint(20, 7);
  }
  if ('float' in value) return w.float(2, value.float).varint(20, 1);
  if ('floats' in value) {
    for (const v of value.floats) w.float(7, v);
    return w.varint(20, 6);
  }
  return w.message(5, encodeTensor(value.tensor)).varint(20, 4);
}

function encodeNode(node: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of node.inputs) w.string(1, i);
  for (const o of node.outputs) w.string(2, o);
  w.string(4, node.opType);
  for (const [name, value] of Object.entries(node.attributes)) w.message(5, encodeAttribute(name, value));
  if (node.domain) w.string(7, node.domain);
  return w;
}

function encodeValueInfo(info: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of info.shape) {
    const dim = typeof d === 'number' ? new ProtoWriter().varint(1, d) : new ProtoWriter().string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().varint(1, ELEMENT_TYPE[info.dtype]).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, info.name).message(2, type);
}

/** Serialise a graph as an ONNX ModelProto. */
export function encodeModel(graph: OnnxGraph, opset = ONNX_OPSET): Uint8Array {
  const g = new ProtoWriter();
  for (const n of graph.nodes) g.message(1, encodeNode(n));
  g.string(2, graph.name);
  for (const t of graph.initializers) g.message(5, encodeTensor(t));
  for (const i of graph.inputs) g.message(11, encodeValueInfo(i));
  for (const o of graph.outputs) g.message(12, encodeValueInfo(o));
  const model = new ProtoWriter().varint(1, IR_VERSION).string(2, 'dermkit');
  model.message(8, new ProtoWriter().string(1, '').varint(2, opset));
  // ONNX Runtime's own operator domains (com.microsoft.*) are all at version 1.
  const domains = new Set(graph.nodes.map((n) => n.domain).filter((d): d is string => d !== undefined && d !== ''));
  for (const domain of domains) model.message(8, new ProtoWriter().string(1, domain).varint(2, 1));
  return model.message(7, g).finish();
}
