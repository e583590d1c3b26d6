import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

test('dermkit models --json lists every encoder as its Keras ImageNet classifier, with Keras parameter counts', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.resolve('src/cli/main.ts'), 'models', '--json', '--kind', 'encoder'], { maxBuffer: 16 << 20 });
  const entries = JSON.parse(stdout) as { name: string; kind: string; params: number; flops: number; inputSize: number }[];
  const params = Object.fromEntries(entries.map((e) => [e.name, e.params]));
  assert.deepEqual(params, {
    'resnet50-imagenet': 25_636_712,
    'resnet101-imagenet': 44_707_176,
    'mobilenet-imagenet': 4_253_864,
    'mobilenetv2-imagenet': 3_538_984,
    'xception-imagenet': 22_910_480,
    'inceptionresnetv2-imagenet': 55_873_736,
    'efficientnetb0-imagenet': 5_330_571,
    'efficientnetb3-imagenet': 12_320_535,
    'efficientnetb4-imagenet': 19_466_823,
  });
  for (const e of entries) {
    assert.equal(e.kind, 'encoder');
    assert.equal(e.inputSize, 224);
    assert.ok(e.flops > 1e8, `${e.name} FLOPs ${e.flops}`);
  }
});

test('dermkit models filters by kind and name', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.resolve('src/cli/main.ts'), 'models', '--json', '--kind', 'classifier', '--name', 'mobilenetv2']);
  const entries = JSON.parse(stdout) as { name: string; kind: string; inputSize: number }[];
  assert.deepEqual(entries.map((e) => [e.name, e.kind, e.inputSize]), [['classifier-mobilenetv2', 'classifier', 224]]);
});
