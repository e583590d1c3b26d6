import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tf } from '../../src/tf.js';
import { ENCODER_NAMES, ENCODERS, getEncoder, type EncoderSpec, type Stride } from '../../src/models/encoders/index.js';
import { correctPad, makeDivisible } from '../../src/models/encoders/common.js';
import { CustomScaleLayer, Normalization } from '../../src/models/layers/index.js';

const STRIDES: Stride[] = [2, 4, 8, 16, 32];

interface TinyCase {
  inputSize: number;
  alpha: number;
  /** Expected feature side per stride (2, 4, 8, 16, 32) at `inputSize`. */
  sides: number[];
  /** Expected channels per stride at `alpha`. */
  channels: number[];
  /** A few Keras layer names the encoder must contain. */
  kerasNames: string[];
}

// 'same'-padded families give input/stride exactly; Xception and InceptionResNetV2 use Keras's
// 'valid' stems (96 -> 47 -> 45 ...) and reductions, so their sides are Keras's, not input/stride.
const TINY: Record<string, TinyCase> = {
  resnet50: {
    inputSize: 64,
    alpha: 0.125,
    sides: [32, 16, 8, 4, 2],
    channels: [8, 32, 64, 128, 256],
    kerasNames: ['conv1_pad', 'conv1_conv', 'conv1_relu', 'pool1_pool', 'conv2_block1_0_conv', 'conv4_block6_out', 'conv5_block3_out'],
  },
  resnet101: {
    inputSize: 64,
    alpha: 0.125,
    sides: [32, 16, 8, 4, 2],
    channels: [8, 32, 64, 128, 256],
    kerasNames: ['conv4_block23_out', 'conv4_block23_3_bn', 'conv5_block1_0_bn'],
  },
  mobilenet: {
    inputSize: 64,
    alpha: 0.25,
    sides: [32, 16, 8, 4, 2],
    channels: [16, 32, 64, 128, 256],
    kerasNames: ['conv1', 'conv1_bn', 'conv1_relu', 'conv_pad_2', 'conv_dw_2', 'conv_pw_13_relu'],
  },
  mobilenetv2: {
    inputSize: 64,
    alpha: 0.35,
    sides: [32, 16, 8, 4, 2],
    channels: [8, 8, 16, 32, 1280],
    kerasNames: ['Conv1', 'bn_Conv1', 'expanded_conv_depthwise', 'block_1_pad', 'block_2_add', 'block_16_project_BN', 'out_relu'],
  },
  xception: {
    inputSize: 96,
    alpha: 0.125,
    sides: [45, 23, 12, 6, 3],
    channels: [8, 16, 32, 91, 256],
    kerasNames: ['block1_conv1', 'block2_sepconv2_bn', 'block2_pool', 'conv2d_3', 'batch_normalization_3', 'add_11', 'block14_sepconv2_act'],
  },
  inceptionresnetv2: {
    inputSize: 96,
    alpha: 0.125,
    sides: [45, 20, 9, 4, 1],
    // mixed_5b = 12 + 8 + 12 + 8; mixed_6a = 48 + 48 + 40; mixed_7a = 48 + 36 + 40 + 136.
    channels: [8, 24, 40, 136, 192],
    kerasNames: ['conv2d', 'batch_normalization', 'activation', 'mixed_5b', 'block35_1', 'block17_20_ac', 'block8_10', 'conv_7b_ac'],
  },
  efficientnetb0: {
    inputSize: 64,
    alpha: 0.25,
    sides: [32, 16, 8, 4, 2],
    channels: [8, 8, 16, 32, 320],
    kerasNames: ['rescaling', 'normalization', 'stem_conv_pad', 'block1a_se_excite', 'block2b_drop', 'block2b_add', 'top_activation'],
  },
  efficientnetb3: {
    inputSize: 64,
    alpha: 0.25,
    sides: [32, 16, 8, 4, 2],
    channels: [8, 8, 16, 32, 384],
    kerasNames: ['block1b_add', 'block2c_add', 'block6f_add', 'block7b_add', 'top_conv'],
  },
  efficientnetb4: {
    inputSize: 64,
    alpha: 0.25,
    sides: [32, 16, 8, 4, 2],
    channels: [8, 8, 16, 40, 448],
    kerasNames: ['block2d_add', 'block5f_add', 'block6h_add', 'block7b_add'],
  },
};

function featureModel(spec: EncoderSpec, inputSize: number, alpha: number) {
  const input = tf.input({ shape: [inputSize, inputSize, 3] });
  const built = spec.build(input, { alpha });
  const outputs = STRIDES.map((s) => built.features[s]!);
  return { ...built, model: tf.model({ inputs: input, outputs }) };
}

