/**
 * Training throughput: dermkit's compiled ONNX training step vs PyTorch on the same
 * architecture, batch, input size and thread count.
 *
 *   node --import tsx bench/train.ts [--models mobilenet_v2,unet_mobilenet_v2] [--rounds 3] [--steps 3] [--threads 2]
 *
 * Ends with `MEMORY train <model> ...` and `RATIO train <model> dermkit_img_s=.. torch_img_s=.. ratio=..` lines.
 */
import { fileURLToPath } from 'node:url';
import { compileTrainer } from '../src/engine/index.js';
import { compare, main, parseArgs, peakRssMB, runTorch, runWorker, timeSteps, type WorkerReport } from './harness.js';
import { BENCH_MODELS, randomBatch } from './models.js';

/** Batch sizes of the comparison (torch_reference.py's usual settings). */
const TRAIN_BATCH: Record<string, number> = { mobilenet_v2: 8, unet_mobilenet_v2: 4, resnet50: 8, efficientnet_b0: 8 };

async function worker(name: string, steps: number, threads: number, batchOverride?: number): Promise<WorkerReport> {
  const spec = BENCH_MODELS[name];
  if (spec === undefined) throw new Error(`bench: unknown model ${name} (known: ${Object.keys(BENCH_MODELS).join(', ')})`);
  const batch = batchOverride ?? TRAIN_BATCH[name]!;
  const model = spec.build();
  const { x, y } = randomBatch(spec, batch);
  const start = performance.now();
  const trainer = await compileTrainer(model, {
    loss: spec.task === 'cls' ? 'categoricalCrossentropy' : 'bceDice',
    optimizer: { type: 'adam', learningRate: 1e-3 },
    batchSize: batch,
    threads,
  });
  const compileSeconds = (performance.now() - start) / 1000;
  const ms = await timeSteps(steps, () => trainer.step(x, y));
  trainer.dispose();
  return {
    batch, size: spec.size, imagesPerSecond: (batch * 1000) / ms, peakRssMB: peakRssMB(),
    detail: { engine: trainer.engine, compileSeconds: Number(compileSeconds.toFixed(1)), stepMs: Math.round(ms) },
  };
}

const args = parseArgs(process.argv.slice(2), ['mobilenet_v2', 'unet_mobilenet_v2'], 3);
if (args.worker !== undefined) {
  console.log(JSON.stringify(await worker(args.worker, args.steps, args.threads, args.batch)));
} else {
  const script = fileURLToPath(import.meta.url);
  await main('train', args, (model) =>
    compare('train', model, args, () => runWorker(script, model, args), (batch) => runTorch(model, 'train', batch, args)));
}
