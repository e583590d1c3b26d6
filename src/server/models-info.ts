/**
 * What the server says about its models (`GET /v1/models`) and which of their files it hands to
 * the browser for private mode.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelConfig, ModelKind } from '../models/config.js';
import { CONFIG_FILE, TOPOLOGY_FILE, WEIGHTS_FILE, readModelConfig } from '../models/io.js';
import { ONNX_FILE } from '../pipeline/predictor.js';
import { exists } from '../fs.js';

export const MODEL_CARD_FILE = 'MODEL_CARD.md';

/** The files of a model directory that may be downloaded, in the order they are hashed. */
export const DOWNLOADABLE_MODEL_FILES = [CONFIG_FILE, TOPOLOGY_FILE, WEIGHTS_FILE, ONNX_FILE, MODEL_CARD_FILE] as const;
export type ModelFileName = (typeof DOWNLOADABLE_MODEL_FILES)[number];

export interface ModelInfo {
  kind: ModelKind;
  name: string;
  /** First 16 hex digits of a SHA-256 over the model's files: changes whenever weights or config do. */
  version: string;
  /** The model's `dermkit.json`. */
  config: ModelConfig;
  /** `MODEL_CARD.md` beside the model, when there is one. */
  card: string | null;
  /** Where the files live (not sent to clients). */
  dir: string;
  /**
   * The files that `GET /v1/models/{kind}/{file}` serves: those present in `dir`, plus
   * `model.onnx` when only the TF.js model is there (the server exports it on first request).
   */
  files: ModelFileName[];
}

async function hashFiles(files: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${path.basename(file)}\0`);
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  }
  return hash.digest('hex').slice(0, 16);
}

/** Read the config, model card and version of the model in `dir`. */
export async function readModelInfo(dir: string): Promise<ModelInfo> {
  const config = await readModelConfig(dir);
  const present: ModelFileName[] = [];
  for (const name of DOWNLOADABLE_MODEL_FILES) if (await exists(path.join(dir, name))) present.push(name);
  const card = present.includes(MODEL_CARD_FILE) ? await readFile(path.join(dir, MODEL_CARD_FILE), 'utf8') : null;
  const exportable = present.includes(TOPOLOGY_FILE) && !present.includes(ONNX_FILE);
  return {
    kind: config.kind,
    name: config.name,
    version: await hashFiles(present.map((f) => path.join(dir, f))),
    config,
    card,
    dir,
    files: exportable ? [...present, ONNX_FILE] : present,
  };
}
