/**
 * `dermkit train seg|cls`: open a dataset, make (or reuse) a grouped split, build the model
 * (or resume it), stream augmented batches, and fit with the paper's protocol by default.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { openDatasets } from '../data/open.js';
import { applySplit, readSplit, splitItems, splitItemsOf, writeSplit, type Split, type SplitOptions } from '../data/split.js';
import { createBatchStream, type BatchStreamOptions } from '../data/pipeline.js';
import { PAPER_AUGMENTATION, DEFAULT_AUGMENTATION, LESION_AUGMENTATION, type AugmentConfig } from '../data/augment.js';
import type { ClsSample, SegSample } from '../data/types.js';
import { exists } from '../fs.js';
import type { DermkitModel, SegmenterArch } from '../models/registry.js';
import { applyColourConstancy, normalizeToInput } from '../models/preprocess.js';
import { HAM_CLASSES, type ClassifierInput, type ColourConstancy } from '../models/config.js';
import { loadModel } from '../models/io.js';
import { loadCheckpoint } from './checkpoint.js';
import { LOSSES, LOSS_NAMES, type LossName } from '../engine/index.js';
import { fit, LAST_DIR, type EpochRecord, type FitOptions } from './fit.js';
import { samplingWeights, trainingClassPrior, uniformPriorShift, type Sampling } from './sampling.js';
import { createInitialModel } from './initial-model.js';
import { roiSamples } from './roi-dataset.js';
import { VALIDATION_METRICS, type Monitor } from './validate.js';
import type { Task } from '../vocabulary.js';

export const AUGMENT_PRESETS = ['paper', 'strong', 'lesion', 'none'] as const;
export type AugmentPreset = (typeof AUGMENT_PRESETS)[number];
const AUGMENTATIONS: Record<AugmentPreset, AugmentConfig | null> = { paper: PAPER_AUGMENTATION, strong: DEFAULT_AUGMENTATION, lesion: LESION_AUGMENTATION, none: null };

export const SCHEDULES = ['constant', 'cosine'] as const;
export const CLASS_WEIGHTINGS = ['balanced', 'none'] as const;
export const OUTPUT_PRIORS = ['training', 'uniform'] as const;

export interface TrainRunOptions {
  task: Task;
  /** One dataset folder, or several read as one (src/data/union.ts). */
  data: string | string[];
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
  splitMethod?: SplitOptions['method'];
  valFraction?: number;
  augment?: AugmentPreset;
  cacheDir?: string;
  resume?: boolean;
  /** Classification: train on ROIs cut by this segmentation model (the paper's cascade). */
  roiFrom?: string;
  /** Where ROIs are cached (default <out>/roi-cache); runs with the same segmenter can share one. */
  roiCacheDir?: string;
  classWeights?: (typeof CLASS_WEIGHTINGS)[number];
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
  /** 'cosine': linear warm-up over `warmupEpochs`, then cosine decay to 1 % of `lr` at the last epoch. */
  schedule?: (typeof SCHEDULES)[number];
  warmupEpochs?: number;
  weightDecay?: number;
  labelSmoothing?: number;
  /** Training loss by its LOSSES name; default the task's (bceDice for seg, categoricalCrossentropy for cls). */
  loss?: LossName;
  /** Per-epoch sampling over classes (cls) or collections (seg); see sampling.ts. */
  sampling?: Sampling;
  /** Samples drawn per epoch (with replacement) instead of one pass over the training part. */
  epochSize?: number;
  colourConstancy?: ColourConstancy;
  /** Classifier input; 'roi'/'crop' cut the lesion by the dataset's masks (or by `roiFrom`'s predictions). */
  input?: ClassifierInput;
  /** Margin around the lesion box for 'roi'/'crop', as a fraction of its size (default 0.1). */
  roiMargin?: number;
  /**
   * Classifier output prior: 'training' leaves the softmax as trained; 'uniform' records the log
   * prior shift that makes its probabilities those of a population with equally common classes
   * (what balanced accuracy and mean recall reward).
   */
  outputPrior?: (typeof OUTPUT_PRIORS)[number];
  /** What early stopping and best/ follow: 'loss' or one of the task's VALIDATION_METRICS (e.g. balancedLoss, dice). */
  monitor?: Monitor;
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
  // Before any work: fit() would only find out after the first epoch.
  const monitors: readonly string[] = ['loss', ...VALIDATION_METRICS[opts.task]];
  if (opts.loss !== undefined && LOSSES[opts.loss].task !== opts.task) throw new Error(`the ${opts.loss} loss scores ${LOSSES[opts.loss].task} targets, not ${opts.task}: use one of ${LOSS_NAMES.filter((n) => LOSSES[n].task === opts.task).join(', ')}`);
  if (opts.monitor !== undefined && !monitors.includes(opts.monitor)) throw new Error(`cannot monitor '${opts.monitor}' when training ${opts.task}: use one of ${monitors.join(', ')}`);

  await mkdir(opts.out, { recursive: true });
  const dataset = await openDatasets(opts.data, opts.task);
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
    model = await createInitialModel({
      task: opts.task, arch: opts.arch, encoder: opts.encoder, inputSize: opts.inputSize ?? defaults.inputSize, alpha: opts.alpha,
      pretrained: opts.pretrained, seed, log,
    });
  }
  if (opts.bnMomentum !== undefined) setBatchNormMomentum(model, opts.bnMomentum);
  if (!resume && opts.colourConstancy) model.config.preprocessing.colourConstancy = opts.colourConstancy;
  const p = model.config.preprocessing;
  const classes = model.config.classes ?? [...HAM_CLASSES];
  let train = parts.train;
  let val = parts.val;
  const input: ClassifierInput = opts.input ?? (opts.roiFrom ? 'roi' : 'image');
  const roiMargin = opts.roiMargin ?? 0.1;
  if (opts.task === 'cls' && opts.roiFrom) {
    if (input !== 'roi') throw new Error(`--roi-from cuts mask x image ROIs; it cannot train a '${input}' classifier (crops come from the dataset's masks)`);
    const cacheRoot = opts.roiCacheDir ?? path.join(opts.out, 'roi-cache');
    log(`cutting ROIs with the segmentation model ${opts.roiFrom} (cached in ${cacheRoot})`);
    train = await roiSamples(train as ClsSample[], opts.roiFrom, cacheRoot);
    val = await roiSamples(val as ClsSample[], opts.roiFrom, cacheRoot);
    model.config.provenance.notes = `classifier trained on ROIs cut by ${opts.roiFrom}`;
  } else if (opts.task === 'cls' && input !== 'image') {
    const withMask = (train as ClsSample[]).filter((s) => s.maskPath).length;
    if (withMask === 0) throw new Error(`a '${input}' classifier needs lesion masks: ${dataset.root} has none (masks/<id>_segmentation.png beside images/), or pass --roi-from <segmenter>`);
    log(`${input} input: lesions cut by the dataset's masks (${withMask} of ${train.length} training images have one; the rest are used whole)`);
  }
  if (opts.task === 'cls') {
    model.config.trainedOn = input;
    if (input !== 'image') model.config.roiMargin = roiMargin;
  }
  const batch = opts.batch ?? defaults.batch;
  const sampling = opts.sampling ?? 'natural';
  const balanceKey = (s: SegSample | ClsSample) => ('label' in s ? s.label : (s.source ?? ''));
  const common = {
    batchSize: batch, inputSize: p.inputSize, resizeMode: p.resizeMode, seed,
    normalize: (img: Parameters<typeof normalizeToInput>[0]) => normalizeToInput(img, p), cacheDir: opts.cacheDir,
    prepare: p.colourConstancy ? (img: Parameters<typeof applyColourConstancy>[0]) => applyColourConstancy(img, p) : undefined,
  };
  const streamOf = (samples: readonly (SegSample | ClsSample)[], training: boolean) => createBatchStream({
    ...common, shuffle: training, augment: training ? AUGMENTATIONS[opts.augment ?? 'paper'] : null,
    ...(training && (opts.epochSize !== undefined || sampling !== 'natural')
      ? { epochSize: opts.epochSize ?? samples.length, sampleWeights: samplingWeights(samples.map(balanceKey), sampling) }
      : {}),
    ...(opts.task === 'seg' ? { task: 'seg', samples: samples as SegSample[] } : { task: 'cls', samples: samples as ClsSample[], classes, view: { input: opts.roiFrom ? 'image' : input, margin: roiMargin } }),
  } as BatchStreamOptions);
  const classWeights = opts.task === 'cls' && opts.classWeights === 'balanced' ? balancedClassWeights(train as ClsSample[], classes) : undefined;
  if (opts.task === 'cls' && opts.outputPrior === 'uniform' && !resume) {
    const prior = trainingClassPrior((train as ClsSample[]).map((s) => s.label), classes, sampling, classWeights);
    model.config.calibration = { temperature: 1, logPriorShift: uniformPriorShift(prior) };
  }

  // The folders as given (relative paths stay relative): the record travels with the model to other machines.
  const folders = typeof opts.data === 'string' ? opts.data : opts.data.join(' + ');
  model.config.provenance.trainingData = `${folders} (${dataset.format}), split ${split.method} seed ${split.seed}: ${train.length} train / ${val.length} val`;
  // The checkpoints hold the result; free the weights so a caller running many rows stays flat.
  const trainStream = streamOf(train, true);
  const epochs = opts.epochs ?? defaults.epochs;
  const learningRate = opts.lr ?? defaults.lr;
  const { history } = await fit({
    model, task: opts.task, train: trainStream, val: streamOf(val, false), out: opts.out,
    epochs, batchSize: batch, learningRate, patience: opts.patience ?? 5,
    reduceOnPlateau: opts.reduceOnPlateau ? { factor: 0.5, patience: 2, minLearningRate: 1e-6 } : undefined,
    schedule: opts.schedule === 'cosine' ? {
      kind: 'cosine', warmupSteps: Math.round((opts.warmupEpochs ?? 1) * trainStream.stepsPerEpoch),
      totalSteps: epochs * trainStream.stepsPerEpoch, minLearningRate: learningRate / 100,
    } : undefined,
    monitor: opts.monitor, loss: opts.loss, labelSmoothing: opts.labelSmoothing, weightDecay: opts.weightDecay,
    seed, threads: opts.threads, checkpointEvery: opts.checkpointEvery,
    classWeights,
    resume: resume ? { optimizer: resume.optimizer, state: resume.state } : undefined,
    runOptions: Object.fromEntries(Object.entries(opts).filter(([, v]) => typeof v !== 'function')),
    onStep: opts.onStep, onEpoch: opts.onEpoch, onCheckpoint: opts.onCheckpoint,
  }).finally(() => model.model.dispose());
  return { history, out: opts.out, split };
}
