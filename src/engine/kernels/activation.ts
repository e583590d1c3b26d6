/** The activations TF.js fuses into FusedConv2D / FusedDepthwiseConv2D / _FusedMatMul. */
import type { GraphBuilder } from '../onnx/builder.js';
import { float } from '../onnx/model.js';

export type FusedActivation = 'linear' | 'relu' | 'relu6' | 'elu' | 'leakyrelu' | 'prelu' | 'sigmoid';

export function applyActivation(
  g: GraphBuilder,
  x: string,
  activation: FusedActivation | undefined,
  options: { leakyreluAlpha?: number; preluWeights?: string },
): string {
  switch (activation ?? 'linear') {
    case 'linear':
      return x;
    case 'relu':
      return g.op('Relu', [x]);
    case 'relu6':
      return g.op('Clip', [x, g.scalar(0), g.scalar(6)]);
    case 'elu':
      return g.op('Elu', [x]);
    case 'sigmoid':
      return g.op('Sigmoid', [x]);
    case 'leakyrelu':
      return g.op('LeakyRelu', [x], { alpha: float(options.leakyreluAlpha ?? 0.2) });
    case 'prelu':
      if (options.preluWeights === undefined) throw new Error('prelu activation without weights');
      return g.op('PRelu', [x, options.preluWeights]);
  }
  throw new Error(`unknown fused activation '${String(activation)}'`);
}
