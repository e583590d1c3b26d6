/**
 * A Predictor runs a model on a batch of preprocessed NHWC inputs and returns the raw output,
 * whichever engine executes it: ONNX Runtime (the fast default on Node) or TF.js (the browser
 * path and the numerical oracle). Classifiers with a GAP + dense head also give their class
 * activation maps and pooled features (src/models/explain.ts) through `run`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../tf.js';
import type { ModelConfig } from '../models/config.js';
import type { DermkitModel } from '../models/registry.js';
import { explanationModel } from '../models/explain.js';
import { MAIN_OUTPUT } from '../models/outputs.js';
import { ONNX_FILE, loadModel, readModelConfig } from '../models/io.js';
import { createOnnxPredictor, exportOnnx } from '../engine/index.js';
import { exists } from '../fs.js';

export const ENGINES = ['onnx', 'tfjs'] as const;
export type EngineName = (typeof ENGINES)[number];

/** A model's outputs by name (src/models/outputs.ts), each flattened over the batch. */
export type ModelOutputs = Record<string, Float32Array>;

/** What the cascade needs of a model, whichever runtime executes it (ORT on Node or in the browser, TF.js). */
export interface ModelRunner {
  readonly config: ModelConfig;
  /** `input` holds `batch` images of [size, size, 3] (3 per view for a multi-view classifier); returns the flattened model output. */
  predict(input: Float32Array, batch: number): Promise<Float32Array>;
  /** Every output by name: `output` (what `predict` returns) and any explanation outputs the model has. Absent: `output` only. */
  run?(input: Float32Array, batch: number): Promise<ModelOutputs>;
}

export interface Predictor extends ModelRunner {
  readonly engine: EngineName;
  run(input: Float32Array, batch: number): Promise<ModelOutputs>;
  dispose(): void;
}

export { ONNX_FILE };

export function tfjsPredictor({ model, config }: DermkitModel): Predictor {
  const size = config.preprocessing.inputSize;
  const channels = model.inputs[0]!.shape[3] ?? 3;
  const explained = explanationModel(model);
  const names = [MAIN_OUTPUT, ...(explained?.extraOutputs ?? [])];
  const tensorOf = (input: Float32Array, batch: number) => tf.tensor4d(input, [batch, size, size, channels]);
  const predict = async (input: Float32Array, batch: number): Promise<Float32Array> => {
    const out = tf.tidy(() => model.predict(tensorOf(input, batch)) as tf.Tensor);
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return data;
  };
  return {
    config,
    engine: 'tfjs',
    predict,
    async run(input, batch) {
      if (!explained) return { [MAIN_OUTPUT]: await predict(input, batch) };
      const outs = tf.tidy(() => explained.model.predict(tensorOf(input, batch)) as tf.Tensor[]);
      const data = await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array));
      tf.dispose(outs);
      return Object.fromEntries(names.map((name, i) => [name, data[i]!]));
    },
    // The explanation model holds the model's own layers too: disposing it releases both.
    dispose: () => (explained?.model ?? model).dispose(),
  };
}

/**
 * The ONNX model dermkit runs for inference: the model's output, plus the class activation maps
 * and features where its head allows (src/models/explain.ts). Releases `model`.
 */
export function exportInferenceOnnx(model: tf.LayersModel): Uint8Array {
  const explained = explanationModel(model);
  try {
    return exportOnnx(explained?.model ?? model, { outputNames: [MAIN_OUTPUT, ...(explained?.extraOutputs ?? [])] });
  } finally {
    (explained?.model ?? model).dispose();
  }
}

async function onnxPredictor(config: ModelConfig, onnxBytes: Uint8Array, threads?: number): Promise<Predictor> {
  const session = await createOnnxPredictor(onnxBytes, { threads });
  return { config, engine: 'onnx', predict: (x, b) => session.predict(x, b), run: (x, b) => session.run(x, b), dispose: () => session.dispose() };
}

/** Convert an in-memory TF.js model to ONNX and run it there (the TF.js copy is released). */
export async function onnxPredictorFor(m: DermkitModel, threads?: number): Promise<Predictor> {
  return onnxPredictor(m.config, exportInferenceOnnx(m.model), threads);
}

/**
 * The ONNX model of a model directory: its exported `model.onnx` when present (as it is: one
 * exported before explanation outputs existed has none), otherwise the TF.js model converted in
 * memory. What the ONNX engine runs and what the server hands the browser's private mode.
 */
export async function inferenceOnnx(dir: string): Promise<Uint8Array> {
  const onnxPath = path.join(dir, ONNX_FILE);
  if (await exists(onnxPath)) return new Uint8Array(await readFile(onnxPath));
  return exportInferenceOnnx((await loadModel(dir)).model);
}

/** Load a model directory for inference. */
export async function loadPredictor(dir: string, engine: EngineName = 'onnx', threads?: number): Promise<Predictor> {
  if (engine === 'tfjs') return tfjsPredictor(await loadModel(dir));
  const [config, onnx] = await Promise.all([readModelConfig(dir), inferenceOnnx(dir)]);
  return onnxPredictor(config, onnx, threads);
}
