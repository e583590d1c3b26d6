/**
 * The training loop both stages share: epochs of compiled (ONNX Runtime) or eager training
 * steps, validation after each epoch, early stopping on validation loss, optional
 * reduce-on-plateau, best and last checkpoints written atomically, a JSONL log, and resume.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { tf } from '../tf.js';
import type { DermkitModel } from '../models/registry.js';
import type { BatchStream } from '../data/pipeline.js';
import { compileTrainer, createOnnxPredictor, exportOnnx, lossFunction, type LossName, type OptimizerArray, type Trainer } from '../engine/index.js';
import { saveCheckpoint, type TrainingState } from './checkpoint.js';
import { validate, type ValidationResult } from './validate.js';
import type { Task } from '../vocabulary.js';

export interface FitOptions {
  model: DermkitModel;
  task: Task;
  train: BatchStream;
  val: BatchStream;
  out: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Stop after this many epochs without a lower validation loss (0 = never). */
  patience: number;
  /** Multiply the learning rate by `factor` after `patience` epochs without improvement. */
  reduceOnPlateau?: { factor: number; patience: number; minLearningRate: number };
  /** Learning rate per step instead (warm-up + cosine); excludes reduceOnPlateau. */
  schedule?: LearningRateSchedule;
  /**
   * What early stopping and the best checkpoint follow: 'loss' (validation loss, the default) or
   * a validation metric (see validate.ts), lower-is-better for losses and higher for the rest.
   */
  monitor?: string;
  /** Training and validation loss; default the task's (lossNameFor). */
  loss?: LossName;
  /** categoricalCrossentropy: label smoothing of the training loss (validation scores the plain loss). */
  labelSmoothing?: number;
  /** Decoupled (AdamW) weight decay on kernels. */
  weightDecay?: number;
  seed: number;
  threads?: number;
  /** Save a mid-epoch checkpoint every this many steps (0 = only at epoch ends). */
  checkpointEvery?: number;
  /** Class weights for categorical cross-entropy, in class order. */
  classWeights?: number[];
  /** State to continue from (--resume). */
  resume?: { optimizer: OptimizerArray[]; state: TrainingState };
  /** Options recorded in the checkpoint so that --resume continues the same run. */
  runOptions: Record<string, unknown>;
  onStep?: (info: { epoch: number; step: number; steps: number; loss: number; imagesPerSecond: number }) => void;
  onEpoch?: (record: EpochRecord) => void;
  /** Called after a mid-epoch checkpoint is on disk (epoch is 1-based). */
  onCheckpoint?: (info: { epoch: number; step: number; dir: string }) => void;
}

/** Linear warm-up from 0 over `warmupSteps`, then half a cosine from the peak down to `minLearningRate` at `totalSteps`. */
export interface LearningRateSchedule {
  kind: 'cosine';
  warmupSteps: number;
  totalSteps: number;
  minLearningRate: number;
}

export function scheduledLearningRate(s: LearningRateSchedule, peak: number, step: number): number {
  if (step < s.warmupSteps) return (peak * (step + 1)) / s.warmupSteps;
  const progress = Math.min(1, (step - s.warmupSteps) / Math.max(1, s.totalSteps - s.warmupSteps));
  return s.minLearningRate + ((peak - s.minLearningRate) * (1 + Math.cos(Math.PI * progress))) / 2;
}

/** Lower is better for the monitored quantity: losses as they are, other metrics negated. */
function monitoredScore(monitor: string, result: ValidationResult): number {
  if (monitor === 'loss') return result.loss;
  const value = result.metrics[monitor];
  if (value === undefined) throw new Error(`cannot monitor '${monitor}': validation reports loss, ${Object.keys(result.metrics).join(', ')}`);
  return /loss$/i.test(monitor) ? value : -value;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  metrics: ValidationResult['metrics'];
  learningRate: number;
  imagesPerSecond: number;
  seconds: number;
  engine: Trainer['engine'];
  best: boolean;
  /** Resident memory of the process at the end of the epoch: a long run must stay flat. */
  rssMB: number;
}

export const LAST_DIR = 'last';
export const BEST_DIR = 'best';
export const LOG_FILE = 'log.jsonl';

export function lossNameFor(task: Task): LossName {
  return task === 'seg' ? 'bceDice' : 'categoricalCrossentropy';
}

async function evaluate(m: DermkitModel, task: Task, lossName: LossName, val: BatchStream, threads: number | undefined, classWeights?: number[]): Promise<ValidationResult> {
  const predictor = await createOnnxPredictor(exportOnnx(m.model), { threads });
  try {
    const loss = lossFunction(lossName, { classWeights });
    return await validate(task, val, (x, n) => predictor.predict(x, n), (y, p, yShape) =>
      tf.tidy(() => loss(tf.tensor(y, yShape), tf.tensor(p, yShape)).dataSync()[0]!), m.config);
  } finally {
    predictor.dispose();
  }
}

