/** ONNX Runtime session creation with the options every dermkit graph runs best with on CPU. */
import * as ort from 'onnxruntime-node';
import { NCHWC_DOMAIN } from './kernels/nchwc.js';
import { encodeModel, type OnnxGraph } from './onnx/model.js';

export interface SessionOptions {
  /** Intra-op threads; default: ONNX Runtime's choice (one per physical core). */
  threads?: number;
  /**
   * Training graphs keep every forward activation alive until its gradient is used. ORT's
   * memory-pattern planner then holds a second copy of that peak (measured: 2.1 GB instead of
   * 1.3 GB for MobileNetV2 at batch 8), so training sessions turn it off. They keep the arena:
   * without it every large activation is a fresh mmap whose pages fault in on first write, which
   * made a MobileNetV2 step (batch 8) 15-25 % slower (1100 -> 800-940 ms) and its peak RSS higher.
   */
  lean?: boolean;
}

export async function createSession(model: Uint8Array, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: options.threads ?? 0,
    interOpNumThreads: 1,
    enableCpuMemArena: true,
    enableMemPattern: !options.lean,
    // Idle worker threads sleep instead of spinning, and parallel loops hand out small blocks
    // (dynamic_block_base) so that a worker the OS has descheduled holds up little work: on a
    // shared machine spinning threads fight other processes for the cores (measured at load
    // average 5 on 2 cores: MobileNetV2 training step 1.0-1.6 s instead of 1.8-3.2 s; inference
    // 65 instead of 39 img/s).
    extra: { session: { intra_op: { allow_spinning: '0' }, dynamic_block_base: '4' } },
  });
}

let probedBlockSize: Promise<number | undefined> | undefined;

/**
 * Channels per block of this machine's ONNX Runtime NCHWc kernels (8 with AVX2, 16 with
 * AVX-512), read from what ReorderInput makes of a 4-channel tensor; undefined where the kernels
 * are missing or do not block.
 */
export function nchwcBlockSize(): Promise<number | undefined> {
  probedBlockSize ??= (async () => {
    const graph: OnnxGraph = {
      name: 'nchwc_probe',
      nodes: [{ opType: 'ReorderInput', inputs: ['x'], outputs: ['y'], attributes: {}, domain: NCHWC_DOMAIN }],
      initializers: [],
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4, 1, 1] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: [1, 'channels', 1, 1] }],
    };
    try {
      const session = await createSession(encodeModel(graph), { threads: 1 });
      const { y } = await session.run({ x: new ort.Tensor('float32', new Float32Array(4), [1, 4, 1, 1]) });
      await session.release();
      const block = y!.dims[1]!;
      return block >= 8 && block % 4 === 0 ? block : undefined;
    } catch {
      return undefined;
    }
  })();
  return probedBlockSize;
}

export { ort };
