/**
 * A Predictor runs a model on a batch of preprocessed NHWC inputs and returns the raw output,
 * whichever engine executes it: ONNX Runtime (the fast default on Node) or TF.js (the browser
 * path and the numerical oracle).
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../models/tf.js';
import type { ModelConfig } from '../models/config.js';
import type { DermkitModel } from '../models/registry.js';
import { ONNX_FILE, loadModel, readModelConfig } from '../models/io.js';
import { createOnnxPredictor, exportOnnx } from '../engine/index.js';

export type EngineName = 'onnx' | 'tfjs';

/** What the cascade needs of a model, whichever runtime executes it (ORT on Node or in the browser, TF.js). */
export interface ModelRunner {
  readonly config: ModelConfig;
  /** `input` holds `batch` images of [size, size, 3] (3 per view for a multi-view classifier); returns the flattened model output. */
  predict(input: Float32Array, batch: number): Promise<Float32Array>;
}

export interface Predictor extends ModelRunner {
  readonly engine: EngineName;
  dispose(): void;
}

export { ONNX_FILE };

export function tfjsPredictor({ model, config }: DermkitModel): Predictor {
  const size = config.preprocessing.inputSize;
  const channels = model.inputs[0]!.shape[3] ?? 3;
  return {
    config,
    engine: 'tfjs',
    async predict(input, batch) {
      const out = tf.tidy(() => model.predict(tf.tensor4d(input, [batch, size, size, channels])) as tf.Tensor);
      const data = (await out.data()) as Float32Array;
      out.dispose();
      return data;
    },
    dispose: () => model.dispose(),
  };
}

async function onnxPredictor(config: ModelConfig, onnxBytes: Uint8Array, threads?: number): Promise<Predictor> {
  const session = await createOnnxPredictor(onnxBytes, { threads });
  return { config, engine: 'onnx', predict: (x, b) => session.predict(x, b), dispose: () => session.dispose() };
}

/** Convert an in-memory TF.js model to ONNX and run it there (the TF.js copy is released). */
export async function onnxPredictorFor(m: DermkitModel, threads?: number): Promise<Predictor> {
  const bytes = exportOnnx(m.model);
  m.model.dispose();
  return onnxPredictor(m.config, bytes, threads);
}

/**
 * Load a model directory for inference. With the ONNX engine an exported `model.onnx` is used
 * when present; otherwise the TF.js model is converted in memory.
 */
export async function loadPredictor(dir: string, engine: EngineName = 'onnx', threads?: number): Promise<Predictor> {
  if (engine === 'tfjs') return tfjsPredictor(await loadModel(dir));
  const onnxPath = path.join(dir, ONNX_FILE);
  const exported = await access(onnxPath).then(() => true, () => false);
  if (exported) return onnxPredictor(await readModelConfig(dir), new Uint8Array(await readFile(onnxPath)), threads);
  return onnxPredictorFor(await loadModel(dir), threads);
}
