import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { GrayImage, RgbImage } from '../../src/image/types.js';
import { evaluateClassification, type ClsPrediction } from '../../src/eval/cls-metrics.js';
import { melanomaOperatingPoints } from '../../src/eval/operating-points.js';
import { writeClsReport, writeSegReport } from '../../src/eval/report.js';
import { scoreMasks, summariseSegScores, type SegImageScore } from '../../src/eval/seg-metrics.js';
import { WorstClsCases, WorstSegCases } from '../../src/eval/worst-cases.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const DISCLAIMER = 'Research use only — not a medical device; not for diagnosis.';
const SIZE = 48;

/** A disc of the given radius: as a 0/255 mask and as a brown-on-skin RGB picture. */
function disc(radius: number, cx = SIZE / 2, cy = SIZE / 2): { mask: GrayImage; image: RgbImage } {
  const mask = new Uint8Array(SIZE * SIZE);
  const image = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const inside = (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
      mask[y * SIZE + x] = inside ? 255 : 0;
      image.set(inside ? [110, 70, 50] : [230, 190, 170], (y * SIZE + x) * 3);
    }
  }
  return { mask: { width: SIZE, height: SIZE, data: mask }, image: { width: SIZE, height: SIZE, data: image } };
}

async function assertPng(path: string): Promise<void> {
  const bytes = await readFile(path);
  assert.deepEqual(bytes.subarray(0, 8), PNG_SIGNATURE, `${path} is not a PNG`);
  const meta = await sharp(bytes).metadata();
  assert.ok(meta.width! > 100 && meta.height! > 100, `${path}: ${meta.width}x${meta.height}`);
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dermkit-eval-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('evaluation reports', () => {
  it('writes a segmentation report from streamed cases, mixing in-memory masks and mask files', async () => {
    const scores: SegImageScore[] = [];
    const worst = new WorstSegCases();
    const truthPath = join(dir, 'truth-0.png');
    const truth0 = disc(12);
    await sharp(Buffer.from(truth0.mask.data), { raw: { width: SIZE, height: SIZE, channels: 1 } }).png().toFile(truthPath);
    for (let i = 0; i < 20; i++) {
      const truth = i === 0 ? truth0 : disc(12);
      const prediction = disc(4 + (i % 10), SIZE / 2 + (i % 5), SIZE / 2);
      const score = scoreMasks(`case-${i}`, truth.mask, prediction.mask, `lesion-${i % 7}`);
      scores.push(score);
      worst.add({ id: score.id, image: truth.image, truth: i === 0 ? truthPath : truth.mask, prediction: prediction.mask, dice: score.dice });
    }
    const result = summariseSegScores(scores);
    const files = await writeSegReport(join(dir, 'seg'), result, worst, { bootstrap: { iterations: 200 } });

    const metrics = JSON.parse(await readFile(files.metrics, 'utf8'));
    for (const key of ['n', 'dice', 'iou', 'miou', 'thresholdedJaccard']) assert.equal(typeof metrics[key], 'number', key);
    assert.equal(metrics.n, 20);
    assert.equal(metrics.worstCases.length, 16);
    assert.ok(metrics.worstCases[0].dice <= metrics.worstCases[15].dice);
    assert.ok(metrics.ci.dice.lower <= metrics.dice && metrics.dice <= metrics.ci.dice.upper);
    assert.equal(metrics.diceHistogram.counts.reduce((a: number, b: number) => a + b, 0), 20);
    const markdown = await readFile(files.markdown, 'utf8');
    assert.ok(markdown.includes(DISCLAIMER));
    assert.ok(markdown.includes('![Dice histogram](dice-histogram.png)'));
    assert.deepEqual(Object.keys(files.charts).sort(), ['confusion', 'dice-histogram', 'worst-cases']);
    for (const path of Object.values(files.charts)) await assertPng(path);
  });

  it('writes a classification report with confusion, recall, reliability and worst-case charts and the melanoma operating points', async () => {
    const classes = ['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc'];
    const worst = new WorstClsCases(classes);
    const predictions: ClsPrediction[] = [];
    for (let i = 0; i < 70; i++) {
      const truth = i % 7;
      // Mostly right; every fourth image goes to the next class with growing confidence.
      const predicted = i % 4 === 0 ? (truth + 1) % 7 : truth;
      const probabilities = classes.map((_, c) => (c === predicted ? 0.5 + (i % 10) / 25 : 0.02));
      const prediction = { id: `ISIC_${String(i).padStart(7, '0')}`, trueLabel: classes[truth]!, probabilities };
      predictions.push(prediction);
      worst.add({ ...prediction, image: disc(8 + (i % 10)).image });
    }
    const result = evaluateClassification(classes, predictions);
    const operatingPoints = melanomaOperatingPoints(classes, predictions);
    const files = await writeClsReport(join(dir, 'cls'), result, worst, { bootstrap: { iterations: 100 }, operatingPoints });

    const metrics = JSON.parse(await readFile(files.metrics, 'utf8'));
    for (const key of ['n', 'accuracy', 'balancedAccuracy', 'perClassRecall', 'confusion']) assert.ok(key in metrics, key);
    assert.equal(metrics.n, 70);
    assert.equal(metrics.confusion.length, 7);
    assert.equal(metrics.worstCases.length, 16);
    assert.ok(metrics.worstCases.every((w: { trueLabel: string; predictedLabel: string }) => w.trueLabel !== w.predictedLabel));
    const markdown = await readFile(files.markdown, 'utf8');
    assert.ok(markdown.includes(DISCLAIMER));
    // Melanoma is the first row of the per-class table.
    assert.match(markdown, /\| Class \|[^\n]*\n\|[-|]+\n\| mel \|/);
    assert.deepEqual(Object.keys(files.charts).sort(), ['confusion', 'recall', 'reliability', 'worst-cases']);
    for (const path of Object.values(files.charts)) await assertPng(path);
    assert.ok(markdown.includes('![Reliability diagram](reliability.png)'));
    assert.match(markdown, /\| Over the images as they come \| 0\.\d{4} \|/);
    // Both target sensitivities, chosen on this data (no thresholds from a dermkit.json here).
    assert.match(markdown, /\| 0\.90 \| [\d.]+ \| this data \| [\d.]+ \| [\d.]+ \| [\d.]+ % \|/);
    assert.match(markdown, /\| 0\.95 \| [\d.]+ \| this data \|/);
    assert.equal(metrics.reliability.length, 15);
    assert.equal(metrics.melanomaOperatingPoints.rows.length, 2);
  });

  it('still writes every file when no worst cases are given', async () => {
    const result = evaluateClassification(['mel', 'nv'], [{ trueLabel: 'mel', probabilities: [0.9, 0.1] }]);
    const files = await writeClsReport(join(dir, 'empty'), result, [], { bootstrap: { iterations: 20 } });
    await assertPng(files.charts['worst-cases']!);
    assert.deepEqual(JSON.parse(await readFile(files.metrics, 'utf8')).worstCases, []);
  });

  it('names a missing mask file in the error', async () => {
    const { mask, image } = disc(10);
    const missing = join(dir, 'does-not-exist.png');
    await assert.rejects(
      writeSegReport(join(dir, 'missing'), summariseSegScores([scoreMasks('x', mask, mask)]), [{ id: 'x', image, truth: missing, prediction: mask, dice: 1 }], { bootstrap: { iterations: 10 } }),
      new RegExp(`cannot read mask ${missing.replace(/[.]/g, '\\.')}`),
    );
  });
});
