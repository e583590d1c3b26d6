import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/tf.js';
import { PREPROCESSING_PRESETS, type ModelConfig } from '../../src/models/config.js';
import { analyze } from '../../src/pipeline/analyze.js';
import { tfjsPredictor, type Predictor } from '../../src/pipeline/predictor.js';
import { runCascade } from '../../web/src/cascade.js';
import { lesionImage, tinyModels, type TinyModels } from '../server/fixtures.js';

/**
 * A segmenter that is sure of itself: lesion where the pixel is dark (a 1x1 convolution on the
 * [-1, 1] input, then a steep sigmoid). An untrained U-Net hovers around 0.5, where any resize
 * difference flips pixels; this one makes the mask depend on the picture, so the two cascades
 * can be compared on what matters.
 */
function darknessSegmenter(): Predictor {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({
        inputShape: [64, 64, 3], filters: 1, kernelSize: 1, activation: 'sigmoid',
        weights: [tf.tensor4d([-10, -10, -10], [1, 1, 3, 1]), tf.tensor1d([-3])],
      }),
    ],
  });
  const p = PREPROCESSING_PRESETS.tf;
  const config: ModelConfig = {
    format: 'dermkit-model/1', kind: 'segmenter', name: 'darkness-test', arch: 'conv1x1', encoder: 'none',
    preprocessing: { inputSize: 64, resizeMode: 'stretch', channelOrder: p.channelOrder, scale: p.scale, mean: [...p.mean], std: [...p.std] },
    maskThreshold: 0.5,
    provenance: { createdAt: '2026-01-01T00:00:00.000Z', dermkitVersion: 'test', initialisation: 'fixed' },
  };
  return tfjsPredictor({ model, config });
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) both++;
    if (a[i] || b[i]) either++;
  }
  return either === 0 ? 1 : both / either;
}

describe('the browser cascade against analyze()', () => {
  let models: TinyModels;
  let segmenter: Predictor;
  before(async () => {
    models = await tinyModels();
    segmenter = darknessSegmenter();
  });
  after(async () => {
    segmenter.dispose();
    await models.dispose();
  });

  for (const [width, height] of [[600, 450], [96, 72], [200, 300], [40, 30]] as const) {
    it(`gives the same lesion and nearly the same probabilities on a ${width}x${height} image`, async () => {
      const image = lesionImage(width, height);
      const node = await analyze(image, { segmenter, classifier: models.classifier });
      const browser = await runCascade(image, segmenter, models.classifier);

      assert.ok(node.lesionAreaFraction > 0.05 && node.lesionAreaFraction < 0.3, `the lesion was found (${node.lesionAreaFraction})`);
      assert.ok(iou(node.mask.data, browser.mask.data) > 0.97, `mask IoU ${iou(node.mask.data, browser.mask.data)}`);
      for (const key of ['x', 'y', 'width', 'height'] as const) {
        assert.ok(Math.abs(node.bbox![key] - browser.bbox![key]) <= 2, `bbox ${key}: ${node.bbox![key]} vs ${browser.bbox![key]}`);
      }
      assert.deepEqual(Object.keys(browser.probabilities), Object.keys(node.probabilities));
      for (const [label, p] of Object.entries(node.probabilities)) {
        assert.ok(Math.abs(p - browser.probabilities[label]!) < 0.01, `${label}: ${p} vs ${browser.probabilities[label]}`);
      }
      assert.equal(browser.top.label, node.top.label);
    });
  }

  it('classifies the whole image when no lesion is found, like analyze()', async () => {
    const bright = { width: 50, height: 40, data: new Uint8Array(50 * 40 * 3).fill(230) };
    const node = await analyze(bright, { segmenter, classifier: models.classifier });
    const browser = await runCascade(bright, segmenter, models.classifier);
    assert.equal(browser.bbox, null);
    assert.equal(browser.lesionAreaFraction, 0);
    assert.deepEqual([browser.roi.width, browser.roi.height], [50, 40]);
    assert.deepEqual(browser.probabilities, node.probabilities);
  });
});
