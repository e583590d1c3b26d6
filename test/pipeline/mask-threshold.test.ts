import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BatchStream } from '../../src/data/pipeline.js';
import { DEFAULT_MASK_THRESHOLD, preprocessingFor, type ModelConfig } from '../../src/models/config.js';
import { createSegmenter } from '../../src/models/registry.js';
import { segment } from '../../src/pipeline/analyze.js';
import { withMaskThreshold } from '../../src/pipeline/analyzer.js';
import type { ModelRunner } from '../../src/pipeline/predictor.js';
import { validate } from '../../src/train/validate.js';

const SIZE = 16;
/** Every pixel lesion with probability 0.6: a threshold below it keeps the whole image, one above it nothing. */
const PROBABILITY = 0.6;

function constantSegmenter(maskThreshold?: number): ModelRunner {
  const config: ModelConfig = {
    format: 'dermkit-model/1', kind: 'segmenter', name: 'constant', arch: 'test', encoder: 'none',
    preprocessing: preprocessingFor('tf', SIZE, 'stretch'), ...(maskThreshold === undefined ? {} : { maskThreshold }),
    provenance: { createdAt: '2026-01-01T00:00:00.000Z', dermkitVersion: 'test', initialisation: 'none' },
  };
  return { config, predict: async (_x, batch) => new Float32Array(batch * SIZE * SIZE).fill(PROBABILITY) };
}

const image = { width: 40, height: 30, data: new Uint8Array(40 * 30 * 3).fill(128) };
const lesionShare = async (runner: ModelRunner) => {
  const { mask } = await segment(image, runner);
  return mask.data.filter((v) => v !== 0).length / mask.data.length;
};

test('the cascade cuts the mask at the segmenter\'s threshold, or at the one given instead', async () => {
  assert.equal(await lesionShare(constantSegmenter()), 1, `absent: ${DEFAULT_MASK_THRESHOLD}`);
  assert.equal(await lesionShare(constantSegmenter(0.7)), 0);
  assert.equal(await lesionShare(withMaskThreshold(constantSegmenter(), 0.7)), 0);
  assert.equal(await lesionShare(withMaskThreshold(constantSegmenter(0.7), 0.3)), 1);
  const runner = constantSegmenter(0.7);
  assert.equal(withMaskThreshold(runner, undefined), runner);
  assert.throws(() => withMaskThreshold(runner, 1.5), /between 0 and 1/);
});

test('validation during training scores masks at the model\'s threshold', async () => {
  const stream: BatchStream = {
    samples: 1,
    stepsPerEpoch: 1,
    async *epoch() {
      yield { x: new Float32Array(SIZE * SIZE * 3), xShape: [1, SIZE, SIZE, 3], y: new Float32Array(SIZE * SIZE).fill(1), yShape: [1, SIZE, SIZE, 1], ids: ['a'] };
    },
  };
  const predict = async () => new Float32Array(SIZE * SIZE).fill(PROBABILITY);
  const loss = () => 0;
  assert.equal((await validate('seg', stream, predict, loss)).metrics.dice, 1);
  assert.equal((await validate('seg', stream, predict, loss, { maskThreshold: 0.7 })).metrics.dice, 0);
});

test('new segmenters record the default threshold', () => {
  for (const arch of ['unet', 'unet-original'] as const) {
    const { model, config } = createSegmenter({ arch, encoder: 'mobilenetv2', inputSize: 32, alpha: 0.35 });
    assert.equal(config.maskThreshold, DEFAULT_MASK_THRESHOLD);
    assert.deepEqual(model.outputs[0]!.shape, [null, 32, 32, 1], 'one lesion-probability channel');
    model.dispose();
  }
});
