/**
 * The model a training run starts from: the architecture, seeded, with its encoder initialised
 * from ImageNet weights when a `dermkit weights import` folder is given (those weights say how
 * the encoder must be built and fed: width, padding, preprocessing).
 */
import path from 'node:path';
import { createClassifier, createSegmenter, type DermkitModel, type SegmenterArch } from '../models/registry.js';
import { readWeightsCard } from '../weights/import.js';
import { importPretrained } from '../weights/pretrained.js';
import { withSeededMathRandom } from './seed.js';
import type { Task } from '../vocabulary.js';

export interface InitialModelSpec {
  task: Task;
  arch?: SegmenterArch;
  encoder: string;
  inputSize: number;
  alpha?: number;
  pretrained?: string;
  seed: number;
  log?: (line: string) => void;
}

export async function createInitialModel(spec: InitialModelSpec): Promise<DermkitModel> {
  const card = spec.pretrained ? await readWeightsCard(spec.pretrained) : undefined;
  if (card && card.encoder !== spec.encoder) throw new Error(`${spec.pretrained}: these are ${card.encoder} weights, but the run's encoder is ${spec.encoder}`);
  const encoderSpec = { encoder: spec.encoder, inputSize: spec.inputSize, alpha: spec.alpha ?? card?.alpha, padding: card?.padding, preprocessing: card?.preprocessing };
  const model = withSeededMathRandom(spec.seed, () => spec.task === 'seg'
    ? createSegmenter({ arch: spec.arch ?? 'unet', ...encoderSpec })
    : createClassifier(encoderSpec));
  if (spec.pretrained) {
    const report = await importPretrained(model.model, spec.pretrained);
    spec.log?.(`initialised ${report.loaded} weights from ${spec.pretrained} (${report.notInSource.length} decoder/head weights keep their random initialisation)`);
    model.config.provenance.initialisation = `encoder from ${path.basename(spec.pretrained)} (ImageNet${card ? `, ${card.licence}` : ''})`;
  }
  return model;
}
