import type { Command } from 'commander';
import { CATALOG_KINDS, catalog, type CatalogKind } from '../models/catalog.js';
import { createClassifier, createSegmenter, parseSegmenterName, SEGMENTER_NAMES } from '../models/registry.js';
import { ENCODER_NAMES } from '../models/encoders/index.js';
import { loadModel, readModelConfig, saveModel, writeModelConfig } from '../models/io.js';
import { createMultiViewClassifier } from '../models/multi-view.js';
import { storeAsFloat16 } from '../models/float16.js';
import { prepareInput } from '../models/preprocess.js';
import { decodeImage } from '../image/decode.js';
import { createRng } from '../data/random.js';
import { DEFAULT_SEGMENTER_DIR, SAMPLE_IMAGE } from '../pipeline/defaults.js';
import { openDatasets } from '../data/open.js';
import { applySplit, readSplit, SPLIT_PARTS, type SplitPart } from '../data/split.js';
import { fitClassifierCalibration } from '../eval/calibrate-model.js';
import { fitOodDetector, OOD_COVERAGE, perClassSubsample } from '../eval/fit-ood.js';
import { classifierNeedsLesion } from '../eval/dataset-eval.js';
import { loadPredictor } from '../pipeline/predictor.js';
import { createAnalyzer } from '../pipeline/analyzer.js';
import { HAM_CLASSES, RESIZE_MODES, type ResizeMode } from '../models/config.js';
import { writeModelCard } from '../models/card.js';
import { readFile } from 'node:fs/promises';
import { choiceOption, intOption, floatOption, probabilityOption, progressLine } from './util.js';

function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

interface CreateFlags {
  seg?: string;
  cls?: string;
  out: string;
  inputSize?: number;
  alpha?: number;
  resize?: ResizeMode;
}

