/**
 * Private mode's models: the server's ONNX exports run by onnxruntime-web (wasm) in this page,
 * with every output they have (a classifier's class activation maps and features too).
 * The runtime is imported only when private mode is first used; scripts/build-web.ts keeps the
 * import external, pointing at the copy the server serves under /ort/.
 */
import type { ModelConfig, ModelKind } from '../../src/models/config.js';
import { MAIN_OUTPUT } from '../../src/models/outputs.js';
import type { ModelOutputs, ModelRunner } from '../../src/pipeline/predictor.js';

export interface BrowserModel extends ModelRunner {
  release(): Promise<void>;
}

async function fetchJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: the server answered ${res.status}`);
  return (await res.json()) as T;
}

export async function loadBrowserModel(kind: ModelKind): Promise<BrowserModel> {
  const ort = await import('onnxruntime-web/wasm');
  const base = `/v1/models/${kind}`;
  const config = await fetchJson<ModelConfig>(`${base}/dermkit.json`);
  const session = await ort.InferenceSession.create(`${base}/model.onnx`, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const inputName = session.inputNames[0]!;
  const size = config.preprocessing.inputSize;
  const feeds = (input: Float32Array, batch: number) => {
    // A multi-view classifier takes its views side by side: 3 channels per view.
    const channels = input.length / (batch * size * size);
    return { [inputName]: new ort.Tensor('float32', input, [batch, size, size, channels]) };
  };
  // The wasm backend copies outputs out of wasm memory: the arrays stay valid.
  const run = async (input: Float32Array, batch: number): Promise<ModelOutputs> => {
    const results = await session.run(feeds(input, batch));
    return Object.fromEntries(session.outputNames.map((name) => [name, results[name]!.data as Float32Array]));
  };
  return {
    config,
    run,
    predict: async (input, batch) => (await session.run(feeds(input, batch), [MAIN_OUTPUT]))[MAIN_OUTPUT]!.data as Float32Array,
    release: () => session.release(),
  };
}
