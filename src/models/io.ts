/**
 * Saving and loading models: a directory with the TF.js layers format (`model.json` +
 * `weights.bin`) and `dermkit.json` (the ModelConfig) beside it. Writes are atomic: everything
 * goes into a sibling temp directory that is renamed over the target, so a crash never leaves a
 * half-written model.
 */
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../tf.js';
import type { ModelConfig } from './config.js';
import type { DermkitModel } from './registry.js';
import { exists } from '../fs.js';
import './layers/index.js';
import './decoders/resize-layer.js';

export const CONFIG_FILE = 'dermkit.json';
export const TOPOLOGY_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
/** The ONNX file `dermkit export --onnx` writes beside the TF.js model. */
export const ONNX_FILE = 'model.onnx';

export class ModelLoadError extends Error {
  constructor(readonly dir: string, problem: string) {
    super(`${dir}: ${problem}`);
    this.name = 'ModelLoadError';
  }
}

/** Leftovers of a writer that was killed mid-write: `<name>.tmp-*` and `<name>.old-*` siblings. */
async function removeStaleSiblings(dir: string): Promise<void> {
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  const entries = await readdir(parent).catch(() => [] as string[]);
  for (const e of entries) {
    if (e.startsWith(`${base}.tmp-`) || e.startsWith(`${base}.old-`)) await rm(path.join(parent, e), { recursive: true, force: true });
  }
}

/** Write `files` (name -> bytes) as the directory `dir`, replacing it atomically. */
export async function writeDirAtomic(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  await removeStaleSiblings(dir);
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  for (const [name, data] of Object.entries(files)) await writeFile(path.join(tmp, name), data);
  const old = `${dir}.old-${process.pid}-${Date.now()}`;
  const replacing = await exists(dir);
  if (replacing) await rename(dir, old);
  await rename(tmp, dir);
  if (replacing) await rm(old, { recursive: true, force: true });
}

/** The TF.js layers artifacts of a model as files: model.json and one weights.bin shard. */
export async function modelArtifacts(model: tf.LayersModel): Promise<Record<string, string | Uint8Array>> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error('TF.js produced no weights to save');
  const weightData = artifacts.weightData instanceof ArrayBuffer
    ? new Uint8Array(artifacts.weightData)
    : new Uint8Array(await new Blob(artifacts.weightData.map((b) => new Uint8Array(b))).arrayBuffer());
  const topology = {
    modelTopology: artifacts.modelTopology,
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: 'dermkit',
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
  };
  return { [TOPOLOGY_FILE]: JSON.stringify(topology), [WEIGHTS_FILE]: weightData };
}

export async function saveModel(dir: string, { model, config }: DermkitModel, extraFiles: Record<string, string | Uint8Array> = {}): Promise<void> {
  const files = await modelArtifacts(model);
  await writeDirAtomic(dir, { ...files, [CONFIG_FILE]: `${JSON.stringify(config, null, 2)}\n`, ...extraFiles });
}

/** Replace a model directory's dermkit.json (write a temp file, then rename), e.g. after calibration. */
export async function writeModelConfig(dir: string, config: ModelConfig): Promise<void> {
  const file = path.join(dir, CONFIG_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(config, null, 2)}\n`);
  await rename(tmp, file);
}

export async function readModelConfig(dir: string): Promise<ModelConfig> {
  let text: string;
  try {
    text = await readFile(path.join(dir, CONFIG_FILE), 'utf8');
  } catch {
    throw new ModelLoadError(dir, `no ${CONFIG_FILE} here: not a dermkit model directory`);
  }
  let config: ModelConfig;
  try {
    config = JSON.parse(text) as ModelConfig;
  } catch (e) {
    throw new ModelLoadError(dir, `${CONFIG_FILE} is not valid JSON (${(e as Error).message})`);
  }
  if (config.format !== 'dermkit-model/1') throw new ModelLoadError(dir, `${CONFIG_FILE} has unknown format "${String(config.format)}"`);
  if (config.kind !== 'segmenter' && config.kind !== 'classifier') throw new ModelLoadError(dir, `${CONFIG_FILE} has unknown kind "${String(config.kind)}"`);
  return config;
}

export async function loadModel(dir: string): Promise<DermkitModel> {
  const config = await readModelConfig(dir);
  let topology: { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    topology = JSON.parse(await readFile(path.join(dir, TOPOLOGY_FILE), 'utf8'));
  } catch (e) {
    throw new ModelLoadError(dir, `cannot read ${TOPOLOGY_FILE} (${(e as Error).message})`);
  }
  const weightSpecs = topology.weightsManifest.flatMap((g) => g.weights);
  const shards = await Promise.all(topology.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(path.join(dir, p))));
  const weightData = new Uint8Array(Buffer.concat(shards)).buffer;
  try {
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: topology.modelTopology, weightSpecs, weightData }));
    return { model, config };
  } catch (e) {
    throw new ModelLoadError(dir, `cannot build the model from ${TOPOLOGY_FILE} (${(e as Error).message})`);
  }
}
