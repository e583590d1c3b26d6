import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDataset } from '../../src/data/open.js';
import { splitItems, splitItemsOf } from '../../src/data/split.js';
import { generateSynthetic, renderSampleLesion, SAMPLE_LESION } from '../../src/data/synth.js';
import { renderDermoscopy } from '../../src/data/synth/render.js';
import { decodeImage, decodeMask } from '../../src/image/index.js';
import { HAM_CLASSES } from '../../src/models/config.js';
import { tempDir } from './helpers.js';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

test('a synthetic set opens as both a segmentation and a classification dataset, fully valid', async () => {
  const out = await tempDir();
  const result = await generateSynthetic({ out, n: 28, size: 64, seed: 3, task: 'both' });
  assert.equal(result.ids.length, 28);
  const seg = await openDataset(out, 'seg', { validate: 'full' });
  const cls = await openDataset(out, 'cls', { validate: 'full' });
  assert.equal(seg.format, 'images-masks');
  assert.equal(cls.format, 'labels-csv');
  assert.equal(seg.samples.length, 28);
  assert.deepEqual(cls.samples.map((s) => s.id), seg.samples.map((s) => s.id));
  // round-robin classes over lesions: every class present, none dominant
  const perClass = HAM_CLASSES.map((c) => cls.samples.filter((s) => s.label === c).length);
  assert.ok(perClass.every((k) => k >= 2 && k <= 6), `class counts ${perClass}`);
  // some lesions are photographed twice: the groups a grouped split must respect
  const groups = new Set(cls.samples.map((s) => s.groupId));
  assert.ok(groups.size < 28 && groups.size >= 14, `${groups.size} lesions`);
  const split = splitItems(await splitItemsOf(cls), { seed: 1 });
  const valGroups = new Set(split.val.map((id) => result.groups.get(id)));
  assert.ok(split.train.every((id) => !valGroups.has(result.groups.get(id))));

  const image = await decodeImage(seg.samples[0]!.imagePath);
  assert.deepEqual([image.width, image.height], [64, 48]);
});

test('every mask holds one lesion, neither empty nor the whole frame, unlike the skin around it', async () => {
  const out = await tempDir();
  await generateSynthetic({ out, n: 14, size: 96, seed: 8, task: 'seg' });
  const ds = await openDataset(out, 'seg');
  const distances: number[] = [];
  for (const s of ds.samples) {
    const mask = await decodeMask(s.maskPath);
    const image = await decodeImage(s.imagePath);
    const inside = [0, 0, 0, 0];
    const skin = [0, 0, 0, 0];
    for (let i = 0; i < mask.data.length; i++) {
      const rgb = [image.data[i * 3]!, image.data[i * 3 + 1]!, image.data[i * 3 + 2]!];
      // skin: outside the mask and outside the dark vignette
      const target = mask.data[i] ? inside : rgb[0]! + rgb[1]! + rgb[2]! > 300 ? skin : null;
      if (!target) continue;
      rgb.forEach((v, c) => (target[c]! += v));
      target[3]!++;
    }
    const fraction = inside[3]! / mask.data.length;
    assert.ok(fraction > 0.01 && fraction < 0.7, `${s.id}: lesion covers ${fraction}`);
    const lesionMean = inside.slice(0, 3).map((v) => v / inside[3]!);
    const skinMean = skin.slice(0, 3).map((v) => v / skin[3]!);
    const distance = Math.hypot(...lesionMean.map((v, c) => v - skinMean[c]!));
    // subtle classes (translucent bcc, pale df) come close to the skin on average, never onto it
    assert.ok(distance > 8, `${s.id}: lesion ${lesionMean.map(Math.round)} vs skin ${skinMean.map(Math.round)}`);
    distances.push(distance);
  }
  distances.sort((a, b) => a - b);
  assert.ok(distances[distances.length >> 1]! > 30, `median lesion/skin colour distance ${distances[distances.length >> 1]}`);
});

test('classes have distinct colour signatures', () => {
  const meanLesionColour = (dx: (typeof HAM_CLASSES)[number]) => {
    const sum = [0, 0, 0];
    let n = 0;
    for (let seed = 0; seed < 4; seed++) {
      const { image, mask } = renderDermoscopy({ width: 96, height: 72, lesion: { dx, seed }, shotSeed: seed, hairs: 0 });
      for (let i = 0; i < mask.data.length; i++) {
        if (!mask.data[i]) continue;
        n++;
        for (let c = 0; c < 3; c++) sum[c]! += image.data[i * 3 + c]!;
      }
    }
    return sum.map((v) => v / n);
  };
  const colours = HAM_CLASSES.map(meanLesionColour);
  for (let a = 0; a < colours.length; a++) {
    for (let b = a + 1; b < colours.length; b++) {
      const d = Math.hypot(...colours[a]!.map((v, c) => v - colours[b]![c]!));
      assert.ok(d > 12, `${HAM_CLASSES[a]} vs ${HAM_CLASSES[b]}: mean colours only ${d.toFixed(1)} apart`);
    }
  }
});

test('deterministic by seed; another seed gives other pictures', async () => {
  const [a, b, c] = [await tempDir(), await tempDir(), await tempDir()];
  await generateSynthetic({ out: a, n: 4, size: 48, seed: 11, task: 'seg' });
  await generateSynthetic({ out: b, n: 4, size: 48, seed: 11, task: 'seg' });
  await generateSynthetic({ out: c, n: 4, size: 48, seed: 12, task: 'seg' });
  for (const file of ['images/SYN_0000001.jpg', 'masks/SYN_0000004_segmentation.png', 'manifest.csv']) {
    assert.equal(sha(await readFile(join(a, file))), sha(await readFile(join(b, file))), file);
  }
  assert.notEqual(sha(await readFile(join(a, 'images/SYN_0000001.jpg'))), sha(await readFile(join(c, 'images/SYN_0000001.jpg'))));
  assert.deepEqual((await readdir(a)).sort(), ['images', 'manifest.csv', 'masks']);
});

test("task 'cls' writes labels without masks", async () => {
  const out = await tempDir();
  await generateSynthetic({ out, n: 3, size: 32, seed: 1, task: 'cls' });
  assert.deepEqual((await readdir(out)).sort(), ['images', 'labels.csv']);
  assert.match(await readFile(join(out, 'labels.csv'), 'utf8'), /^image_id,dx,lesion_id\nSYN_0000001,akiec,SYNL_000001\n/);
  await assert.rejects(generateSynthetic({ out, n: 0, seed: 1, task: 'cls' }), /n must be a positive integer/);
});

test('the bundled sample picture is reproducible', () => {
  const a = renderSampleLesion();
  assert.deepEqual([a.width, a.height], [SAMPLE_LESION.width, SAMPLE_LESION.height]);
  assert.equal(sha(renderSampleLesion().data), sha(a.data));
});
