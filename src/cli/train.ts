import { Argument, type Command } from 'commander';
import { TASKS } from '../data/types.js';
import { SPLIT_METHODS } from '../data/split.js';
import { AUGMENT_PRESETS, CLASS_WEIGHTINGS, OUTPUT_PRIORS, PAPER_DEFAULTS, SCHEDULES, trainRun, type TrainRunOptions } from '../train/run.js';
import { SAMPLINGS } from '../train/sampling.js';
import { MONITORS } from '../train/validate.js';
import { LOSS_NAMES } from '../engine/index.js';
import { CLASSIFIER_INPUTS, COLOUR_CONSTANCY } from '../models/config.js';
import { ENCODER_NAMES } from '../models/encoders/index.js';
import { SEGMENTER_ARCHS } from '../models/registry.js';
import { formatDuration } from '../format.js';
import { choiceOption, floatOption, intOption } from './util.js';

/** The options as commander parses them: TrainRunOptions' own names, except the folders. */
type TrainFlags = Omit<TrainRunOptions, 'task' | 'data' | 'cacheDir' | 'roiCacheDir' | 'onStep' | 'onEpoch' | 'onCheckpoint' | 'log'> & {
  data: string[];
  cache?: string;
};

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description(`train a segmenter (seg: ${PAPER_DEFAULTS.seg.inputSize} px, ${PAPER_DEFAULTS.seg.epochs} epochs) or classifier (cls: ${PAPER_DEFAULTS.cls.inputSize} px, ${PAPER_DEFAULTS.cls.epochs} epochs); batch 8, Adam 1e-3, early stopping on validation loss`)
    .addArgument(new Argument('<task>', 'seg or cls').choices(TASKS))
    .requiredOption('--data <dir...>', 'dataset folder (ISIC 2018, images/+masks/, HAM10000, labels.csv layouts); several are read as one')
    .requiredOption('--out <dir>', 'run folder: checkpoints best/ and last/, log.jsonl, split.json')
    .addOption(choiceOption('--arch <arch>', 'segmenter architecture', SEGMENTER_ARCHS, 'unet'))
    .addOption(choiceOption('--encoder <name>', 'encoder', ENCODER_NAMES, 'mobilenetv2'))
    .option('--input-size <n>', 'square input side', intOption)
    .option('--alpha <x>', 'encoder width multiplier', floatOption)
    .option('--epochs <n>', 'maximum epochs', intOption)
    .option('--batch <n>', 'batch size', intOption)
    .option('--lr <x>', 'Adam learning rate', floatOption)
    .option('--patience <n>', 'early stopping: epochs without a lower validation loss (0 = off)', intOption, 5)
    .option('--reduce-on-plateau', 'halve the learning rate after 2 epochs without improvement')
    .option('--seed <n>', 'seed for split, initialisation, shuffling and augmentation', intOption, 1)
    .option('--split <file>', 'reuse this split file (default: <out>/split.json, made if missing)')
    .addOption(choiceOption('--split-method <m>', 'grouped-stratified (no lesion in both parts), grouped, or random (the paper)', SPLIT_METHODS, 'grouped-stratified'))
    .option('--val-fraction <x>', 'validation share', floatOption, 0.2)
    .addOption(choiceOption('--augment <preset>', 'paper (rotation, shear, zoom, brightness, flips), strong (+contrast, gamma, blur, rescale), lesion (any rotation, colour jitter, blur/sharpen, rescale) or none', AUGMENT_PRESETS, 'paper'))
    .addOption(choiceOption('--schedule <s>', 'learning rate: constant, or cosine (linear warm-up, then cosine decay to 1 % at the last epoch)', SCHEDULES, 'constant'))
    .option('--warmup-epochs <x>', 'cosine schedule: warm-up length in epochs', floatOption, 1)
    .option('--weight-decay <x>', 'decoupled (AdamW) weight decay on kernels', floatOption)
    .option('--label-smoothing <x>', 'classification: label smoothing', floatOption)
    .addOption(choiceOption('--sampling <s>', 'per-epoch draw over classes (cls) or collections (seg): natural, sqrt or balanced', SAMPLINGS, 'natural'))
    .option('--epoch-size <n>', 'samples drawn per epoch (with replacement) instead of one pass', intOption)
    .addOption(choiceOption('--colour-constancy <method>', 'colour constancy in the model\'s preprocessing', COLOUR_CONSTANCY))
    .addOption(choiceOption('--input <view>', 'classification: image (whole), roi (mask x image) or crop (lesion box, unmasked); roi/crop from the dataset\'s masks', CLASSIFIER_INPUTS))
    .option('--roi-margin <x>', 'margin around the lesion box for roi/crop, as a fraction of its size', floatOption)
    .addOption(choiceOption('--output-prior <p>', 'classification: training (softmax as trained) or uniform (probabilities for equally common classes)', OUTPUT_PRIORS, 'training'))
    .addOption(choiceOption('--loss <name>', 'training and validation loss (default the task\'s: bceDice for seg, categoricalCrossentropy for cls)', LOSS_NAMES))
    .addOption(choiceOption('--monitor <metric>', 'early stopping and best/: the validation loss or a validation metric of the task', MONITORS, 'loss'))
    .option('--cache <dir>', 'cache resized images here')
    .option('--resume', 'continue from <out>/last with the options the run started with (--epochs extends it)')
    .option('--roi-from <dir>', 'classification: train on ROIs cut by this segmentation model')
    .addOption(choiceOption('--class-weights <w>', 'balanced or none', CLASS_WEIGHTINGS, 'none'))
    .option('--threads <n>', 'ONNX Runtime threads', intOption)
    .option('--checkpoint-every <steps>', 'also checkpoint every this many steps inside an epoch', intOption, 0)
    .option('--init <dir>', 'start from the weights of this model directory')
    .option('--bn-momentum <x>', 'batch-norm momentum for this run (e.g. 0.9 for short fine-tuning)', floatOption)
    .option('--pretrained <dir>', 'initialise the encoder from ImageNet weights: a `dermkit weights import` folder or a TF.js layers folder with Keras names')
    .action(async (task: TrainRunOptions['task'], { data, cache, ...flags }: TrainFlags) => {
      const opts: TrainRunOptions = { ...flags, task, data: data.length === 1 ? data[0]! : data, cacheDir: cache };
      const tty = process.stderr.isTTY === true;
      const { history, out } = await trainRun({
        ...opts,
        log: (line) => console.error(line),
        onStep: ({ epoch, step, steps, loss, imagesPerSecond }) => {
          const eta = ((steps - step) * (opts.batch ?? 8)) / Math.max(imagesPerSecond, 1e-9);
          const line = `epoch ${epoch + 1} ${step}/${steps} loss ${loss.toFixed(4)} ${imagesPerSecond.toFixed(1)} img/s ETA ${formatDuration(eta)}`;
          if (tty) process.stderr.write(`\r${line}   `);
          else if (step % 50 === 0) console.error(line);
        },
        onCheckpoint: ({ epoch, step, dir }) => {
          if (tty) process.stderr.write('\r\x1b[K');
          console.error(`checkpoint epoch ${epoch} step ${step} -> ${dir}`);
        },
        onEpoch: (r) => {
          if (tty) process.stderr.write('\r\x1b[K');
          const metrics = Object.entries(r.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' ');
          console.error(`epoch ${r.epoch}: train loss ${r.trainLoss.toFixed(4)} val loss ${r.valLoss.toFixed(4)} ${metrics} lr ${r.learningRate.toPrecision(3)} ${r.imagesPerSecond.toFixed(1)} img/s rss ${r.rssMB} MB (${r.engine})${r.best ? ' *best' : ''}`);
        },
      });
      const best = history.filter((r) => r.best).at(-1);
      console.log(best ? `best epoch ${best.epoch}: val loss ${best.valLoss.toFixed(4)}; model in ${out}/best` : `no new epoch trained; model in ${out}`);
    });
}