describe('encoder registry', () => {
  it('lists the nine Keras Applications families', () => {
    assert.deepEqual(
      [...ENCODER_NAMES],
      [
        'resnet50', 'resnet101', 'mobilenet', 'mobilenetv2', 'xception', 'inceptionresnetv2',
        'efficientnetb0', 'efficientnetb3', 'efficientnetb4',
      ],
    );
    for (const name of ENCODER_NAMES) assert.equal(ENCODERS[name]!.name, name);
  });

  it('describes each family as Keras does', () => {
    const summary = Object.fromEntries(
      ENCODER_NAMES.map((n) => {
        const spec = ENCODERS[n]!;
        return [n, [spec.preprocessing, spec.imagenetInputSize, spec.minInputSize]];
      }),
    );
    assert.deepEqual(summary, {
      resnet50: ['caffe', 224, 32],
      resnet101: ['caffe', 224, 32],
      mobilenet: ['tf', 224, 32],
      mobilenetv2: ['tf', 224, 32],
      xception: ['tf', 299, 71],
      inceptionresnetv2: ['tf', 299, 75],
      efficientnetb0: ['raw', 224, 32],
      efficientnetb3: ['raw', 300, 32],
      efficientnetb4: ['raw', 380, 32],
    });
  });

  it('rejects an unknown name, listing the valid ones', () => {
    assert.throws(() => getEncoder('resnet18'), /unknown encoder "resnet18": valid encoders are resnet50, resnet101, .*efficientnetb4/);
    assert.throws(() => getEncoder('toString'), /unknown encoder/);
    assert.equal(getEncoder('xception').name, 'xception');
  });
});

describe('encoder input checks', () => {
  it('rejects inputs below the minimum size, with the wrong channel count or a bad alpha', () => {
    assert.throws(() => getEncoder('xception').build(tf.input({ shape: [64, 64, 3] })), /xception: input side 64 is below the minimum of 71/);
    assert.throws(() => getEncoder('resnet50').build(tf.input({ shape: [64, 64, 1] })), /resnet50: input must be NHWC with 3 channels/);
    assert.throws(
      () => getEncoder('mobilenet').build(tf.input({ shape: [64, 64, 3] }), { alpha: 0 }),
      /mobilenet: alpha must be a positive number/,
    );
    assert.throws(() => getEncoder('mobilenetv2').buildImagenetClassifier(16), /classifier input size must be an integer >= 32/);
  });
});

for (const name of Object.keys(TINY)) {
  const tiny = TINY[name]!;
  describe(`${name} (alpha ${tiny.alpha}, ${tiny.inputSize}x${tiny.inputSize})`, () => {
    const spec = getEncoder(name);
    const { model, features, channels } = featureModel(spec, tiny.inputSize, tiny.alpha);

    it('exposes one feature map per stride with Keras geometry and the declared channels', () => {
      assert.deepEqual(Object.keys(features).map(Number).sort((a, b) => a - b), STRIDES);
      assert.deepEqual(STRIDES.map((s) => features[s]!.shape[1]), tiny.sides);
      assert.deepEqual(STRIDES.map((s) => features[s]!.shape[2]), tiny.sides);
      assert.deepEqual(STRIDES.map((s) => features[s]!.shape[3]), tiny.channels);
      assert.deepEqual(STRIDES.map((s) => channels[s]), tiny.channels);
    });

    it('uses Keras layer names', () => {
      const names = new Set(model.layers.map((l) => l.name));
      for (const kerasName of tiny.kerasNames) assert.ok(names.has(kerasName), `missing layer ${kerasName}`);
    });

    it('runs a forward pass with finite outputs of the declared shapes', () => {
      const image = tf.randomUniform([1, tiny.inputSize, tiny.inputSize, 3], 0, 255);
      const outputs = model.predict(image) as tf.Tensor[];
      outputs.forEach((out, i) => {
        assert.deepEqual(out.shape, [1, tiny.sides[i], tiny.sides[i], tiny.channels[i]]);
        assert.ok(out.dataSync().every(Number.isFinite), `non-finite values at stride ${STRIDES[i]}`);
      });
      tf.dispose([image, ...outputs]);
    });
  });
}

describe('width multiplier', () => {
  it('MobileNet alpha 0.75 reproduces Keras (2,601,976 parameters)', () => {
    const model = getEncoder('mobilenet').buildImagenetClassifier(224, { alpha: 0.75 });
    assert.equal(model.countParams(), 2_601_976);
    assert.equal(model.getLayer('conv1').getWeights()[0]!.shape[3], 24);
    model.dispose();
  });

  it('MobileNetV2 alpha 0.35 without top reproduces Keras (410,208 parameters)', () => {
    const { model } = featureModel(getEncoder('mobilenetv2'), 224, 0.35);
    assert.equal(model.countParams(), 410_208);
    model.dispose();
  });

  it('shrinks families without a Keras multiplier by alpha, keeping at least 8 filters', () => {
    const narrow = featureModel(getEncoder('resnet50'), 64, 0.25).channels;
    assert.deepEqual(narrow, { 2: 16, 4: 64, 8: 128, 16: 256, 32: 512 });
    const tiniest = featureModel(getEncoder('resnet50'), 64, 0.01).channels;
    assert.deepEqual(tiniest, { 2: 8, 4: 32, 8: 32, 16: 32, 32: 32 });
  });

  it('EfficientNet scales its width coefficient with Keras rounding', () => {
    // B3 (width 1.2) at alpha 0.5 has width 0.6: stem 32 * 0.6 = 19.2 rounds to 16, which is more
    // than 10 % low, so 24; top 1280 * 0.6 = 768.
    const { model, channels } = featureModel(getEncoder('efficientnetb3'), 64, 0.5);
    assert.equal(model.getLayer('stem_conv').getWeights()[0]!.shape[3], 24);
    assert.equal(channels[32], 768);
  });

  it("follows Keras's _make_divisible and correct_pad", () => {
    assert.deepEqual([8, 11.2, 22.4, 33.6, 44.8, 1280 * 1.4].map((v) => makeDivisible(v, 8)), [8, 16, 24, 32, 48, 1792]);
    assert.deepEqual(correctPad(tf.input({ shape: [224, 224, 3] }), 3), [[0, 1], [0, 1]]);
    assert.deepEqual(correctPad(tf.input({ shape: [225, 224, 3] }), 5), [[2, 2], [1, 2]]);
  });
});