export function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description('list every architecture with its parameters and FLOPs (batch 1)')
    .option('--json', 'print [{ name, kind, params, flops, inputSize }]')
    .addOption(choiceOption('--kind <kind>', 'only architectures of this kind', CATALOG_KINDS))
    .option('--name <text>', 'only architectures whose name contains this')
    .action((flags: { json?: boolean; kind?: CatalogKind; name?: string }) => {
      const entries = [];
      if (!flags.json) console.log(`${'name'.padEnd(30)}${'kind'.padEnd(12)}${'input'.padStart(6)}${'params'.padStart(14)}${'FLOPs'.padStart(12)}`);
      for (const e of catalog({ kind: flags.kind, name: flags.name })) {
        entries.push(e);
        if (!flags.json) {
          console.log(`${e.name.padEnd(30)}${e.kind.padEnd(12)}${String(e.inputSize).padStart(6)}${e.params.toLocaleString('en-US').padStart(14)}${formatCount(e.flops).padStart(12)}`);
        }
      }
      if (flags.json) console.log(JSON.stringify(entries, null, 2));
    });

  models
    .command('create')
    .description('save an untrained model (random weights) so the cascade can be exercised')
    .addOption(choiceOption('--seg <arch>', 'segmenter: unet-original or unet:<encoder>', SEGMENTER_NAMES))
    .addOption(choiceOption('--cls <encoder>', `classifier encoder (${HAM_CLASSES.length} HAM10000 classes)`, ENCODER_NAMES))
    .requiredOption('--out <dir>', 'model directory to write')
    .option('--input-size <n>', 'square input side', intOption)
    .option('--alpha <x>', 'width multiplier (small values make small test models)', floatOption)
    .addOption(choiceOption('--resize <mode>', 'stretch (the paper) or letterbox (keep the aspect, pad)', RESIZE_MODES))
    .action(async (flags: CreateFlags) => {
      if (Boolean(flags.seg) === Boolean(flags.cls)) throw new Error('give exactly one of --seg or --cls');
      const common = { inputSize: flags.inputSize, alpha: flags.alpha, resizeMode: flags.resize };
      const m = flags.seg
        ? createSegmenter({ ...parseSegmenterName(flags.seg), ...common })
        : createClassifier({ encoder: flags.cls!, ...common });
      await saveModel(flags.out, m);
      console.log(`wrote untrained ${m.config.name} (${m.model.countParams().toLocaleString('en-US')} parameters, input ${m.config.preprocessing.inputSize}) to ${flags.out}`);
      m.model.dispose();
    });

  models
    .command('card')
    .description('write MODEL_CARD.md into a trained model directory')
    .argument('<dir>', 'model directory (a training run\'s best/ or last/)')
    .option('--eval <file>', 'JSON from `dermkit eval ... --json` on held-out data')
    .option('--eval-data <text>', 'what the evaluation data was')
    .option('--notes <file>', 'Markdown file with extra notes (comparisons, known weaknesses)')
    .option('--command <text>', 'the command that trained the model')
    .action(async (dir: string, f: { eval?: string; evalData?: string; notes?: string; command?: string }) => {
      const evaluation = f.eval ? JSON.parse(await readFile(f.eval, 'utf8')) : undefined;
      const notes = f.notes ? await readFile(f.notes, 'utf8') : undefined;
      const file = await writeModelCard({ dir, evaluation, evaluationData: f.evalData, notes, command: f.command });
      console.log(`wrote ${file}`);
    });

  models
    .command('fuse')
    .description('join trained classifiers that look at different views (e.g. whole image and lesion crop) into one multi-view classifier (late fusion: geometric mean of their probabilities)')
    .requiredOption('--member <dir...>', 'classifier directories, in view order (two or more)')
    .requiredOption('--out <dir>', 'model directory to write')
    .option('--name <name>', 'model name')
    .action(async (f: { member: string[]; out: string; name?: string }) => {
      const members = await Promise.all(f.member.map((dir) => loadModel(dir)));
      const fused = createMultiViewClassifier(members, f.name);
      await saveModel(f.out, fused);
      console.log(`wrote ${fused.config.name} (views ${fused.config.views!.join(' + ')}, ${fused.model.countParams().toLocaleString('en-US')} parameters) to ${f.out}`);
      for (const m of [...members, fused]) m.model.dispose();
    });

  models
    .command('calibrate')
    .description('fit the classifier\'s temperature on held-out data (as analyze runs it) and store it in its dermkit.json with the melanoma thresholds for 0.90 and 0.95 sensitivity; prints ECE before and after')
    .argument('<dir>', 'classifier directory')
    .requiredOption('--data <dir...>', 'dataset folder(s)')
    .requiredOption('--split <file>', 'split file; the temperature is fitted on --part')
    .addOption(choiceOption('--part <name>', 'the part of --split to fit on', SPLIT_PARTS, 'val'))
    .option('--seg <dir>', 'segmentation model for classifiers that need the lesion (default: the bundled one)')
    .option('--flag-at <sensitivity>', 'make the melanoma threshold for this sensitivity the default review flag of analyze', probabilityOption)
    .action(async (dir: string, f: { data: string[]; split: string; part: SplitPart; seg?: string; flagAt?: number }) => {
      const dataset = await openDatasets(f.data, 'cls');
      const samples = applySplit(await readSplit(f.split), dataset.samples, f.split)[f.part];
      const classifier = await loadPredictor(dir);
      const segmenter = classifierNeedsLesion(classifier) ? await loadPredictor(f.seg ?? DEFAULT_SEGMENTER_DIR) : undefined;
      try {
        const fit = await fitClassifierCalibration(samples, classifier, { segmenter, fittedOn: `${f.split} ${f.part}`, flagAtSensitivity: f.flagAt });
        await writeModelConfig(dir, { ...classifier.config, calibration: fit.calibration, ...(fit.triage ? { triage: fit.triage } : {}) });
        console.log(JSON.stringify({ temperature: fit.calibration.temperature, fittedTemperature: fit.fittedTemperature, weighting: fit.weighting, ece: fit.ece, n: fit.n, triage: fit.triage }));
      } finally {
        classifier.dispose();
        segmenter?.dispose();
      }
    });

  models
    .command('fit-ood')
    .description('fit the classifier\'s out-of-distribution detector on held-out data (as analyze runs it), store it in its dermkit.json, and print what share of the held-out images each warning flags')
    .argument('<dir>', 'classifier directory (after `models calibrate`: the low-confidence share depends on the calibration)')
    .requiredOption('--data <dir...>', 'dataset folder(s)')
    .requiredOption('--split <file>', 'split file')
    .addOption(choiceOption('--part <name>', 'part whose images set the threshold and the flag shares', SPLIT_PARTS, 'val'))
    .addOption(choiceOption('--stats-part <name>', 'part whose images give the class statistics', SPLIT_PARTS, 'train'))
    .option('--per-class <n>', 'images per class for the statistics', intOption, 100)
    .option('--coverage <q>', 'share of the --part images inside the fitted range (the rest, half in each tail, are flagged)', probabilityOption, OOD_COVERAGE)
    .option('--seg <dir>', 'segmentation model (default: the bundled one)')
    .action(async (dir: string, f: { data: string[]; split: string; part: SplitPart; statsPart: SplitPart; perClass: number; coverage: number; seg?: string }) => {
      if (f.part === f.statsPart) throw new Error('fit-ood: --part and --stats-part must differ, so that the threshold is set on images the statistics did not see');
      const dataset = await openDatasets(f.data, 'cls');
      const parts = applySplit(await readSplit(f.split), dataset.samples, f.split);
      const { segmenter, classifier, dispose } = await createAnalyzer({ seg: f.seg, cls: dir });
      let stage = '';
      let progress = progressLine(0);
      try {
        const fit = await fitOodDetector({
          segmenter, classifier, statsSamples: perClassSubsample(parts[f.statsPart], f.perClass), thresholdSamples: parts[f.part],
          fittedOn: `${f.split} (${f.statsPart} / ${f.part})`, coverage: f.coverage,
          onProgress: (done, total, now) => {
            if (now !== stage) {
              progress.stop();
              console.error(`${now}: ${total} images`);
              [stage, progress] = [now, progressLine(total)];
            }
            progress.update(done);
          },
        }).finally(() => progress.stop());
        await writeModelConfig(dir, { ...classifier.config, ood: fit.detector });
        const d = fit.detector;
        console.log(`${dir}: out of distribution outside [${d.range[0]}, ${d.range[1]}] (holds ${d.coverage} of ${fit.n.threshold} ${f.part} images; statistics from ${fit.n.stats} ${f.statsPart} images)`);
        console.log(`share of the ${f.part} images flagged: ${Object.entries(d.flagged ?? {}).map(([code, share]) => `${code} ${(share * 100).toFixed(1)} %`).join(', ')}`);
        console.log(`generated non-dermoscopy images flagged (out of distribution or no lesion): ${d.probes!.flagged} of ${d.probes!.total} (out of distribution: ${d.probes!.outOfDistribution})${d.probes!.missed.length ? `; missed: ${d.probes!.missed.join(', ')}` : ''}`);
      } finally {
        dispose();
      }
    });

  models
    .command('fp16')
    .description('store a model\'s weights as float16 (half the size) if its outputs stay within --tolerance of float32 on the bundled sample and random inputs')
    .argument('<dir>', 'model directory (rewritten in place)')
    .option('--tolerance <x>', 'largest output difference allowed', floatOption, 1e-3)
    .action(async (dir: string, f: { tolerance: number }) => {
      const config = await readModelConfig(dir);
      const size = config.preprocessing.inputSize;
      const channels = 3 * (config.views?.length ?? 1);
      const sample = (await prepareInput(await decodeImage(SAMPLE_IMAGE), config.preprocessing)).data;
      const stacked = new Float32Array(size * size * channels).map((_, i) => sample[Math.floor(i / channels) * 3 + (i % 3)]!);
      const rng = createRng(1);
      const noise = Float32Array.from({ length: 2 * size * size * channels }, () => rng.uniform(-1, 1));
      const { maxDifference, bytes } = await storeAsFloat16(dir, [stacked, noise], f.tolerance);
      console.log(`${dir}: float16 weights (${(bytes / 1e6).toFixed(1)} MB), largest output difference ${maxDifference.toExponential(2)}`);
    });
}
