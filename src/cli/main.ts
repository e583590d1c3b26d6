#!/usr/bin/env node
/**
 * The `dermkit` command line. Every command's work lives in the library; this file only wires
 * arguments to it and turns thrown errors into a message and a non-zero exit.
 */
import { Command } from 'commander';
import { DERMKIT_VERSION } from '../version.js';
import { registerAnalyze } from './analyze.js';
import { registerModels } from './models.js';
import { registerExport } from './export.js';
import { registerData } from './data.js';
import { registerTrain } from './train.js';
import { registerEval } from './eval.js';
import { registerServe } from './serve.js';
import { registerExperiment } from './experiment.js';
import { registerWeights } from './weights.js';
import { registerQueue } from './queue.js';
import { registerWorker } from './worker.js';

const program = new Command();
program
  .name('dermkit')
  .description('Skin lesion segmentation and classification (research use only, not a medical device)')
  .version(DERMKIT_VERSION);
registerAnalyze(program);
registerModels(program);
registerExport(program);
registerData(program);
registerTrain(program);
registerEval(program);
registerServe(program);
registerExperiment(program);
registerWeights(program);
registerQueue(program);
registerWorker(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  console.error(`dermkit: ${(e as Error).message}`);
  process.exitCode = 1;
}
