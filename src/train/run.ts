/**
 * `dermkit train seg|cls`: open a dataset, make (or reuse) a grouped split, build the model
 * (or resume it), stream augmented batches, and fit with the paper's protocol by default.
 */
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { openDataset } from '../data/open.js';
import { applySplit, readSplit, splitItems, splitItemsOf, writeSplit, type Split } from '../data/split.js';
import { createBatchStream, type BatchStreamOptions } from '../data/pipeline.js';
import { PAPER_AUGMENTATION, DEFAULT_AUGMENTATION, type AugmentConfig } from '../data/augment.js';
import type { ClsSample, SegSample } from '../data/types.js';
import { createClassifier, createSegmenter, type DermkitModel, type SegmenterArch } from '../models/registry.js';
import { normalizeToInput } from '../models/preprocess.js';
import { HAM_CLASSES } from '../models/config.js';
import { loadModel } from '../models/io.js';
import { readWeightsCard } from '../models/weights/import.js';
import { importPretrained } from '../models/weights/pretrained.js';
import { loadCheckpoint } from './checkpoint.js';
import { fit, LAST_DIR, type EpochRecord, type FitOptions } from './fit.js';
import { withSeededMathRandom } from './seed.js';
import { roiSamples } from './roi-dataset.js';

export type AugmentPreset = 'paper' | 'strong' | 'none';
const AUGMENT_PRESETS: Record<AugmentPreset, AugmentConfig | null> = { paper: PAPER_AUGMENTATION, strong: DEFAULT_AUGMENTATION, none: null };

export interface TrainRunOptions {
  task: 'seg' | 'cls';
  data: string;
  out: string;
  arch?: SegmenterArch;
  encoder: string;
  inputSize?: number;
  alpha?: number;
  epochs?: number;
  batch?: number;
  lr?: number;
  patience?: number;
  reduceOnPlateau?: boolean;
  seed?: number;
  /** Split file to reuse; when absent a new split is made and written to <out>/split.json. */
  split?: string;
  splitMethod?: 'grouped-stratified' | 'grouped' | 'random';
  valFraction?: number;
  augment?: AugmentPreset;
  cacheDir?: string;
  resume?: boolean;
  /** Classification: train on ROIs cut by this segmentation model (the paper's cascade). */
  roiFrom?: string;
  /** Where ROIs are cached (default <out>/roi-cache); runs with the same segmenter can share one. */
  roiCacheDir?: string;
  classWeights?: 'balanced' | 'none';
  threads?: number;
  checkpointEvery?: number;
  /** Start from this model directory's weights instead of random/pretrained initialisation. */
  init?: string;
  /** ImageNet weights (TF.js layers format, Keras names) to initialise the encoder with. */
  pretrained?: string;
  /**
   * Batch-norm momentum for this run. Keras's 0.99/0.999 makes the moving statistics lag far
   * behind fine-tuned weights in a short run, so validation (inference mode) looks much worse
   * than training; 0.9 adapts within an epoch.
   */
  bnMomentum?: number;
  onStep?: FitOptions['onStep'];
  onEpoch?: FitOptions['onEpoch'];
  onCheckpoint?: FitOptions['onCheckpoint'];
  log?: (line: string) => void;
}

/** The paper's protocol: seg 512 px / 15 epochs, cls 224 px / 30 epochs; batch 8, Adam 1e-3. */
export const PAPER_DEFAULTS = {
  seg: { inputSize: 512, epochs: 15, batch: 8, lr: 1e-3 },
  cls: { inputSize: 224, epochs: 30, batch: 8, lr: 1e-3 },
} as const;

function balancedClassWeights(samples: readonly ClsSample[], classes: readonly string[]): number[] {
  const counts = classes.map((c) => samples.filter((s) => s.label === c).length);
  const present = counts.filter((n) => n > 0).length;
  return counts.map((n) => (n > 0 ? samples.length / (present * n) : 0));
}

function setBatchNormMomentum(m: DermkitModel, momentum: number): void {
  if (!(momentum > 0 && momentum < 1)) throw new Error(`batch-norm momentum must be between 0 and 1, got ${momentum}`);
  for (const layer of m.model.layers) {
    if (layer.getClassName() === 'BatchNormalization') (layer as unknown as { momentum: number }).momentum = momentum;
  }
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(() => true, () => false);
}

