import type { Command } from 'commander';
import { analyzeBatch, collectInputs, type BatchRecord } from '../pipeline/batch.js';
import { createAnalyzer } from '../pipeline/analyzer.js';
import { ENGINES, type EngineName } from '../pipeline/predictor.js';
import { RESEARCH_NOTICE } from '../pipeline/analyze.js';
import { DEFAULT_CLASSIFIER_DIR, DEFAULT_SEGMENTER_DIR, SAMPLE_IMAGE } from '../pipeline/defaults.js';
import { DEFAULT_MAX_PIXELS } from '../image/decode.js';
import { choiceOption, intOption, maskThresholdOption, probabilityOption, progressLine } from './util.js';

interface AnalyzeFlags {
  seg: string;
  cls: string;
  out: string;
  json?: boolean;
  roi?: boolean;
  tta?: boolean;
  engine: EngineName;
  concurrency: number;
  maxPixels: number;
  threads?: number;
  melThreshold?: number;
  maskThreshold?: number;
}

function describe(r: BatchRecord): string {
  if (!r.ok) return `FAILED ${r.file}: ${r.error}`;
  const percent = (p: number) => `${(p * 100).toFixed(1)}%`;
  const probs = Object.entries(r.probabilities ?? {}).sort((a, b) => b[1] - a[1]).map(([c, p]) => `${c} ${percent(p)}`).join('  ');
  const lines = [`${r.file}: ${r.top} (${percent(r.topProbability ?? 0)}), lesion ${percent(r.lesionAreaFraction ?? 0)} of the image`, `  ${probs}`];
  const review = r.review;
  if (review) lines.push(review.flagged ? `  FLAG FOR REVIEW: p(${review.label}) ${percent(review.probability)} >= ${percent(review.threshold)}` : `  not flagged: p(${review.label}) ${percent(review.probability)} < ${percent(review.threshold)}`);
  for (const w of r.warnings ?? []) lines.push(`  warning (${w.code}): ${w.message}`);
  if (r.outputs?.cam) lines.push(`  class activation map of ${r.top}: ${r.outputs.cam}`);
  return lines.join('\n');
}

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('segment, cut out the ROI and classify images (files or folders)')
    .argument('[inputs...]', 'image files or folders (default: the bundled sample image)')
    .option('--seg <dir>', 'segmentation model directory', DEFAULT_SEGMENTER_DIR)
    .option('--cls <dir>', 'classification model directory', DEFAULT_CLASSIFIER_DIR)
    .option('--out <dir>', 'output directory', 'dermkit-out')
    .option('--json', 'print the results as JSON to stdout')
    .option('--roi', 'classify the lesion ROI (default: what the classifier was trained on)')
    .option('--no-roi', 'classify the whole image (the paper\'s "without ROI" arm)')
    .option('--tta', 'test-time augmentation: average over the 8 flips/rotations (8x slower)')
    .addOption(choiceOption('--engine <name>', 'onnx (fast) or tfjs', ENGINES, 'onnx'))
    .option('--concurrency <n>', 'images analysed at once', intOption, 1)
    .option('--threads <n>', 'ONNX Runtime threads per model', intOption)
    .option('--max-pixels <n>', 'refuse images with more pixels than this', intOption, DEFAULT_MAX_PIXELS)
    .option('--mel-threshold <p>', 'flag for review when p(mel) >= p (default: the classifier\'s own threshold, if it has one)', probabilityOption)
    .addOption(maskThresholdOption())
    .action(async (inputs: string[], flags: AnalyzeFlags) => {
      const { files, missing } = await collectInputs(inputs.length ? inputs : [SAMPLE_IMAGE]);
      for (const m of missing) console.error(`FAILED ${m}: no such file or directory`);
      if (files.length === 0) {
        console.error('no images found in the given inputs');
        process.exitCode = 2;
        return;
      }
      const analyzer = await createAnalyzer(flags);
      const progress = progressLine(files.length, !flags.json);
      const summary = await analyzeBatch(files, {
        ...analyzer, out: flags.out, roi: flags.roi, tta: flags.tta, maxPixels: flags.maxPixels, concurrency: flags.concurrency, melThreshold: flags.melThreshold,
        onRecord: (r, done) => {
          progress.clear();
          if (!r.ok) console.error(`FAILED ${r.file}: ${r.error}`);
          else if (!flags.json) console.log(describe(r));
          progress.update(done);
        },
      }).finally(() => {
        progress.stop();
        return analyzer.dispose();
      });
      if (flags.json) console.log(JSON.stringify(summary.records, null, 2));
      else {
        const ok = summary.records.length - summary.failed.length;
        console.log(`${ok} of ${files.length} images analysed (${summary.skipped} already in ${flags.out}), ${summary.failed.length + missing.length} failed; outputs in ${flags.out}`);
        console.log(RESEARCH_NOTICE);
      }
      if (summary.failed.length > 0 || missing.length > 0) process.exitCode = 2;
    });
}
