/**
 * A minimal ONNX reader: decodes a ModelProto's graph (nodes, initializers, inputs, outputs)
 * into the same in-memory types the writer uses, so foreign models (e.g. ImageNet weights
 * published as ONNX) can be inspected and their weights imported. Only the fields those need
 * are read; everything else is skipped by wire type.
 */
import { ELEMENT_TYPE, type AttributeValue, type OnnxDataType, type OnnxGraph, type OnnxNode, type OnnxTensor, type OnnxValueInfo, type TensorData } from './model.js';

const DTYPE_OF_CODE = new Map<number, OnnxDataType>(Object.entries(ELEMENT_TYPE).map(([k, v]) => [v, k as OnnxDataType]));

/** Walks the fields of one protobuf message. */
class ProtoReader {
  private pos = 0;
  constructor(private readonly bytes: Uint8Array, private readonly source: string) {}

  done(): boolean {
    return this.pos >= this.bytes.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.bytes.length) throw new Error(`${this.source}: truncated ONNX file (varint runs past the end)`);
      const b = this.bytes[this.pos++]!;
      result |= BigInt(b & 127) << shift;
      if (b < 128) return result;
      shift += 7n;
    }
  }

  /** A varint as a (signed, 64-bit) JS number. */
  int(): number {
    return Number(BigInt.asIntN(64, this.varint()));
  }

  /** Next field: its number and wire type. */
  tag(): { field: number; wire: number } {
    const t = Number(this.varint());
    return { field: t >>> 3, wire: t & 7 };
  }

  lengthDelimited(): Uint8Array {
    const n = Number(this.varint());
    if (this.pos + n > this.bytes.length) throw new Error(`${this.source}: truncated ONNX file (a field runs past the end)`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  float32(): number {
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.lengthDelimited();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`${this.source}: not an ONNX file (unsupported protobuf wire type ${wire})`);
  }

  child(bytes: Uint8Array): ProtoReader {
    return new ProtoReader(bytes, this.source);
  }
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Packed (wire 2) or single (wire 0) repeated varints. */
function readInts(r: ProtoReader, wire: number, into: number[]): void {
  if (wire === 0) {
    into.push(r.int());
    return;
  }
  const packed = r.child(r.lengthDelimited());
  while (!packed.done()) into.push(packed.int());
}

function readFloats(r: ProtoReader, wire: number, into: number[]): void {
  if (wire === 5) {
    into.push(r.float32());
    return;
  }
  const b = r.lengthDelimited();
  const copy = new Uint8Array(b);
  into.push(...new Float32Array(copy.buffer, 0, copy.length / 4));
}

function typedData(dtype: OnnxDataType, raw: Uint8Array | undefined, values: number[], name: string, source: string): TensorData {
  if (raw) {
    const copy = new Uint8Array(raw).buffer;
    switch (dtype) {
      case 'float32': return new Float32Array(copy);
      case 'uint8': case 'bool': return new Uint8Array(copy);
      case 'int8': return new Int8Array(copy);
      case 'int32': return new Int32Array(copy);
      case 'int64': return new BigInt64Array(copy);
    }
  }
  // Without raw_data, float_data holds floats and int32_data holds int32, (u)int8 and bool.
  switch (dtype) {
    case 'float32': return Float32Array.from(values);
    case 'uint8': case 'bool': return Uint8Array.from(values);
    case 'int8': return Int8Array.from(values);
    case 'int32': return Int32Array.from(values);
    case 'int64': return BigInt64Array.from(values.map(BigInt));
  }
  throw new Error(`${source}: tensor ${name} has no data`);
}

function decodeTensor(r: ProtoReader): OnnxTensor {
  const dims: number[] = [];
  const values: number[] = [];
  let code = 0;
  let name = '';
  let raw: Uint8Array | undefined;
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1) readInts(r, wire, dims);
    else if (field === 2) code = r.int();
    else if (field === 4) readFloats(r, wire, values);
    else if (field === 5 || field === 7) readInts(r, wire, values);
    else if (field === 8) name = text(r.lengthDelimited());
    else if (field === 9) raw = r.lengthDelimited();
    else r.skip(wire);
  }
  const dtype = DTYPE_OF_CODE.get(code);
  if (!dtype) throw new Error(`tensor ${name}: ONNX data type ${code} is not supported`);
  return { name, dtype, dims, data: typedData(dtype, raw, values, name, 'onnx') };
}

