/**
 * Clean-up on an emitted ONNX graph: composes chains of Transposes (an explicit TF.js Transpose
 * next to a layout change), drops those that compose to the identity, forwards Identity nodes,
 * and removes nodes whose results nobody uses (peepholes in the lowerings leave some behind).
 */
import type { OnnxGraph, OnnxNode } from './onnx/model.js';

function isIdentityPerm(perm: readonly number[]): boolean {
  return perm.every((p, i) => p === i);
}

export function optimizeLayout(graph: OnnxGraph): OnnxGraph {
  const graphOutputs = new Set(graph.outputs.map((o) => o.name));
  const producer = new Map<string, OnnxNode>();
  /** value name -> the name it is an alias of */
  const alias = new Map<string, string>();
  const resolve = (name: string): string => {
    let current = name;
    for (let next = alias.get(current); next !== undefined; next = alias.get(current)) current = next;
    return current;
  };

  const nodes: OnnxNode[] = [];
  for (const original of graph.nodes) {
    const node: OnnxNode = { ...original, inputs: original.inputs.map((i) => (i === '' ? i : resolve(i))) };
    const output = node.outputs[0]!;
    if (node.opType === 'Identity' && !graphOutputs.has(output)) {
      alias.set(output, node.inputs[0]!);
      continue;
    }
    if (node.opType === 'Transpose') {
      const inner = producer.get(node.inputs[0]!);
      const perm = node.attributes['perm'] as number[];
      if (inner?.opType === 'Transpose') {
        const innerPerm = inner.attributes['perm'] as number[];
        const composed = perm.map((p) => innerPerm[p]!);
        if (isIdentityPerm(composed) && !graphOutputs.has(output)) {
          alias.set(output, inner.inputs[0]!);
          continue;
        }
        node.inputs = [inner.inputs[0]!];
        node.attributes = { perm: composed };
      } else if (isIdentityPerm(perm) && !graphOutputs.has(output)) {
        alias.set(output, node.inputs[0]!);
        continue;
      }
    }
    for (const o of node.outputs) producer.set(o, node);
    nodes.push(node);
  }

  // Dead-node elimination, walking backwards from the graph outputs.
  const used = new Set(graphOutputs);
  const kept: OnnxNode[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    if (!node.outputs.some((o) => used.has(o))) continue;
    for (const input of node.inputs) used.add(input);
    kept.push(node);
  }
  kept.reverse();
  const initializers = graph.initializers.filter((t) => used.has(t.name));
  return { ...graph, nodes: kept, initializers };
}
