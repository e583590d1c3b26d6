import type { Command } from 'commander';
import { generateSynthetic } from '../data/synth.js';
import { intOption } from './util.js';

export function registerData(program: Command): void {
  const data = program.command('data').description('dataset utilities');
  data
    .command('synth')
    .description('generate a synthetic dermoscopy-like dataset (images, masks, labels) for tests and demos')
    .requiredOption('--out <dir>', 'output folder')
    .option('--n <count>', 'number of images', intOption, 64)
    .option('--size <px>', 'image width in pixels (height is 3/4 of it, as in HAM10000)', intOption, 128)
    .option('--seed <n>', 'random seed', intOption, 1)
    .option('--task <task>', 'seg, cls or both', 'both')
    .action(async (flags: { out: string; n: number; size: number; seed: number; task: 'seg' | 'cls' | 'both' }) => {
      if (!['seg', 'cls', 'both'].includes(flags.task)) throw new Error(`--task must be seg, cls or both, got "${flags.task}"`);
      await generateSynthetic({ out: flags.out, n: flags.n, size: flags.size, seed: flags.seed, task: flags.task });
      console.log(`wrote ${flags.n} synthetic images to ${flags.out}`);
    });
}
