/**
 * Explanation outputs for classifiers with a global-average-pooling + dense softmax head (every
 * `gap-dense` classifier, and each member of a multi-view one): the class activation maps
 * (Zhou et al. 2016) and the pooled features, as extra outputs of the same graph.
 *
 * For such a head the logit of class c is b_c + mean over cells of Σ_k w_ck · A_k, where A are
 * the last feature maps: the map M_c = Σ_k w_ck · A_k is exact, no gradients needed. It is a
 * 1x1 convolution with the dense layer's kernel, applied to the feature maps before pooling.
 * The bias is left out (a constant per class); the mean of M_c over the cells plus b_c is the
 * logit, which is what the tests check.
 */
import { tf } from '../tf.js';
import { FEATURES_OUTPUT, camOutput } from './outputs.js';

export interface ExplainedModel {
  /** The model's own output first, then the explanation outputs, named by `extraOutputs`. */
  model: tf.LayersModel;
  /** Names of the outputs after the first: `cam_<view>` per view, then `features`. */
  extraOutputs: string[];
}

/** The one input tensor of a layer called once, or null. */
function soleInput(layer: tf.layers.Layer): tf.SymbolicTensor | null {
  if (layer.inboundNodes.length !== 1) return null;
  const inputs = layer.inboundNodes[0]!.inputTensors;
  return inputs.length === 1 ? inputs[0]! : null;
}

interface Head {
  dense: tf.layers.Layer;
  /** The feature maps the head pools: [batch, h, w, channels]. */
  maps: tf.SymbolicTensor;
  /** Their global average: [batch, channels]. */
  pooled: tf.SymbolicTensor;
}

/** The GAP + dense softmax head ending in `dense`, or null when `dense` is anything else. */
function gapDenseHead(dense: tf.layers.Layer): Head | null {
  if (dense.getClassName() !== 'Dense' || dense.getConfig().activation !== 'softmax') return null;
  let pooled = soleInput(dense);
  // Dropout is the identity at inference: look through it.
  while (pooled && pooled.sourceLayer.getClassName() === 'Dropout') pooled = soleInput(pooled.sourceLayer);
  if (!pooled || pooled.sourceLayer.getClassName() !== 'GlobalAveragePooling2D') return null;
  if ((pooled.sourceLayer.getConfig().dataFormat ?? 'channelsLast') !== 'channelsLast') return null;
  const maps = soleInput(pooled.sourceLayer);
  return maps && maps.shape.length === 4 ? { dense, maps, pooled } : null;
}

/** The heads that make the model's output, in view order: the output layer itself, or the members a multi-view fusion joins. */
function heads(model: tf.LayersModel): Head[] | null {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return null;
  const last = model.outputs[0]!.sourceLayer;
  const denses = last.getClassName() === 'GeometricMeanProbability' && last.inboundNodes.length === 1
    ? last.inboundNodes[0]!.inboundLayers
    : [last];
  const found = denses.map(gapDenseHead);
  return found.every((h) => h !== null) ? (found as Head[]) : null;
}

/**
 * The model with its class activation maps and pooled features as extra outputs, sharing its
 * layers (disposing either model releases both), or null when its head is not GAP + dense.
 */
export function explanationModel(model: tf.LayersModel): ExplainedModel | null {
  const found = heads(model);
  if (!found) return null;
  const cams = found.map((head, view) => {
    // getWeights() hands out the layer's own variables: read, never dispose.
    const kernel = head.dense.getWeights()[0]!;
    const [channels, classes] = kernel.shape as [number, number];
    const perPixel = tf.reshape(kernel, [1, 1, channels, classes]);
    const cam = tf.layers.conv2d({ filters: classes, kernelSize: 1, useBias: false, name: `explain_${camOutput(view)}`, weights: [perPixel] }).apply(head.maps) as tf.SymbolicTensor;
    perPixel.dispose();
    return cam;
  });
  const pooled = found.map((h) => h.pooled);
  const features = pooled.length === 1 ? pooled[0]! : tf.layers.concatenate({ axis: -1, name: `explain_${FEATURES_OUTPUT}` }).apply(pooled) as tf.SymbolicTensor;
  return {
    model: tf.model({ inputs: model.inputs, outputs: [model.outputs[0]!, ...cams, features], name: `${model.name}_explained` }),
    extraOutputs: [...cams.map((_, view) => camOutput(view)), FEATURES_OUTPUT],
  };
}
