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
    // Idle worker threads sleep instead of spinning, and parallel loops hand out small blocks
    // (dynamic_block_base) so that a worker the OS has descheduled holds up little work: on a
    // shared machine spinning threads fight other processes for the cores (measured at load
    // average 5 on 2 cores: MobileNetV2 training step 1.0-1.6 s instead of 1.8-3.2 s; inference
    // 65 instead of 39 img/s).
    extra: { session: { intra_op: { allow_spinning: '0' }, dynamic_block_base: '4' } },
  });
}

export { ort };
