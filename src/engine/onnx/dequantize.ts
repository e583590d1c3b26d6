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

/** Dequantise a constant along `axis` with per-axis or scalar scale and zero point. */
function dequantized(name: string, q: OnnxTensor, scale: number[], zero: number[], axis: number): OnnxTensor {
  const v = values(q);
  const inner = q.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channels = q.dims[axis] ?? 1;
  const data = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const c = Math.floor(i / inner) % channels;
    data[i] = (v[i]! - (zero.length > 1 ? zero[c]! : zero[0] ?? 0)) * (scale.length > 1 ? scale[c]! : scale[0]!);
  }
  return { name, dtype: 'float32', dims: [...q.dims], data };
}

export function dequantizeGraph(graph: OnnxGraph, source: string): OnnxGraph {
  const init = new Map(graph.initializers.map((t) => [t.name, t]));
  const constant = (node: OnnxNode, i: number): OnnxTensor => {
    const t = init.get(node.inputs[i] ?? '');
    if (!t) throw new Error(`${source}: ${node.opType} input ${i} (${node.inputs[i]}) must be a constant`);
    return t;
  };
  const scalar = (node: OnnxNode, i: number): number => values(constant(node, i))[0] ?? 0;
  const zeros = (node: OnnxNode, i: number): number[] => (node.inputs[i] ? values(constant(node, i)) : [0]);
  const out: OnnxGraph = { name: `${graph.name}_float`, nodes: [], initializers: [], inputs: graph.inputs, outputs: graph.outputs.map((o) => ({ ...o, dtype: 'float32' })) };
  const used = new Set<string>();
  const keep = (name: string): string => {
    const t = init.get(name);
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
    const s = scalar(node, scaleInput);
    const z = scalar(node, zeroInput);
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
        const w = dequantized(`${y}_W`, constant(node, 3), values(constant(node, 4)), zeros(node, 5), 0);
        const wScale = values(constant(node, 4));
        const xScale = scalar(node, 1);
        const inputs = [node.inputs[0]!, added(w)];
        if (node.inputs[8]) {
          const b = values(constant(node, 8));
          inputs.push(added({ name: `${y}_B`, dtype: 'float32', dims: [b.length], data: Float32Array.from(b, (q, c) => q * xScale * (wScale.length > 1 ? wScale[c]! : wScale[0]!)) }));
        }
        out.nodes.push({ opType: 'Conv', inputs, outputs: [`${y}_float`], attributes: node.attributes });
        clamped(y, node, 6, 7);
        break;
      }
      case 'QLinearAdd': {
        const operand = (i: number): string => {
          const t = init.get(node.inputs[i]!);
          return t ? added(dequantized(`${y}_in${i}`, t, values(constant(node, i + 1)), zeros(node, i + 2), 0)) : node.inputs[i]!;
        };
        out.nodes.push({ opType: 'Add', inputs: [operand(0), operand(3)], outputs: [`${y}_float`], attributes: {} });
        clamped(y, node, 6, 7);
        break;
      }
      case 'QLinearMatMul': {
        const b = init.get(node.inputs[3]!);
        const weight = b ? added(dequantized(`${y}_W`, b, values(constant(node, 4)), zeros(node, 5), b.dims.length - 1)) : node.inputs[3]!;
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
