/** ONNX Runtime session creation with the options every dermkit graph runs best with on CPU. */
import * as ort from 'onnxruntime-node';

export interface SessionOptions {
  /** Intra-op threads; default: ONNX Runtime's choice (one per physical core). */
  threads?: number;
  /**
   * Training graphs keep every forward activation alive until its gradient is used. ORT's arena
   * and memory-pattern planner then hold two copies of that peak (measured: 2.1 GB instead of
   * 1.3 GB for MobileNetV2 at batch 8) for no measurable speed-up, so training sessions turn
   * both off. Inference keeps them.
   */
  lean?: boolean;
}

export async function createSession(model: Uint8Array, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: options.threads ?? 0,
    interOpNumThreads: 1,
    enableCpuMemArena: !options.lean,
    enableMemPattern: !options.lean,
  });
}

export { ort };
