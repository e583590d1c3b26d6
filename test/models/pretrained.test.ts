import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tf } from '../../src/tf.js';
import { createClassifier, createSegmenter } from '../../src/models/registry.js';
import { modelArtifacts } from '../../src/models/io.js';
import { importPretrained } from '../../src/weights/pretrained.js';

test('encoder weights saved under Keras names load into a classifier and a U-Net, leaving heads alone', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dermkit-pretrained-'));
  try {
    const source = createClassifier({ encoder: 'mobilenetv2', inputSize: 64, alpha: 0.35 });
    for (const [name, data] of Object.entries(await modelArtifacts(source.model))) await writeFile(path.join(dir, name), data);

    const target = createClassifier({ encoder: 'mobilenetv2', inputSize: 64, alpha: 0.35 });
    const report = await importPretrained(target.model, dir);
    assert.equal(report.notInSource.length, 0);
    const x = tf.randomUniform([2, 64, 64, 3], -1, 1, 'float32', 3);
    assert.deepEqual(Array.from((target.model.predict(x) as tf.Tensor).dataSync()), Array.from((source.model.predict(x) as tf.Tensor).dataSync()));

    const unet = createSegmenter({ arch: 'unet', encoder: 'mobilenetv2', inputSize: 64, alpha: 0.35 });
    const unetReport = await importPretrained(unet.model, dir);
    const unetWeights = unet.model.weights.length;
    assert.equal(unetReport.loaded + unetReport.notInSource.length, unetWeights);
    assert.ok(unetReport.notInSource.every((n) => n.startsWith('decoder_') || n.startsWith('mask_head')));
    // The output-stride-16 U-Net has no use for the classifier head or the stride-32 blocks.
    assert.ok(unetReport.unused.includes('head_predictions/kernel'));
    assert.ok(unetReport.unused.every((n) => n.startsWith('head_') || /^(block_1[3-6]_|Conv_1)/.test(n)));

    const wrongWidth = createClassifier({ encoder: 'mobilenetv2', inputSize: 64, alpha: 0.5 });
    await assert.rejects(importPretrained(wrongWidth.model, dir), /shape .*wrong encoder or alpha/);
    const other = createSegmenter({ arch: 'unet', encoder: 'resnet50', inputSize: 64, alpha: 0.125 });
    await assert.rejects(importPretrained(other.model, dir), /no weight name matches/);
    for (const m of [source, target, unet, wrongWidth, other]) m.model.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
