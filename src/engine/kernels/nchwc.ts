/**
 * ONNX Runtime's blocked-channel ("NCHWc") convolution kernels, called directly.
 *
 * ORT rewrites a Conv into its fast NCHWc form only when the weights are constant, so it never
 * does in a training step, where weights are graph inputs. Its kernels are registered under the
 * com.microsoft.nchwc domain, though, and take the reordered weights as an ordinary input: a
 * lowering can reorder the weights in the graph (a Reshape/Transpose/Reshape; small for real
 * filters, activation-sized where the depthwise filter gradient uses dy as the "filter") and run
 * the convolution on ReorderInput'ed activations. The block size (channels per block)
 * depends on the CPU (8 with AVX2, 16 with AVX-512), so the trainer probes it at run time and
 * graphs that use these kernels are never exported.
 */
import type { GraphBuilder } from '../onnx/builder.js';
import type { AttributeValue } from '../onnx/model.js';

export const NCHWC_DOMAIN = 'com.microsoft.nchwc';

function nchwcOp(g: GraphBuilder, opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}): string {
  const output = g.fresh(opType.toLowerCase());
  g.nodes.push({ opType, inputs, outputs: [output], attributes, domain: NCHWC_DOMAIN });
  return output;
}

/**
 * Depthwise weights already in the blocked layout the NCHWc kernel reads (OIHWBo:
 * [channels / block, 1, kh, kw, block], declared as [channels, 1, kh, kw]).
 */
export interface BlockedDepthwiseWeight {
  blocked: string;
}

/**
 * The n*c planes of an NCHW activation [n, c, h, w] as n*c depthwise filters, blocked. With c a
 * multiple of the block, ReorderInput's NCHWc [n, c / block, h, w, block] holds the same bytes
 * as OIHWBo [n*c / block, 1, h, w, block], and it writes them faster than the Transpose that
 * nchwcDepthwiseConv applies to an OIHW weight (MobileNetV2 training step, the dy planes of all
 * depthwise filter gradients: about 25 -> 13 ms).
 */
export function planesAsBlockedWeight(g: GraphBuilder, nchw: string, shape: readonly [number, number, number, number]): BlockedDepthwiseWeight {
  const [n, c, h, w] = shape;
  return { blocked: g.op('Reshape', [nchwcOp(g, 'ReorderInput', [nchw]), g.int64s([n * c, 1, h, w])]) };
}

/**
 * A depthwise-style convolution (group = channels, one filter per channel) of NCHW `x` with the
 * OIHW `weight` [channels, 1, kh, kw] or a blocked one (and optional bias [channels]), through
 * the NCHWc kernel; NCHW result. `channels` must be a multiple of the block size.
 */
export function nchwcDepthwiseConv(
  g: GraphBuilder,
  x: string,
  weight: string | BlockedDepthwiseWeight,
  shape: { channels: number; kernelHeight: number; kernelWidth: number },
  attributes: Record<string, AttributeValue>,
  bias?: string,
): string {
  const block = g.nchwcBlockSize!;
  const { channels, kernelHeight, kernelWidth } = shape;
  let blocked: string;
  if (typeof weight === 'string') {
    // OIHW -> OIHWBo: [channels / block, 1, kh, kw, block], declared as [channels, 1, kh, kw].
    const split = g.op('Reshape', [weight, g.int64s([channels / block, block, 1, kernelHeight, kernelWidth])]);
    const transposed = g.op('Transpose', [split], { perm: [0, 2, 3, 4, 1] });
    blocked = g.op('Reshape', [transposed, g.int64s([channels, 1, kernelHeight, kernelWidth])]);
  } else {
    blocked = weight.blocked;
  }
  const inputs = [nchwcOp(g, 'ReorderInput', [x]), blocked];
  if (bias !== undefined) inputs.push(bias);
  const y = nchwcOp(g, 'Conv', inputs, { ...attributes, group: channels });
  return nchwcOp(g, 'ReorderOutput', [y], { channels });
}

/** Whether `channels` can run through nchwcDepthwiseConv in this graph. */
export function nchwcDepthwiseFits(g: GraphBuilder, channels: number): boolean {
  return g.nchwcBlockSize !== undefined && channels % g.nchwcBlockSize === 0;
}