describe('training-only randomness', () => {
  const classifier = getEncoder('efficientnetb0').buildImagenetClassifier(64, { alpha: 0.25 });

  it('EfficientNet drop-connect drops whole samples, only in training', () => {
    const drop = classifier.getLayer('block2b_drop');
    const ones = tf.ones([64, 2, 2, 3]);
    const trained = (drop.apply(ones, { training: true }) as tf.Tensor).arraySync() as number[][][][];
    const rate = drop.getConfig().rate as number;
    for (const sample of trained) {
      const values = new Set(sample.flat(2));
      assert.equal(values.size, 1, 'a sample is either kept or dropped as a whole');
      const [value] = values;
      assert.ok(value === 0 || Math.abs(value! - 1 / (1 - rate)) < 1e-5, `unexpected value ${value}`);
    }
    const inference = drop.apply(ones) as tf.Tensor;
    assert.deepEqual(inference.arraySync(), ones.arraySync());
    tf.dispose([ones, inference]);
  });

  it('inference (predict) is deterministic although the model has dropout layers', () => {
    const image = tf.randomUniform([2, 64, 64, 3], 0, 255);
    const first = classifier.predict(image) as tf.Tensor;
    const second = classifier.predict(image) as tf.Tensor;
    assert.deepEqual(first.arraySync(), second.arraySync());
    const sums = tf.sum(first, 1).arraySync() as number[];
    for (const s of sums) assert.ok(Math.abs(s - 1) < 1e-4, 'softmax rows sum to 1');
    tf.dispose([image, first, second]);
  });
});

describe('custom layers', () => {
  it('Normalization computes (x - mean) / sqrt(variance) with Keras weights (7 parameters for RGB)', () => {
    const layer = new Normalization({ mean: [1, 2, 3], variance: [4, 1, 0.25] });
    const x = tf.tensor4d([[[[3, 3, 3]]]]);
    const y = layer.apply(x) as tf.Tensor;
    assert.deepEqual(Array.from(y.dataSync()), [1, 1, 0]);
    assert.deepEqual(layer.weights.map((w) => [w.originalName.split('/').pop(), w.shape, w.trainable]), [
      ['mean', [3], false],
      ['variance', [3], false],
      ['count', [], false],
    ]);
    assert.equal(layer.countParams(), 7);
    assert.throws(() => new Normalization({ mean: [0, 0] }).apply(x), /mean has 2 values for 3 channels/);
    tf.dispose([x, y]);
  });

  it('CustomScaleLayer adds the scaled residual and checks shapes', () => {
    const layer = new CustomScaleLayer({ scale: 0.5 });
    const out = layer.apply([tf.tensor1d([1, 2]), tf.tensor1d([4, 8])]) as tf.Tensor;
    assert.deepEqual(Array.from(out.dataSync()), [3, 6]);
    assert.deepEqual(layer.getConfig().scale, 0.5);
    assert.throws(
      () => new CustomScaleLayer({ scale: 1 }).apply([tf.input({ shape: [4, 4, 8] }), tf.input({ shape: [4, 4, 16] })]),
      /differ in shape/,
    );
    out.dispose();
  });

  for (const [name, inputSize] of [['inceptionresnetv2', 96], ['efficientnetb0', 64]] as const) {
    it(`${name} survives a save/load round trip (custom layers registered)`, async () => {
      const model = getEncoder(name).buildImagenetClassifier(inputSize, { alpha: 0.125 });
      let saved: tf.io.ModelArtifacts | undefined;
      await model.save(
        tf.io.withSaveHandler(async (artifacts) => {
          saved = artifacts;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
      const classNames = new Set(loaded.layers.map((l) => l.getClassName()));
      assert.ok(classNames.has(name === 'efficientnetb0' ? 'Normalization' : 'CustomScaleLayer'));
      assert.equal(loaded.countParams(), model.countParams());
      const image = tf.randomUniform([1, inputSize, inputSize, 3], 0, 255);
      const expected = model.predict(image) as tf.Tensor;
      const actual = loaded.predict(image) as tf.Tensor;
      assert.ok(tf.max(tf.abs(tf.sub(expected, actual))).dataSync()[0]! < 1e-6);
      tf.dispose([image, expected, actual]);
      model.dispose();
      loaded.dispose();
    });
  }
});