export async function fit(opts: FitOptions): Promise<{ state: TrainingState; history: EpochRecord[] }> {
  await mkdir(opts.out, { recursive: true });
  // A resumed run records the options it continues with (a new `epochs` budget included).
  const state: TrainingState = opts.resume ? { ...opts.resume.state, options: opts.runOptions } : {
    epoch: 0, stepInEpoch: 0, globalStep: 0, learningRate: opts.learningRate, bestValLoss: Infinity, bestEpoch: -1,
    epochsWithoutImprovement: 0, plateauEpochs: 0, seed: opts.seed, wallSeconds: 0, options: opts.runOptions,
  };
  if (opts.schedule && opts.reduceOnPlateau) throw new Error('a learning-rate schedule and reduce-on-plateau exclude each other');
  const monitor = opts.monitor ?? 'loss';
  const trainer = await compileTrainer(opts.model.model, {
    loss: opts.loss ?? lossNameFor(opts.task),
    classWeights: opts.classWeights,
    labelSmoothing: opts.labelSmoothing,
    optimizer: { type: 'adam', learningRate: state.learningRate, weightDecay: opts.weightDecay },
    batchSize: opts.batchSize,
    threads: opts.threads,
    seed: opts.seed,
  });
  if (opts.resume) await trainer.setOptimizerState(opts.resume.optimizer);
  const history: EpochRecord[] = [];
  const checkpoint = async (dir: string) => {
    await trainer.writeBack();
    await saveCheckpoint(path.join(opts.out, dir), opts.model, await trainer.getOptimizerState(), state);
  };
  try {
    while (state.epoch < opts.epochs) {
      if (opts.patience > 0 && state.epochsWithoutImprovement >= opts.patience) break;
      const epochStart = performance.now();
      const wallAtStart = state.wallSeconds;
      let lossSum = 0;
      let images = 0;
      let step = 0;
      for await (const batch of opts.train.epoch(state.epoch)) {
        if (step++ < state.stepInEpoch) continue;
        if (opts.schedule) {
          state.learningRate = scheduledLearningRate(opts.schedule, opts.learningRate, state.globalStep);
          trainer.setLearningRate(state.learningRate);
        }
        const n = batch.xShape[0];
        const loss = await trainer.step(batch.x, batch.y, n);
        if (!Number.isFinite(loss)) throw new Error(`training diverged: loss is ${loss} at epoch ${state.epoch + 1}, step ${step}`);
        lossSum += loss * n;
        images += n;
        state.stepInEpoch = step;
        state.globalStep++;
        const seconds = (performance.now() - epochStart) / 1000;
        state.wallSeconds = wallAtStart + seconds;
        opts.onStep?.({ epoch: state.epoch, step, steps: opts.train.stepsPerEpoch, loss, imagesPerSecond: images / seconds });
        if (opts.checkpointEvery && step % opts.checkpointEvery === 0 && step < opts.train.stepsPerEpoch) {
          await checkpoint(LAST_DIR);
          opts.onCheckpoint?.({ epoch: state.epoch + 1, step, dir: path.join(opts.out, LAST_DIR) });
        }
      }
      const trainSeconds = (performance.now() - epochStart) / 1000;
      await trainer.writeBack();
      const result = await evaluate(opts.model, opts.task, opts.loss ?? lossNameFor(opts.task), opts.val, opts.threads, opts.classWeights);
      const score = monitoredScore(monitor, result);
      const improved = score < (state.bestScore ?? state.bestValLoss);
      state.epoch++;
      state.stepInEpoch = 0;
      state.wallSeconds = wallAtStart + (performance.now() - epochStart) / 1000;
      if (improved) {
        state.bestValLoss = result.loss;
        state.bestScore = score;
        state.bestEpoch = state.epoch;
        state.epochsWithoutImprovement = 0;
        state.plateauEpochs = 0;
      } else {
        state.epochsWithoutImprovement++;
        state.plateauEpochs++;
      }
      const record: EpochRecord = {
        epoch: state.epoch, trainLoss: images > 0 ? lossSum / images : NaN, valLoss: result.loss, metrics: result.metrics,
        learningRate: state.learningRate, imagesPerSecond: images / trainSeconds, seconds: (performance.now() - epochStart) / 1000,
        engine: trainer.engine, best: improved, rssMB: Math.round(process.memoryUsage().rss / 1e6),
      };
      const rop = opts.reduceOnPlateau;
      if (rop && state.plateauEpochs >= rop.patience && state.learningRate > rop.minLearningRate) {
        state.learningRate = Math.max(rop.minLearningRate, state.learningRate * rop.factor);
        state.plateauEpochs = 0;
        trainer.setLearningRate(state.learningRate);
      }
      opts.model.config.metrics = { epoch: state.epoch, valLoss: result.loss, ...result.metrics };
      const optimizerState = await trainer.getOptimizerState();
      if (improved) await saveCheckpoint(path.join(opts.out, BEST_DIR), opts.model, optimizerState, state);
      await saveCheckpoint(path.join(opts.out, LAST_DIR), opts.model, optimizerState, state);
      await appendFile(path.join(opts.out, LOG_FILE), `${JSON.stringify(record)}\n`);
      history.push(record);
      opts.onEpoch?.(record);
    }
  } finally {
    trainer.dispose();
  }
  return { state, history };
}