export async function trainRun(o: TrainRunOptions): Promise<{ history: EpochRecord[]; out: string; split: Split }> {
  const log = o.log ?? (() => undefined);
  const defaults = PAPER_DEFAULTS[o.task];
  const lastDir = path.join(o.out, LAST_DIR);
  const resume = o.resume && (await exists(lastDir)) ? await loadCheckpoint(lastDir) : undefined;
  if (o.resume && !resume) log(`no checkpoint in ${lastDir}: starting a new run`);
  // A resumed run continues with the options it started with, whatever the command line says now,
  // except `epochs`: naming it extends (or shortens) the run's budget.
  const started = resume?.state.options as Partial<TrainRunOptions> | undefined;
  const opts = resume ? { ...o, ...started, epochs: o.epochs ?? started?.epochs, resume: true, onStep: o.onStep, onEpoch: o.onEpoch, onCheckpoint: o.onCheckpoint, log: o.log } : o;
  const seed = opts.seed ?? 1;

  await mkdir(opts.out, { recursive: true });
  const dataset = await openDataset(opts.data, opts.task);
  log(`${dataset.samples.length} samples (${dataset.format}) in ${dataset.root}`);
  const splitFile = opts.split ?? path.join(opts.out, 'split.json');
  let split: Split;
  if (await exists(splitFile)) {
    split = await readSplit(splitFile);
  } else {
    split = splitItems(await splitItemsOf(dataset), { method: opts.splitMethod ?? 'grouped-stratified', valFraction: opts.valFraction ?? 0.2, seed });
    await writeSplit(splitFile, split);
  }
  const parts = applySplit(split, dataset.samples as readonly (SegSample | ClsSample)[], splitFile);
  log(`split ${split.method}: ${parts.train.length} train, ${parts.val.length} val`);

  let model: DermkitModel;
  if (resume) model = resume.model;
  else if (opts.init) model = await loadModel(opts.init);
  else {
    // Weights from `dermkit weights import` say how the encoder must be built and fed.
    const card = opts.pretrained ? await readWeightsCard(opts.pretrained) : undefined;
    if (card && card.encoder !== opts.encoder) throw new Error(`${opts.pretrained}: these are ${card.encoder} weights, but the run's encoder is ${opts.encoder}`);
    const encoderSpec = { encoder: opts.encoder, inputSize: opts.inputSize ?? defaults.inputSize, alpha: opts.alpha ?? card?.alpha, padding: card?.padding, preprocessing: card?.preprocessing };
    model = withSeededMathRandom(seed, () => opts.task === 'seg'
      ? createSegmenter({ arch: opts.arch ?? 'unet', ...encoderSpec })
      : createClassifier(encoderSpec));
    if (opts.pretrained) {
      const report = await importPretrained(model.model, opts.pretrained);
      log(`initialised ${report.loaded} weights from ${opts.pretrained} (${report.notInSource.length} decoder/head weights keep their random initialisation)`);
      model.config.provenance.initialisation = `encoder from ${path.basename(opts.pretrained)} (ImageNet${card ? `, ${card.licence}` : ''})`;
    }
  }
  if (opts.bnMomentum !== undefined) setBatchNormMomentum(model, opts.bnMomentum);
  const p = model.config.preprocessing;
  const classes = model.config.classes ?? [...HAM_CLASSES];
  let train = parts.train;
  let val = parts.val;
  if (opts.task === 'cls' && opts.roiFrom) {
    const cacheRoot = opts.roiCacheDir ?? path.join(opts.out, 'roi-cache');
    log(`cutting ROIs with the segmentation model ${opts.roiFrom} (cached in ${cacheRoot})`);
    train = await roiSamples(train as ClsSample[], opts.roiFrom, cacheRoot);
    val = await roiSamples(val as ClsSample[], opts.roiFrom, cacheRoot);
    model.config.provenance.notes = `classifier trained on ROIs cut by ${opts.roiFrom}`;
  }
  if (opts.task === 'cls') model.config.trainedOn = opts.roiFrom ? 'roi' : 'image';
  const batch = opts.batch ?? defaults.batch;
  const common = {
    batchSize: batch, inputSize: p.inputSize, resizeMode: p.resizeMode, seed,
    normalize: (img: Parameters<typeof normalizeToInput>[0]) => normalizeToInput(img, p), cacheDir: opts.cacheDir,
  };
  const streamOf = (samples: readonly (SegSample | ClsSample)[], training: boolean) => createBatchStream({
    ...common, shuffle: training, augment: training ? AUGMENT_PRESETS[opts.augment ?? 'paper'] : null,
    ...(opts.task === 'seg' ? { task: 'seg', samples: samples as SegSample[] } : { task: 'cls', samples: samples as ClsSample[], classes }),
  } as BatchStreamOptions);

  model.config.provenance.trainingData = `${dataset.root} (${dataset.format}), split ${split.method} seed ${split.seed}: ${train.length} train / ${val.length} val`;
  // The checkpoints hold the result; free the weights so a caller running many rows stays flat.
  const { history } = await fit({
    model, task: opts.task, train: streamOf(train, true), val: streamOf(val, false), out: opts.out,
    epochs: opts.epochs ?? defaults.epochs, batchSize: batch, learningRate: opts.lr ?? defaults.lr, patience: opts.patience ?? 5,
    reduceOnPlateau: opts.reduceOnPlateau ? { factor: 0.5, patience: 2, minLearningRate: 1e-6 } : undefined,
    seed, threads: opts.threads, checkpointEvery: opts.checkpointEvery,
    classWeights: opts.task === 'cls' && opts.classWeights === 'balanced' ? balancedClassWeights(train as ClsSample[], classes) : undefined,
    resume: resume ? { optimizer: resume.optimizer, state: resume.state } : undefined,
    runOptions: Object.fromEntries(Object.entries(opts).filter(([, v]) => typeof v !== 'function')),
    onStep: opts.onStep, onEpoch: opts.onEpoch, onCheckpoint: opts.onCheckpoint,
  }).finally(() => model.model.dispose());
  return { history, out: opts.out, split };
}
