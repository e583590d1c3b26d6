/** Re-shaping small operands so they broadcast against NCHW tensors as they did against NHWC ones. */
import type { GraphBuilder } from '../onnx/builder.js';
import { NHWC_TO_NCHW } from './types.js';

/**
 * `value` (TF.js shape `shape`, rank <= 4) as a rank-4 tensor that broadcasts against NCHW data
 * the way the original broadcast against NHWC data: right-align to rank 4, then move the channel
 * axis to position 1. A per-channel vector [C] becomes [1, C, 1, 1] with a plain Reshape.
 */
export function nchwBroadcastView(g: GraphBuilder, value: string, shape: readonly number[]): string {
  if (shape.length === 0 || shape.every((d) => d === 1)) return value;
  const padded = [...Array.from({ length: 4 - shape.length }, () => 1), ...shape];
  const target = NHWC_TO_NCHW.map((a) => padded[a]!);
  const nonUnit = (dims: number[], order: number[]) => order.filter((a) => dims[a]! !== 1);
  const orderPreserved = nonUnit(padded, NHWC_TO_NCHW).every((a, i, list) => i === 0 || a > list[i - 1]!);
  if (orderPreserved) return g.op('Reshape', [value, g.int64s(target)]);
  const rank4 = shape.length === 4 ? value : g.op('Reshape', [value, g.int64s(padded)]);
  return g.op('Transpose', [rank4], { perm: NHWC_TO_NCHW });
}
