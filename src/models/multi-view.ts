/**
 * Multi-view classifiers: several trained classifiers, each looking at its own view of the photo
 * (whole image, lesion crop, ROI), joined into one model that takes the views side by side as
 * one input of 3 x views channels and returns the normalised geometric mean of their softmax
 * outputs (late fusion). One folder, one model.json / model.onnx, and the cascade, the server and
 * the browser run it like any classifier (src/pipeline/classify.ts builds the stacked input).
 *
 * The members' layers are copied into one flat graph, renamed `v<i>_<name>` so that weight
 * names stay unique, with their trained weights.
 */
import { tf } from '../tf.js';
import type { ClassifierInput, ModelConfig } from './config.js';
import type { DermkitModel } from './registry.js';
import { ChannelSlice, GeometricMeanProbability } from './layers/views.js';

/** A fresh layer of the same class and configuration, under another name. */
function cloneLayer(layer: tf.layers.Layer, name: string): tf.layers.Layer {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[layer.getClassName()];
  if (!entry) throw new Error(`multi-view: layer class ${layer.getClassName()} is not registered with TF.js serialisation`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, { ...layer.getConfig(), name }) as tf.layers.Layer;
}

/** Re-applies `model`'s layer graph to `input` with fresh, renamed layers, and copies its weights into them. */
function copyGraph(model: tf.LayersModel, input: tf.SymbolicTensor, prefix: string): tf.SymbolicTensor {
  const outputs = new Map<string, tf.SymbolicTensor>();
  const copies: Array<[tf.layers.Layer, tf.layers.Layer]> = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') {
      outputs.set(layer.name, input);
      continue;
    }
    if (layer.inboundNodes.length !== 1) throw new Error(`multi-view: layer ${layer.name} is called ${layer.inboundNodes.length} times; only single-use layers can be copied`);
    const node = layer.inboundNodes[0]!;
    const inbound = node.inboundLayers.map((source, k) => {
      if (node.nodeIndices[k] !== 0 || node.tensorIndices[k] !== 0) throw new Error(`multi-view: layer ${layer.name} reads a second output of ${source.name}`);
      const t = outputs.get(source.name);
      if (!t) throw new Error(`multi-view: layer ${layer.name} reads ${source.name} before it is built`);
      return t;
    });
    const copy = cloneLayer(layer, `${prefix}${layer.name}`);
    outputs.set(layer.name, copy.apply(inbound.length === 1 ? inbound[0]! : inbound) as tf.SymbolicTensor);
    copies.push([layer, copy]);
  }
  for (const [original, copy] of copies) copy.setWeights(original.getWeights());
  const output = model.outputs[0]!;
  return outputs.get(output.sourceLayer.name)!;
}

function sameNumbers(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  return (a ?? []).length === (b ?? []).length && (a ?? []).every((v, i) => Math.abs(v - b![i]!) < 1e-6);
}

/** Checks that the members can share one stacked input and one output, and returns their views. */
function memberViews(members: readonly DermkitModel[]): ClassifierInput[] {
  if (members.length < 2) throw new Error('a multi-view classifier needs at least two members');
  const [first] = members;
  const p0 = JSON.stringify({ ...first!.config.preprocessing });
  for (const m of members) {
    if (m.config.kind !== 'classifier') throw new Error(`multi-view: ${m.config.name} is a ${m.config.kind}, not a classifier`);
    if (m.config.views) throw new Error(`multi-view: ${m.config.name} is itself multi-view`);
    if (JSON.stringify({ ...m.config.preprocessing }) !== p0) throw new Error(`multi-view: ${m.config.name} preprocesses differently from ${first!.config.name}; members must share input size and preprocessing`);
    if ((m.config.classes ?? []).join() !== (first!.config.classes ?? []).join()) throw new Error(`multi-view: ${m.config.name} has other classes than ${first!.config.name}`);
    if (!sameNumbers(m.config.calibration?.logPriorShift, first!.config.calibration?.logPriorShift)) {
      throw new Error(`multi-view: ${m.config.name} was trained under another class prior than ${first!.config.name} (train the members with the same sampling)`);
    }
  }
  return members.map((m) => m.config.trainedOn ?? 'roi');
}

/** One classifier over the members' views (they stay usable; the copy has its own weights). */
export function createMultiViewClassifier(members: readonly DermkitModel[], name?: string): DermkitModel {
  const views = memberViews(members);
  const first = members[0]!.config;
  const size = first.preprocessing.inputSize;
  const input = tf.input({ shape: [size, size, 3 * members.length], name: 'views' });
  const outputs = members.map((m, i) => {
    const slice = new ChannelSlice({ begin: 3 * i, size: 3, name: `view${i}_${views[i]}` }).apply(input) as tf.SymbolicTensor;
    return copyGraph(m.model, slice, `v${i}_`);
  });
  const fused = new GeometricMeanProbability({ name: 'fused_probabilities' }).apply(outputs) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: fused, name: name ?? `multiview_${first.encoder}` });
  const margins = members.filter((m) => m.config.trainedOn !== 'image').map((m) => m.config.roiMargin);
  const config: ModelConfig = {
    ...structuredClone(first),
    name: name ?? `classifier-${first.encoder}-${views.join('-')}`,
    arch: 'multi-view',
    views,
    options: { members: members.map((m) => ({ name: m.config.name, trainedOn: m.config.trainedOn, options: m.config.options })) },
    provenance: { ...first.provenance, createdAt: new Date().toISOString(), notes: `late fusion (geometric mean) of ${members.length} classifiers: ${views.join(' + ')}` },
  };
  delete config.trainedOn;
  delete config.metrics;
  if (margins[0] !== undefined) config.roiMargin = margins[0];
  if (first.calibration) config.calibration = { temperature: 1, ...(first.calibration.logPriorShift ? { logPriorShift: [...first.calibration.logPriorShift] } : {}) };
  return { model, config };
}
