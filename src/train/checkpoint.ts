/**
 * Training checkpoints. A checkpoint is a model directory (the usual model.json, weights.bin,
 * dermkit.json) plus `optimizer.bin`/`optimizer.json` (the optimizer's moment estimates) and
 * `training.json` (epoch, step, best score, learning rate, early-stopping counters). Each is
 * written as one directory renamed into place, so a kill at any moment leaves either the old
 * checkpoint or the new one, never half of either.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadModel, modelArtifacts, writeDirAtomic, CONFIG_FILE } from '../models/io.js';
import type { DermkitModel } from '../models/registry.js';
import type { OptimizerArray } from '../engine/index.js';

export interface TrainingState {
  /** Epochs fully completed. */
  epoch: number;
  /** Steps completed inside the current (next) epoch, for mid-epoch checkpoints. */
  stepInEpoch: number;
  globalStep: number;
  learningRate: number;
  /** Validation loss at the best epoch. */
  bestValLoss: number;
  /** The monitored quantity at the best epoch, lower is better (absent in runs that monitor the loss: bestValLoss). */
  bestScore?: number;
  bestEpoch: number;
  /** Epochs without improvement, for early stopping and reduce-on-plateau. */
  epochsWithoutImprovement: number;
  plateauEpochs: number;
  seed: number;
  wallSeconds: number;
  /** The options the run was started with, so --resume continues the same run. */
  options: Record<string, unknown>;
}

const OPTIMIZER_JSON = 'optimizer.json';
const OPTIMIZER_BIN = 'optimizer.bin';
const STATE_FILE = 'training.json';

export async function saveCheckpoint(dir: string, m: DermkitModel, optimizer: OptimizerArray[], state: TrainingState): Promise<void> {
  const files = await modelArtifacts(m.model);
  const manifest = optimizer.map(({ name, shape }) => ({ name, shape }));
  const total = optimizer.reduce((n, a) => n + a.data.length, 0);
  const bin = new Float32Array(total);
  let offset = 0;
  for (const a of optimizer) {
    bin.set(a.data, offset);
    offset += a.data.length;
  }
  await writeDirAtomic(dir, {
    ...files,
    [CONFIG_FILE]: `${JSON.stringify(m.config, null, 2)}\n`,
    [OPTIMIZER_JSON]: JSON.stringify(manifest),
    [OPTIMIZER_BIN]: new Uint8Array(bin.buffer),
    [STATE_FILE]: `${JSON.stringify(state, null, 2)}\n`,
  });
}

export interface Checkpoint {
  model: DermkitModel;
  optimizer: OptimizerArray[];
  state: TrainingState;
}

export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const model = await loadModel(dir);
  const state = JSON.parse(await readFile(path.join(dir, STATE_FILE), 'utf8')) as TrainingState;
  const manifest = JSON.parse(await readFile(path.join(dir, OPTIMIZER_JSON), 'utf8')) as { name: string; shape: number[] }[];
  const bytes = await readFile(path.join(dir, OPTIMIZER_BIN));
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let offset = 0;
  const optimizer = manifest.map(({ name, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = all.slice(offset, offset + size);
    offset += size;
    return { name, shape, data };
  });
  if (offset !== all.length) throw new Error(`${dir}: ${OPTIMIZER_BIN} holds ${all.length} values, the manifest describes ${offset}`);
  return { model, optimizer, state };
}
