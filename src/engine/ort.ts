/** ONNX Runtime session creation with the options every dermkit graph runs best with on CPU. */
import * as ort from 'onnxruntime-node';

export interface SessionOptions {
  /** Intra-op threads; default: ONNX Runtime's choice (one per physical core). */
  threads?: number;
}

export async function createSession(model: Uint8Array, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: options.threads ?? 0,
    interOpNumThreads: 1,
    enableCpuMemArena: true,
    enableMemPattern: true,
  });
}

export { ort };
