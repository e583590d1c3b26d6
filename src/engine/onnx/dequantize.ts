/**
 * The float twin of a statically quantised ONNX graph (QDQ-free "QLinear" style, as ONNX
 * Runtime's quantiser and the Model Zoo write it): every QLinear op becomes its float op on
 * dequantised weights, and each activation is clamped to the range its uint8 encoding could hold
 * (which is how ReLU6 is folded into quantised MobileNets). Activations are no longer rounded, so
 * the twin computes what the quantised weights compute without int8 activation noise: the
 * reference an import of those weights into a float network must reproduce.
 */
import type { OnnxGraph, OnnxNode, OnnxTensor } from './model.js';

function values(t: OnnxTensor): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

/**
 * The constant inputs of a quantised graph's nodes, read the way the QLinear ops define them:
 * a quantised operand at input i has its scale at i + 1 and its (optional, default 0) zero point
 * at i + 2; scale and zero point are scalars or one per channel along an axis.
 */
export class QuantisedConstants {
  private readonly init: Map<string, OnnxTensor>;

  constructor(graph: OnnxGraph, private readonly source: string) {
    this.init = new Map(graph.initializers.map((t) => [t.name, t]));
  }

  /** The constant called `name`, if the graph has one. */
  named(name: string): OnnxTensor | undefined {
    return this.init.get(name);
  }

  /** The constant at input i of `node`, or undefined when that input is computed. */
  find(node: OnnxNode, i: number): OnnxTensor | undefined {
    return this.named(node.inputs[i] ?? '');
  }

  tensor(node: OnnxNode, i: number): OnnxTensor {
    const t = this.find(node, i);
    if (!t) throw new Error(`${this.source}: ${node.opType} input ${i} (${node.inputs[i]}) must be a constant`);
    return t;
  }

  scalar(node: OnnxNode, i: number): number {
    return values(this.tensor(node, i))[0] ?? 0;
  }

  /** The float value of the quantised constant at input i, per channel along `axis`. */
  dequantized(node: OnnxNode, i: number, axis: number, name: string): OnnxTensor {
    const q = this.tensor(node, i);
    const scale = values(this.tensor(node, i + 1));
    const zero = node.inputs[i + 2] ? values(this.tensor(node, i + 2)) : [0];
    const v = values(q);
    const inner = q.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const channels = q.dims[axis] ?? 1;
    const data = new Float32Array(v.length);
    for (let k = 0; k < v.length; k++) {
      const c = Math.floor(k / inner) % channels;
      data[k] = (v[k]! - (zero.length > 1 ? zero[c]! : zero[0] ?? 0)) * (scale.length > 1 ? scale[c]! : scale[0]!);
    }
    return { name, dtype: 'float32', dims: [...q.dims], data };
  }

  /** A QLinearConv's kernel (OIHW) and bias in float; the int32 bias is at input scale x weight scale. */
  conv(node: OnnxNode, name: string): { weight: OnnxTensor; bias?: OnnxTensor } {
    const weight = this.dequantized(node, 3, 0, `${name}_W`);
    if (!node.inputs[8]) return { weight };
    const xScale = this.scalar(node, 1);
    const wScale = values(this.tensor(node, 4));
    const b = values(this.tensor(node, 8));
    const data = Float32Array.from(b, (q, c) => q * xScale * (wScale.length > 1 ? wScale[c]! : wScale[0]!));
    return { weight, bias: { name: `${name}_B`, dtype: 'float32', dims: [b.length], data } };
  }
}

export function dequantizeGraph(graph: OnnxGraph, source: string): OnnxGraph {
  const constants = new QuantisedConstants(graph, source);
  const out: OnnxGraph = { name: `${graph.name}_float`, nodes: [], initializers: [], inputs: graph.inputs, outputs: graph.outputs.map((o) => ({ ...o, dtype: 'float32' })) };
  const used = new Set<string>();
  const keep = (name: string): string => {
    const t = constants.named(name);
    if (t && !used.has(name)) {
      used.add(name);
      out.initializers.push(t);
    }
    return name;
  };
  const added = (t: OnnxTensor): string => {
    out.initializers.push(t);
    return t.name;
  };
  /** `op` writes a float `y`; clamp it into the range of the uint8 output (scale, zero point). */
  const clamped = (y: string, node: OnnxNode, scaleInput: number, zeroInput: number): void => {
    const s = constants.scalar(node, scaleInput);
    const z = constants.scalar(node, zeroInput);
    out.nodes.push({ opType: 'Clip', inputs: [`${y}_float`, added({ name: `${y}_min`, dtype: 'float32', dims: [], data: Float32Array.of(-z * s) }), added({ name: `${y}_max`, dtype: 'float32', dims: [], data: Float32Array.of((255 - z) * s) })], outputs: [y], attributes: {} });
  };
  for (const node of graph.nodes) {
    const y = node.outputs[0]!;
    switch (node.opType) {
      case 'QuantizeLinear':
      case 'DequantizeLinear':
        out.nodes.push({ opType: 'Identity', inputs: [node.inputs[0]!], outputs: [y], attributes: {} });
        break;
      case 'QLinearConv': {
        const { weight, bias } = constants.conv(node, y);
        const inputs = [node.inputs[0]!, added(weight), ...(bias ? [added(bias)] : [])];
        out.nodes.push({ opType: 'Conv', inputs, outputs: [`${y}_float`], attributes: node.attributes });
        clamped(y, node, 6, 7);
        break;
      }
      case 'QLinearAdd': {
        const operand = (i: number): string => (constants.find(node, i) ? added(constants.dequantized(node, i, 0, `${y}_in${i}`)) : node.inputs[i]!);
        out.nodes.push({ opType: 'Add', inputs: [operand(0), operand(3)], outputs: [`${y}_float`], attributes: {} });
        clamped(y, node, 6, 7);
        break;
      }
      case 'QLinearMatMul': {
        const b = constants.find(node, 3);
        const weight = b ? added(constants.dequantized(node, 3, b.dims.length - 1, `${y}_W`)) : node.inputs[3]!;
        out.nodes.push({ opType: 'MatMul', inputs: [node.inputs[0]!, weight], outputs: [`${y}_float`], attributes: {} });
        clamped(y, node, 6, 7);
        break;
      }
      case 'QLinearGlobalAveragePool':
        out.nodes.push({ opType: 'GlobalAveragePool', inputs: [node.inputs[0]!], outputs: [`${y}_float`], attributes: {} });
        clamped(y, node, 3, 4);
        break;
      default:
        if (node.opType.startsWith('QLinear') || node.domain) throw new Error(`${source}: cannot dequantise ${node.domain ? `${node.domain}.` : ''}${node.opType}`);
        for (const i of node.inputs) keep(i);
        out.nodes.push(node);
    }
  }
  return out;
}
