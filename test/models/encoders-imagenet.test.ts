/**
 * The acceptance check of the encoder zoo: each Keras Applications ImageNet classifier (1000
 * classes, include_top, 224x224, default width) has exactly Keras's parameter count. Each model
 * is built once (up to 56 M random weights, a few seconds) and disposed right away.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getEncoder } from '../../src/models/encoders/index.js';
import { countFlops } from '../../src/models/flops.js';

/** `model.count_params()` of `keras.applications.<Family>(weights=None)` (Keras 2.x). */
const KERAS_PARAMS: Record<string, number> = {
  resnet50: 25_636_712,
  resnet101: 44_707_176,
  mobilenet: 4_253_864,
  mobilenetv2: 3_538_984,
  xception: 22_910_480,
  inceptionresnetv2: 55_873_736,
  efficientnetb0: 5_330_571,
  efficientnetb3: 12_320_535,
  efficientnetb4: 19_466_823,
};

/** Published compute at 224x224, as FLOPs = 2 x multiply-adds. */
const FLOPS_RANGE: Record<string, [number, number]> = {
  resnet50: [7.7e9, 8.2e9], // 3.9 - 4.1 GMACs
  mobilenet: [1.1e9, 1.16e9], // 569 M multiply-adds (MobileNet paper)
  mobilenetv2: [0.59e9, 0.61e9], // 300 M multiply-adds (MobileNetV2 paper)
  efficientnetb0: [0.76e9, 0.8e9], // 0.39 B "FLOPs" = multiply-adds (EfficientNet paper)
};

describe('Keras ImageNet classifiers at 224x224', () => {
  for (const [name, params] of Object.entries(KERAS_PARAMS)) {
    it(`${name} has ${params.toLocaleString('en-US')} parameters, as Keras`, (t) => {
      const start = performance.now();
      const model = getEncoder(name).buildImagenetClassifier(224);
      const seconds = (performance.now() - start) / 1000;
      try {
        assert.deepEqual(model.outputs[0]!.shape, [null, 1000]);
        assert.equal(model.countParams(), params);
        const flops = countFlops(model);
        t.diagnostic(`${name}: ${model.countParams()} parameters, ${(flops / 1e9).toFixed(3)} GFLOPs, built in ${seconds.toFixed(2)} s`);
        const range = FLOPS_RANGE[name];
        if (range !== undefined) assert.ok(flops >= range[0] && flops <= range[1], `${name}: ${flops} FLOPs outside ${range.join(' - ')}`);
      } finally {
        model.dispose();
      }
    });
  }
});
