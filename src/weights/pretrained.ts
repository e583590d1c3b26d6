/**
 * ImageNet initialisation: copy weights saved in the TF.js layers format (model.json + shards,
 * as Keras Applications models convert) into a dermkit model, matched by Keras weight name
 * (`<layer>/<weight>`). The zoo uses Keras's layer names, so an encoder inside a U-Net or a
 * classifier picks up exactly its own weights; heads and decoders keep their initialisation.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../tf.js';

export interface WeightImportReport {
  /** Target weights that received a value. */
  loaded: number;
  /** Target weights with no source of that name (decoder, head). */
  notInSource: string[];
  /** Source weights the target has no use for (e.g. the ImageNet classifier top). */
  unused: string[];
}

interface Manifest {
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Read every weight of a TF.js layers model directory, by name, without building the model. */
export async function readLayersWeights(dir: string): Promise<Map<string, tf.Tensor>> {
  const file = path.join(dir, 'model.json');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(file, 'utf8')) as Manifest;
  } catch (e) {
    throw new Error(`${file}: cannot read a TF.js model.json (${(e as Error).message})`);
  }
  const tensors = new Map<string, tf.Tensor>();
  for (const group of manifest.weightsManifest) {
    const shards = await Promise.all(group.paths.map((p) => readFile(path.join(dir, p))));
    const buffer = Buffer.concat(shards);
    const named = tf.io.decodeWeights(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength), group.weights);
    for (const [name, t] of Object.entries(named)) tensors.set(name, t);
  }
  return tensors;
}

/** The Keras name of a weight, `<layer>/<weight>`, without TF.js's uniquifying suffixes. */
function kerasName(v: tf.LayerVariable): string {
  return (v as unknown as { originalName: string }).originalName;
}

/** Copy matching weights from `source` into `model`. A shape mismatch for the same name is an error. */
export function assignWeights(model: tf.LayersModel, source: Map<string, tf.Tensor>, sourceName: string): WeightImportReport {
  const used = new Set<string>();
  const notInSource: string[] = [];
  let loaded = 0;
  for (const layer of model.layers) {
    const values: tf.Tensor[] = [];
    let complete = true;
    for (const w of layer.weights) {
      const t = source.get(kerasName(w));
      if (!t) {
        complete = false;
        notInSource.push(kerasName(w));
        continue;
      }
      if (t.shape.join('x') !== w.shape.join('x')) {
        throw new Error(`${sourceName}: weight ${kerasName(w)} has shape [${t.shape}] but the model expects [${w.shape}] (wrong encoder or alpha?)`);
      }
      values.push(t);
    }
    if (complete && values.length > 0) {
      layer.setWeights(values);
      loaded += values.length;
      for (const w of layer.weights) used.add(kerasName(w));
    }
  }
  return { loaded, notInSource, unused: [...source.keys()].filter((k) => !used.has(k)) };
}

export async function importPretrained(model: tf.LayersModel, sourceDir: string): Promise<WeightImportReport> {
  const source = await readLayersWeights(sourceDir);
  try {
    const report = assignWeights(model, source, sourceDir);
    if (report.loaded === 0) throw new Error(`${sourceDir}: no weight name matches the model; is this the right encoder?`);
    return report;
  } finally {
    for (const t of source.values()) t.dispose();
  }
}
