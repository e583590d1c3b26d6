/**
 * Inference throughput: dermkit's exported ONNX model (exportOnnx + createOnnxPredictor) vs
 * PyTorch eval-mode forward on the same architecture, batch, input size and thread count.
 *
 *   node --import tsx bench/infer.ts [--models mobilenet_v2,unet_mobilenet_v2] [--rounds 3] [--steps 10] [--threads 2]
 *
 * Ends with `MEMORY infer <model> ...` and `RATIO infer <model> dermkit_img_s=.. torch_img_s=.. ratio=..` lines.
 */
import { fileURLToPath } from 'node:url';
import { createOnnxPredictor, exportOnnx } from '../src/engine/index.js';
import { compare, main, parseArgs, peakRssMB, runTorch, runWorker, timeSteps, type WorkerReport } from './harness.js';
import { BENCH_MODELS, randomBatch } from './models.js';

const INFER_BATCH: Record<string, number> = { mobilenet_v2: 8, unet_mobilenet_v2: 4, resnet50: 8, efficientnet_b0: 8 };

async function worker(name: string, steps: number, threads: number, batchOverride?: number): Promise<WorkerReport> {
  const spec = BENCH_MODELS[name];
  if (spec === undefined) throw new Error(`bench: unknown model ${name} (known: ${Object.keys(BENCH_MODELS).join(', ')})`);
  const batch = batchOverride ?? INFER_BATCH[name]!;
  const model = spec.build();
  const { x } = randomBatch(spec, batch);
  const start = performance.now();
  const predictor = await createOnnxPredictor(exportOnnx(model), { threads });
  const exportSeconds = (performance.now() - start) / 1000;
  const ms = await timeSteps(steps, () => predictor.predict(x, batch));
  predictor.dispose();
  return {
    batch, size: spec.size, imagesPerSecond: (batch * 1000) / ms, peakRssMB: peakRssMB(),
    detail: { exportSeconds: Number(exportSeconds.toFixed(1)), batchMs: Math.round(ms) },
  };
}

// A forward pass takes tens of milliseconds: ten of them per round keep one descheduled pass
// (on either side) from setting the round's median.
const args = parseArgs(process.argv.slice(2), ['mobilenet_v2', 'unet_mobilenet_v2'], 10);
if (args.worker !== undefined) {
  console.log(JSON.stringify(await worker(args.worker, args.steps, args.threads, args.batch)));
} else {
  const script = fileURLToPath(import.meta.url);
  await main('infer', args, (model) =>
    compare('infer', model, args, () => runWorker(script, model, args), (batch) => runTorch(model, 'fwd', batch, args)));
}
