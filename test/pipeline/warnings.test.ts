/** The warning registry (src/pipeline/warnings.ts), the review flag (src/pipeline/triage.ts), and both on analyze() results. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { GrayImage } from '../../src/image/types.js';
import type { ModelConfig } from '../../src/models/config.js';
import { analyze } from '../../src/pipeline/analyze.js';
import type { ModelRunner } from '../../src/pipeline/predictor.js';
import { reviewFor } from '../../src/pipeline/triage.js';
import { WARNING_CODES, outlineOnBorder, warningsFor, type WarningSubject } from '../../src/pipeline/warnings.js';
import { tinyModels, type TinyModels } from '../server/fixtures.js';

function ellipse(width: number, height: number, cx: number, cy: number, rx: number, ry: number): GrayImage {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) data[y * width + x] = 255;
  return { width, height, data };
}

function areaOf(mask: GrayImage): number {
  return mask.data.filter((v) => v > 0).length / mask.data.length;
}

function subject(overrides: Partial<WarningSubject> = {}): WarningSubject {
  const mask = overrides.mask ?? ellipse(600, 450, 300, 225, 120, 90);
  return { width: 600, height: 450, mask, lesionAreaFraction: areaOf(mask), top: { label: 'nv', probability: 0.8 }, ood: { score: 3, range: [1, 5] }, ...overrides };
}

let models: TinyModels;
let context: { segmenter: ModelConfig; classifier: ModelConfig };

before(async () => {
  models = await tinyModels();
  context = { segmenter: models.segmenter.config, classifier: models.classifier.config };
});
after(async () => {
  await models.dispose();
});

const codes = (s: WarningSubject) => warningsFor(s, context).map((w) => w.code);

describe('warnings', () => {
  it('say nothing about a well-framed lesion the classifier is sure of', () => {
    assert.deepEqual(warningsFor(subject(), context), []);
  });

  it('each fire on what they are about, with a message', () => {
    const empty = { width: 600, height: 450, data: new Uint8Array(600 * 450) };
    assert.deepEqual(codes(subject({ mask: empty, lesionAreaFraction: 0 })), ['no_lesion']);
    const speck = ellipse(600, 450, 300, 225, 6, 6);
    assert.deepEqual(codes(subject({ mask: speck, lesionAreaFraction: areaOf(speck) })), ['no_lesion']);
    const cut = ellipse(600, 450, 20, 225, 150, 120);
    assert.ok(outlineOnBorder(cut) > 0.1);
    assert.deepEqual(codes(subject({ mask: cut, lesionAreaFraction: areaOf(cut) })), ['lesion_at_border']);
    const small = ellipse(30, 20, 15, 10, 6, 4);
    assert.deepEqual(codes(subject({ width: 30, height: 20, mask: small, lesionAreaFraction: areaOf(small) })), ['image_too_small']);
    assert.deepEqual(codes(subject({ top: { label: 'nv', probability: 0.4 } })), ['low_confidence']);
    const far = warningsFor(subject({ ood: { score: 9, range: [1, 5] } }), context);
    assert.deepEqual(far.map((w) => w.code), ['out_of_distribution']);
    assert.match(far[0]!.message, /far from every class/);
    assert.match(warningsFor(subject({ ood: { score: 0.2, range: [1, 5] } }), context)[0]!.message, /featureless/);
    assert.deepEqual(codes(subject({ ood: null })), []);
    for (const w of [...far, ...warningsFor(subject({ mask: empty, lesionAreaFraction: 0 }), context)]) assert.ok(w.message.length > 20);
    assert.deepEqual(WARNING_CODES, ['no_lesion', 'lesion_at_border', 'image_too_small', 'low_confidence', 'out_of_distribution']);
  });

  it('come with every analyze() result: a one-pixel image has no lesion and is too small', async () => {
    const onePixel = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#c08070' } }).png().toBuffer();
    const nothing: ModelRunner = { config: models.segmenter.config, predict: async () => new Float32Array(64 * 64) };
    const r = await analyze(onePixel, { segmenter: nothing, classifier: models.classifier });
    const found = r.warnings.map((w) => w.code);
    assert.ok(found.includes('no_lesion') && found.includes('image_too_small'), found.join(', '));
    assert.ok(r.cam && r.cam.width === 1 && r.cam.height === 1, 'the class activation map is at the image size');
    assert.equal(r.ood, null, 'no detector fitted');
  });
});

describe('flag for review', () => {
  const config = (triage?: ModelConfig['triage']): ModelConfig => ({ ...context.classifier, ...(triage ? { triage } : {}) });
  const p = { akiec: 0.05, bcc: 0.05, bkl: 0.1, df: 0.05, mel: 0.3, nv: 0.4, vasc: 0.05 };

  it('flags p(mel) at or above the threshold asked for, else the classifier\'s default, else not at all', () => {
    assert.deepEqual(reviewFor(p, config(), 0.3), { label: 'mel', probability: 0.3, threshold: 0.3, flagged: true });
    assert.equal(reviewFor(p, config(), 0.31)!.flagged, false);
    assert.equal(reviewFor(p, config({ label: 'mel', threshold: 0.2 }))!.threshold, 0.2);
    assert.equal(reviewFor(p, config({ label: 'mel', threshold: 0.2 }), 0.5)!.threshold, 0.5);
    assert.equal(reviewFor(p, config()), null);
    assert.throws(() => reviewFor(p, config(), 1.5), /probability in \[0, 1\]/);
    assert.throws(() => reviewFor({ a: 1 }, { ...config(), classes: ['a'] }, 0.5), /no melanoma class/);
  });

  it('travels with analyze() results', async () => {
    const image = { width: 80, height: 60, data: new Uint8Array(80 * 60 * 3).fill(150) };
    const flagged = await analyze(image, { segmenter: models.segmenter, classifier: models.classifier, melThreshold: 0 });
    assert.equal(flagged.review!.flagged, true);
    assert.equal(flagged.review!.probability, flagged.probabilities.mel);
    assert.equal((await analyze(image, { segmenter: models.segmenter, classifier: models.classifier })).review, null);
  });
});
