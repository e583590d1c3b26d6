/**
 * Floating-point operation count of a TF.js layers model, for one image (batch 1), in the common
 * convention FLOPs = 2 x multiply-accumulates. Counted: Conv2D, Conv2DTranspose, DepthwiseConv2D,
 * SeparableConv2D (depthwise + pointwise) and Dense, each from its config and the shapes of the
 * node that calls it; biases, batch norm, activations, pooling, resizing and element-wise ops
 * count nothing (they are a few percent of a CNN's work). Nested models are counted with the
 * shapes they were built with.
 */
import { tf } from '../tf.js';

type Shape = Array<number | null>;
type LayerNode = tf.layers.Layer['inboundNodes'][number];

/** 2 x multiply-accumulates of one forward pass of `model` on a single image. */
export function countFlops(model: tf.LayersModel): number {
  return 2 * countMacs(model);
}

function countMacs(model: tf.LayersModel): number {
  const nodesByDepth = model.nodesByDepth as Record<string, LayerNode[]> | undefined;
  if (nodesByDepth === undefined) {
    throw new Error(`countFlops: model "${model.name}" is not built (give its first layer an input shape)`);
  }
  let macs = 0;
  for (const nodes of Object.values(nodesByDepth)) {
    for (const node of nodes) macs += nodeMacs(node);
  }
  return macs;
}

function nodeMacs(node: LayerNode): number {
  const layer = node.outboundLayer;
  if (layer instanceof tf.LayersModel) return countMacs(layer);
  const className = layer.getClassName();
  if (!COUNTED.has(className)) return 0;

  const input = singleShape(node.inputShapes, layer.name);
  const output = singleShape(node.outputShapes, layer.name);
  const inChannels = knownDim(input, input.length - 1, layer.name);
  const outChannels = knownDim(output, output.length - 1, layer.name);
  // Positions the layer is applied at: every non-batch, non-channel dimension (a Dense on an
  // NHWC tensor runs once per pixel).
  const positions = (shape: Shape): number => shape.slice(1, -1).reduce<number>((n, _, i) => n * knownDim(shape, i + 1, layer.name), 1);
  const config = layer.getConfig();
  const kernelArea = (): number => {
    const size = config.kernelSize as number | number[];
    return Array.isArray(size) ? size.reduce((a, b) => a * b, 1) : size * size;
  };

  switch (className) {
    case 'Dense':
      return positions(output) * inChannels * outChannels;
    case 'Conv2D':
    case 'DepthwiseConv2D':
      // A depthwise conv is a conv with one input channel per output channel.
      return positions(output) * kernelArea() * outChannels * (className === 'Conv2D' ? inChannels : 1);
    case 'Conv2DTranspose':
      // Every input pixel scatters a kernel-sized patch into the output.
      return positions(input) * kernelArea() * inChannels * outChannels;
    case 'SeparableConv2D': {
      // TF.js leaves depthMultiplier out of SeparableConv2D's config, so read it off the layer.
      const depthMultiplier = (layer as unknown as { depthMultiplier?: number }).depthMultiplier ?? 1;
      const depthChannels = inChannels * depthMultiplier;
      return positions(output) * (kernelArea() * depthChannels + depthChannels * outChannels);
    }
    default:
      return 0;
  }
}

const COUNTED = new Set(['Dense', 'Conv2D', 'DepthwiseConv2D', 'Conv2DTranspose', 'SeparableConv2D']);

function singleShape(shapes: Shape | Shape[], layerName: string): Shape {
  if (Array.isArray(shapes[0])) {
    if (shapes.length !== 1) throw new Error(`countFlops: layer "${layerName}" has ${shapes.length} inputs, expected 1`);
    return shapes[0] as Shape;
  }
  return shapes as Shape;
}

function knownDim(shape: Shape, axis: number, layerName: string): number {
  const dim = shape[axis];
  if (dim == null) {
    throw new Error(
      `countFlops: layer "${layerName}" has an unknown size in shape ${JSON.stringify(shape)}; build the model with a fixed input size`,
    );
  }
  return dim;
}
