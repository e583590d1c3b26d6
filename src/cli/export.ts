import { writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadModel } from '../models/io.js';
import { exportInferenceOnnx, ONNX_FILE } from '../pipeline/predictor.js';

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write a standalone ONNX model (model.onnx) into a model directory, with class activation maps and features for classifiers that have them')
    .argument('<dir>', 'dermkit model directory')
    .requiredOption('--onnx', 'export to ONNX (the only format so far)')
    .action(async (dir: string) => {
      const { model, config } = await loadModel(dir);
      const bytes = exportInferenceOnnx(model);
      const target = path.join(dir, ONNX_FILE);
      const tmp = `${target}.tmp-${process.pid}`;
      await writeFile(tmp, bytes);
      await rename(tmp, target);
      console.log(`wrote ${target} (${config.name}, ${(bytes.length / 1e6).toFixed(1)} MB)`);
    });
}
