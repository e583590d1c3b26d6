import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { analyze } from '../../src/pipeline/analyze.js';
import { loadPredictor, type Predictor } from '../../src/pipeline/predictor.js';
import { tinyModels, writeTestImages } from './fixtures.js';
import { writeDicom } from '../image/dicom-writer.js';

let models: { root: string; seg: string; cls: string };
let dir: string;
let segmenter: Predictor;
let classifier: Predictor;

before(async () => {
  models = await tinyModels();
  dir = await mkdtemp(path.join(os.tmpdir(), 'dermkit-analyze-'));
  segmenter = await loadPredictor(models.seg, 'tfjs');
  classifier = await loadPredictor(models.cls, 'tfjs');
});
after(async () => {
  segmenter.dispose();
  classifier.dispose();
  await rm(models.root, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});

test('analyze returns a binary mask at the original size and a probability distribution', async () => {
  const files = await writeTestImages(dir);
  for (const [file, w, h] of [[files.small, 600, 450], [files.alpha, 300, 200]] as const) {
    const r = await analyze(file, { segmenter, classifier });
    assert.equal(r.mask.width, w);
    assert.equal(r.mask.height, h);
    assert.ok(r.mask.data.every((v) => v === 0 || v === 255));
    const sum = Object.values(r.probabilities).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5);
    assert.deepEqual(Object.keys(r.probabilities), ['akiec', 'bcc', 'bkl', 'df', 'mel', 'nv', 'vasc']);
    assert.equal(r.top.probability, Math.max(...Object.values(r.probabilities)));
    assert.ok(r.lesionAreaFraction >= 0 && r.lesionAreaFraction <= 1);
    assert.ok(r.timingsMs.total >= r.timingsMs.segment);
  }
});

test('without ROI the classifier sees the whole image', async () => {
  const files = await writeTestImages(dir);
  const r = await analyze(files.small, { segmenter, classifier, roi: false });
  assert.equal(r.roi.width, 600);
  assert.equal(r.roi.height, 450);
  assert.equal(r.classifiedOn, 'image');
});

test('by default the classifier sees what it was trained on', async () => {
  const files = await writeTestImages(dir);
  const wholeImageClassifier = { ...classifier, config: { ...classifier.config, trainedOn: 'image' as const } };
  const byDefault = await analyze(files.small, { segmenter, classifier: wholeImageClassifier });
  assert.equal(byDefault.classifiedOn, 'image');
  assert.equal(byDefault.roi.width, 600);
  const forced = await analyze(files.small, { segmenter, classifier: wholeImageClassifier, roi: true });
  assert.equal(forced.classifiedOn, 'roi');
  assert.equal((await analyze(files.small, { segmenter, classifier })).classifiedOn, 'roi');
});

test('a buffer that is not an image is refused with its name', async () => {
  await assert.rejects(analyze(Buffer.from('hello'), { segmenter, classifier, name: 'upload.jpg' }), /upload\.jpg/);
});

test('a DICOM file with a JPEG-encoded photo analyses to the same result as the JPEG itself', async () => {
  const files = await writeTestImages(dir);
  const jpeg = await readFile(files.small);
  const dicom = writeDicom({ transferSyntax: '1.2.840.10008.1.2.4.50', width: 600, height: 450, samples: 3, photometric: 'YBR_FULL_422', jpeg });
  const a = await analyze(jpeg, { segmenter, classifier, name: 'lesion.jpg' });
  const b = await analyze(dicom, { segmenter, classifier, name: 'lesion.dcm' });
  assert.deepEqual(b.probabilities, a.probabilities);
  assert.deepEqual(b.mask.data, a.mask.data);
  assert.deepEqual(b.bbox, a.bbox);
});
