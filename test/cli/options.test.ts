import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Command, CommanderError } from 'commander';
import { registerAnalyze } from '../../src/cli/analyze.js';
import { registerData } from '../../src/cli/data.js';
import { registerEval } from '../../src/cli/eval.js';
import { registerExperiment } from '../../src/cli/experiment.js';
import { registerModels } from '../../src/cli/models.js';
import { registerQueue } from '../../src/cli/queue.js';
import { registerServe } from '../../src/cli/serve.js';
import { registerTrain } from '../../src/cli/train.js';
import { registerWorker } from '../../src/cli/worker.js';

const run = promisify(execFile);

/** The commands as main.ts wires them, throwing instead of exiting and writing nothing. */
function program(): Command {
  const p = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  for (const register of [registerAnalyze, registerData, registerEval, registerExperiment, registerModels, registerQueue, registerServe, registerTrain, registerWorker]) register(p);
  return p;
}

async function refused(args: string[], allowed: RegExp): Promise<void> {
  await assert.rejects(program().parseAsync(args, { from: 'user' }), (e: unknown) => {
    assert.ok(e instanceof CommanderError, String(e));
    assert.match(e.message, allowed);
    return true;
  });
}

test('dermkit train seg --augment foo exits non-zero naming the allowed presets', async () => {
  const r = await run(process.execPath, ['--import', 'tsx', path.resolve('src/cli/main.ts'), 'train', 'seg', '--data', 'x', '--out', 'y', '--augment', 'foo'])
    .then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /'foo' is invalid\. Allowed choices are paper, strong, lesion, none/);
});

test('train refuses unknown split methods, schedules, monitors, architectures and tasks before any work', async () => {
  const train = ['train', 'seg', '--data', 'x', '--out', 'y'];
  await refused([...train, '--split-method', 'foo'], /Allowed choices are grouped-stratified, grouped, random/);
  await refused([...train, '--schedule', 'linear'], /Allowed choices are constant, cosine/);
  await refused([...train, '--monitor', 'f1'], /Allowed choices are loss, dice, .*balancedLoss/);
  await refused([...train, '--arch', 'segformer'], /Allowed choices are unet, unet-original/);
  await refused([...train, '--encoder', 'vgg16'], /Allowed choices are resnet50, .*mobilenetv2/);
  await refused([...train, '--output-prior', 'flat'], /Allowed choices are training, uniform/);
  await refused([...train, '--loss', 'focal'], /Allowed choices are categoricalCrossentropy, bceDice/);
  await refused(['train', 'det', '--data', 'x', '--out', 'y'], /Allowed choices are seg, cls/);
});

test('every other command refuses values outside its lists', async () => {
  await refused(['eval', 'seg', '--data', 'x', '--part', 'holdout'], /Allowed choices are train, val, test/);
  await refused(['eval', 'detection', '--data', 'x'], /Allowed choices are seg, cls, cascade/);
  await refused(['analyze', '--engine', 'webgpu'], /Allowed choices are onnx, tfjs/);
  await refused(['serve', '--engine', 'webgpu'], /Allowed choices are onnx, tfjs/);
  await refused(['worker', '--redis', 'redis://x', '--engine', 'webgpu'], /Allowed choices are onnx, tfjs/);
  await refused(['experiment', 'seg-backbones', '--data', 'x', '--out', 'y', '--augment', 'heavy'], /Allowed choices are paper, strong, lesion, none/);
  await refused(['experiment', 'seg-backbones', '--data', 'x', '--out', 'y', '--encoders', 'resnet50,vgg16'], /unknown encoder "vgg16"; choose from unet-original, resnet50/);
  await refused(['experiment', 'roi-ablation', '--data', 'x', '--out', 'y', '--encoders', 'unet-original'], /unknown encoder "unet-original"; choose from resnet50/);
  await refused(['models', '--kind', 'decoder'], /Allowed choices are encoder, segmenter, classifier/);
  await refused(['models', 'create', '--seg', 'unet:vgg16', '--out', 'y'], /Allowed choices are unet:resnet50, .*unet-original/);
  await refused(['models', 'create', '--cls', 'vgg16', '--out', 'y'], /Allowed choices are resnet50/);
  await refused(['models', 'create', '--resize', 'crop', '--out', 'y'], /Allowed choices are stretch, letterbox/);
  await refused(['models', 'fit-ood', 'm', '--data', 'x', '--split', 's', '--stats-part', 'all'], /Allowed choices are train, val, test/);
  await refused(['data', 'synth', '--out', 'y', '--task', 'det'], /Allowed choices are seg, cls, both/);
});

test('--mask-threshold takes a probability', async () => {
  await refused(['analyze', '--mask-threshold', '1.5'], /expected a probability between 0 and 1, got "1.5"/);
  await refused(['eval', 'seg', '--data', 'x', '--mask-threshold', 'half'], /expected a probability/);
  await refused(['serve', '--mask-threshold', '-0.1'], /expected a probability/);
  await refused(['queue', 'submit', 'x', '--redis', 'redis://x', '--out', 'y', '--mask-threshold', '2'], /expected a probability/);
});

test('train refuses a loss that scores the other task\'s targets, naming the ones that fit', async () => {
  await assert.rejects(program().parseAsync(['train', 'seg', '--data', 'x', '--out', 'y', '--loss', 'categoricalCrossentropy'], { from: 'user' }),
    /the categoricalCrossentropy loss scores cls targets, not seg: use one of bceDice/);
});
