import type { Command } from 'commander';
import { generateSynthetic, SYNTH_TASKS, type SynthOptions } from '../data/synth.js';
import { poolSplit } from '../data/pool-split.js';
import { writeSplit } from '../data/split.js';
import { choiceOption, floatOption, intOption } from './util.js';

export function registerData(program: Command): void {
  const data = program.command('data').description('dataset utilities');
  data
    .command('synth')
    .description('generate a synthetic dermoscopy-like dataset (images, masks, labels) for tests and demos')
    .requiredOption('--out <dir>', 'output folder')
    .option('--n <count>', 'number of images', intOption, 64)
    .option('--size <px>', 'image width in pixels (height is 3/4 of it, as in HAM10000)', intOption, 128)
    .option('--seed <n>', 'random seed', intOption, 1)
    .addOption(choiceOption('--task <task>', 'masks (seg), labels (cls) or both', SYNTH_TASKS, 'both'))
    .action(async (flags: Required<Pick<SynthOptions, 'out' | 'n' | 'size' | 'seed' | 'task'>>) => {
      await generateSynthetic(flags);
      console.log(`wrote ${flags.n} synthetic images to ${flags.out}`);
    });
  data
    .command('split')
    .description('one lesion-grouped, class-stratified train/val split over several dataset folders (segmentation and classification together), for `train --split` and `eval --split`')
    .argument('<dirs...>', 'dataset folders, e.g. ../shared/data/seg ../shared/data/cls ../shared/data/ham10000')
    .requiredOption('--out <file>', 'split file to write')
    .option('--val-fraction <x>', 'validation share', floatOption, 0.2)
    .option('--seed <n>', 'random seed', intOption, 1)
    .action(async (dirs: string[], flags: { out: string; valFraction: number; seed: number }) => {
      const split = await poolSplit(dirs, { method: 'grouped-stratified', valFraction: flags.valFraction, seed: flags.seed });
      await writeSplit(flags.out, split);
      console.log(`${split.train.length} train / ${split.val.length} val images over ${split.datasets!.join(', ')} -> ${flags.out}`);
    });
}
