/**
 * ONNX Runtime's blocked-channel ("NCHWc") convolution kernels, called directly.
 *
 * ORT rewrites a Conv into its fast NCHWc form only when the weights are constant, so it never
 * does in a training step, where weights are graph inputs. Its kernels are registered under the
 * com.microsoft.nchwc domain, though, and take the reordered weights as an ordinary input: a
 * lowering can reorder the weights in the graph (ReorderInput, see nchwcDepthwiseConv; small for
 * real filters, activation-sized where the depthwise filter gradient uses dy as the "filter") and
 * run the convolution on ReorderInput'ed activations. The block size (channels per block)
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
 * A depthwise-style convolution (group = channels, one filter per channel) of NCHW `x` with
 * `weight` [channels, 1, kh, kw] (and optional bias [channels]), through the NCHWc kernel; NCHW
 * result. `channels` must be a multiple of the block size.
 *
 * The kernel reads its filters blocked (OIHWBo: [channels / block, 1, kh, kw, block]). Those are
 * the bytes ReorderInput writes for the same values read as one NCHW image [1, channels, kh, kw],
 * so the weight goes through ReorderInput too, faster than a 5-D Transpose. That matters where
 * the "weight" is activation-sized: the planes of dy in the depthwise filter gradient (MobileNetV2
 * training step: about 25 -> 13 ms).
 */
export function nchwcDepthwiseConv(
  g: GraphBuilder,
  x: string,
  weight: string,
  shape: { channels: number; kernelHeight: number; kernelWidth: number },
  attributes: Record<string, AttributeValue>,
  bias?: string,
): string {
  const { channels, kernelHeight, kernelWidth } = shape;
  const asImage = g.op('Reshape', [weight, g.int64s([1, channels, kernelHeight, kernelWidth])]);
  const blocked = g.op('Reshape', [nchwcOp(g, 'ReorderInput', [asImage]), g.int64s([channels, 1, kernelHeight, kernelWidth])]);
  const inputs = [nchwcOp(g, 'ReorderInput', [x]), blocked];
  if (bias !== undefined) inputs.push(bias);
  const y = nchwcOp(g, 'Conv', inputs, { ...attributes, group: channels });
  return nchwcOp(g, 'ReorderOutput', [y], { channels });
}

/** Whether `channels` can run through nchwcDepthwiseConv in this graph. */
export function nchwcDepthwiseFits(g: GraphBuilder, channels: number): boolean {
  return g.nchwcBlockSize !== undefined && channels % g.nchwcBlockSize === 0;
}