function decodeAttribute(r: ProtoReader): [string, AttributeValue] {
  let name = '';
  let type = 0;
  let f: number | undefined;
  let i: number | undefined;
  let s: string | undefined;
  let t: OnnxTensor | undefined;
  const ints: number[] = [];
  const floats: number[] = [];
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1) name = text(r.lengthDelimited());
    else if (field === 2) f = r.float32();
    else if (field === 3) i = r.int();
    else if (field === 4) s = text(r.lengthDelimited());
    else if (field === 5) t = decodeTensor(r.child(r.lengthDelimited()));
    else if (field === 7) readFloats(r, wire, floats);
    else if (field === 8) readInts(r, wire, ints);
    else if (field === 20) type = r.int();
    else r.skip(wire);
  }
  // AttributeProto.AttributeType: 1 FLOAT, 2 INT, 3 STRING, 4 TENSOR, 6 FLOATS, 7 INTS.
  const value: AttributeValue | undefined =
    type === 1 ? { float: f ?? 0 } : type === 2 ? i ?? 0 : type === 3 ? s ?? '' : type === 4 && t ? { tensor: t } : type === 6 ? { floats } : type === 7 ? ints : undefined;
  if (value === undefined) throw new Error(`attribute ${name}: ONNX attribute type ${type} is not supported`);
  return [name, value];
}

function decodeNode(r: ProtoReader): OnnxNode {
  const node: OnnxNode = { opType: '', inputs: [], outputs: [], attributes: {} };
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1) node.inputs.push(text(r.lengthDelimited()));
    else if (field === 2) node.outputs.push(text(r.lengthDelimited()));
    else if (field === 4) node.opType = text(r.lengthDelimited());
    else if (field === 5) {
      const [name, value] = decodeAttribute(r.child(r.lengthDelimited()));
      node.attributes[name] = value;
    } else if (field === 7) node.domain = text(r.lengthDelimited());
    else r.skip(wire);
  }
  return node;
}

/** Fields of one sub-message, by field number (the last occurrence wins). */
function subMessages(r: ProtoReader): Map<number, ProtoReader> {
  const out = new Map<number, ProtoReader>();
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (wire === 2) out.set(field, r.child(r.lengthDelimited()));
    else r.skip(wire);
  }
  return out;
}

/** A graph input/output: name, element type and shape (ValueInfoProto > TypeProto.Tensor). */
function decodeValueInfo(r: ProtoReader): OnnxValueInfo {
  const info: OnnxValueInfo = { name: '', dtype: 'float32', shape: [] };
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1) info.name = text(r.lengthDelimited());
    else if (field === 2) {
      const tensorType = subMessages(r.child(r.lengthDelimited())).get(1);
      while (tensorType && !tensorType.done()) {
        const t = tensorType.tag();
        if (t.field === 1) info.dtype = DTYPE_OF_CODE.get(tensorType.int()) ?? 'float32';
        else if (t.field === 2) {
          const shape = tensorType.child(tensorType.lengthDelimited());
          while (!shape.done()) {
            const d = shape.tag();
            if (d.field !== 1) {
              shape.skip(d.wire);
              continue;
            }
            const dim = shape.child(shape.lengthDelimited());
            let value: number | string = '?';
            while (!dim.done()) {
              const x = dim.tag();
              if (x.field === 1) value = dim.int();
              else if (x.field === 2) value = text(dim.lengthDelimited());
              else dim.skip(x.wire);
            }
            info.shape.push(value);
          }
        } else tensorType.skip(t.wire);
      }
    } else r.skip(wire);
  }
  return info;
}

/** Decode an ONNX ModelProto's graph. `source` names the file in errors. */
export function decodeModel(bytes: Uint8Array, source: string): OnnxGraph {
  const model = new ProtoReader(bytes, source);
  let graphBytes: Uint8Array | undefined;
  while (!model.done()) {
    const { field, wire } = model.tag();
    if (field === 7) graphBytes = model.lengthDelimited();
    else model.skip(wire);
  }
  if (!graphBytes) throw new Error(`${source}: not an ONNX model (no graph)`);
  const graph: OnnxGraph = { name: '', nodes: [], initializers: [], inputs: [], outputs: [] };
  const g = model.child(graphBytes);
  try {
    while (!g.done()) {
      const { field, wire } = g.tag();
      if (field === 1) graph.nodes.push(decodeNode(g.child(g.lengthDelimited())));
      else if (field === 2) graph.name = text(g.lengthDelimited());
      else if (field === 5) graph.initializers.push(decodeTensor(g.child(g.lengthDelimited())));
      else if (field === 11) graph.inputs.push(decodeValueInfo(g.child(g.lengthDelimited())));
      else if (field === 12) graph.outputs.push(decodeValueInfo(g.child(g.lengthDelimited())));
      else g.skip(wire);
    }
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
  return graph;
}
