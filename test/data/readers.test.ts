import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { DatasetError } from '../../src/data/errors.js';
import { readHeaderSize } from '../../src/data/image-header.js';
import { openDataset } from '../../src/data/open.js';
import { imageSize } from '../../src/image/index.js';
import { rectMask, solid, tempDir, writeJpeg, writePng, writeText } from './helpers.js';

/** Asserts a DatasetError whose problems include entries matching each [file suffix, problem regex]. */
async function rejectsWith(promise: Promise<unknown>, expected: [string, RegExp][]): Promise<DatasetError> {
  let caught: unknown;
  await promise.catch((err) => (caught = err));
  assert.ok(caught instanceof DatasetError, `expected a DatasetError, got ${String(caught)}`);
  for (const [file, problem] of expected) {
    assert.ok(
      caught.problems.some((p) => p.file.endsWith(file) && problem.test(p.problem)),
      `no problem ${file}: ${problem} in\n${caught.message}`,
    );
  }
  return caught;
}

async function isic2018Tree(root: string, subset: string, ids: string[]): Promise<void> {
  for (const id of ids) {
    await writeJpeg(join(root, `ISIC2018_Task1-2_${subset}_Input`, `${id}.jpg`), solid(8, 6));
    await writePng(join(root, `ISIC2018_Task1_${subset}_GroundTruth`, `${id}_segmentation.png`), rectMask(8, 6));
  }
  await writeText(join(root, `ISIC2018_Task1-2_${subset}_Input`, 'LICENSE.txt'), 'CC-BY-NC');
}

test('ISIC 2018 Task 1 tree: Training by default, other subsets on request', async () => {
  const root = await tempDir();
  await isic2018Tree(root, 'Training', ['ISIC_0000001', 'ISIC_0000000']);
  await isic2018Tree(root, 'Validation', ['ISIC_0000009']);
  const train = await openDataset(root, 'seg', { validate: 'full' });
  assert.equal(train.format, 'isic2018-task1');
  assert.deepEqual(train.samples.map((s) => s.id), ['ISIC_0000000', 'ISIC_0000001']);
  assert.deepEqual(train.samples[0], {
    id: 'ISIC_0000000',
    imagePath: join(root, 'ISIC2018_Task1-2_Training_Input', 'ISIC_0000000.jpg'),
    maskPath: join(root, 'ISIC2018_Task1_Training_GroundTruth', 'ISIC_0000000_segmentation.png'),
    groupId: 'ISIC_0000000',
  });
  const val = await openDataset(root, 'seg', { subset: 'Validation' });
  assert.deepEqual(val.samples.map((s) => s.id), ['ISIC_0000009']);
  await assert.rejects(openDataset(root, 'seg', { subset: 'Test' }), /subset Test not found/);
});

test('images/ + masks/ with manifest.csv: manifest rows are the samples, group_id groups them', async () => {
  const root = await tempDir();
  for (const id of ['a', 'b', 'c', 'unlisted']) {
    await writeJpeg(join(root, 'images', `${id}.jpg`));
    await writePng(join(root, 'masks', `${id}_segmentation.png`), rectMask(8, 6));
  }
  await writeText(join(root, 'manifest.csv'), 'id,group_id,note\na,L1,"x, y"\nb,L1,\nc,,\n');
  const ds = await openDataset(root, 'seg');
  assert.equal(ds.format, 'images-masks');
  assert.deepEqual(ds.samples.map((s) => [s.id, s.groupId]), [['a', 'L1'], ['b', 'L1'], ['c', 'c']]);
});

test('images/ + masks/ without a manifest pairs every image with its mask', async () => {
  const root = await tempDir();
  await writeJpeg(join(root, 'images', 'x.jpg'));
  await writePng(join(root, 'images', 'y.png'), solid(8, 6));
  await writePng(join(root, 'masks', 'x_segmentation.png'), rectMask(8, 6));
  await writePng(join(root, 'masks', 'y.png'), rectMask(8, 6)); // plain <id>.png accepted too
  const ds = await openDataset(root, 'seg');
  assert.deepEqual(ds.samples.map((s) => s.id), ['x', 'y']);
});

test('HAM10000: metadata with images split over part_1 and part_2; lesion_id groups', async () => {
  const root = await tempDir();
  await writeText(
    join(root, 'HAM10000_metadata.csv'),
    'lesion_id,image_id,dx,dx_type,age,sex,localization\r\nHAM_1,ISIC_1,bkl,histo,80.0,male,scalp\r\nHAM_1,ISIC_2,bkl,histo,80.0,male,scalp\r\nHAM_2,ISIC_3,NV,follow_up,,female,back\r\n',
  );
  await writeJpeg(join(root, 'HAM10000_images_part_1', 'ISIC_1.jpg'));
  await writeJpeg(join(root, 'HAM10000_images_part_1', 'ISIC_9.jpg')); // not in the metadata: ignored
  await writeJpeg(join(root, 'HAM10000_images_part_2', 'ISIC_2.jpg'));
  await writeJpeg(join(root, 'HAM10000_images_part_2', 'ISIC_3.jpg'));
  // Kaggle ships a lower-case copy of each folder; it must not cause duplicate ids
  await writeJpeg(join(root, 'ham10000_images_part_1', 'ISIC_1.jpg'));
  const ds = await openDataset(root, 'cls');
  assert.equal(ds.format, 'ham10000');
  assert.deepEqual(
    ds.samples.map((s) => [s.id, s.label, s.groupId]),
    [['ISIC_1', 'bkl', 'HAM_1'], ['ISIC_2', 'bkl', 'HAM_1'], ['ISIC_3', 'nv', 'HAM_2']],
  );
  assert.ok(ds.samples[1]!.imagePath.endsWith(join('HAM10000_images_part_2', 'ISIC_2.jpg')));
});

test('HAM10000 metadata given as a file, with image folders given as paths', async () => {
  const root = await tempDir();
  const meta = join(root, 'meta', 'HAM10000_metadata.csv');
  await writeText(meta, 'lesion_id,image_id,dx\nHAM_1,ISIC_1,df\n');
  await writeJpeg(join(root, 'elsewhere', 'ISIC_1.jpg'));
  const ds = await openDataset(meta, 'cls', { imageDirs: [join(root, 'elsewhere')] });
  assert.equal(ds.format, 'ham10000');
  assert.deepEqual(ds.samples.map((s) => s.label), ['df']);
});

test('ISIC 2018 Task 3: one-hot ground truth, lesion groupings, Input folder', async () => {
  const root = await tempDir();
  const gt = join(root, 'ISIC2018_Task3_Training_GroundTruth', 'ISIC2018_Task3_Training_GroundTruth.csv');
  await writeText(gt, 'image,MEL,NV,BCC,AKIEC,BKL,DF,VASC\nISIC_1,0.0,1.0,0.0,0.0,0.0,0.0,0.0\nISIC_2,0.0,0.0,0.0,1.0,0.0,0.0,0.0\nISIC_3,1.0,0.0,0.0,0.0,0.0,0.0,0.0\n');
  await writeText(
    join(root, 'ISIC2018_Task3_Training_LesionGroupings.csv'),
    'image,lesion_id,diagnosis_confirm_type\nISIC_1,HAM_7,histopathology\nISIC_2,HAM_7,histopathology\n',
  );
  for (const id of ['ISIC_1', 'ISIC_2', 'ISIC_3']) await writeJpeg(join(root, 'ISIC2018_Task3_Training_Input', `${id}.jpg`));
  const ds = await openDataset(root, 'cls');
  assert.equal(ds.format, 'isic2018-task3');
  assert.deepEqual(
    ds.samples.map((s) => [s.id, s.label, s.groupId]),
    [['ISIC_1', 'nv', 'HAM_7'], ['ISIC_2', 'akiec', 'HAM_7'], ['ISIC_3', 'mel', 'ISIC_3']],
  );
});

test('ISIC 2018 Task 3: a row with no or two classes set is reported', async () => {
  const root = await tempDir();
  const gt = join(root, 'gt.csv');
  await writeText(gt, 'image,MEL,NV,BCC,AKIEC,BKL,DF,VASC\nISIC_1,1,1,0,0,0,0,0\nISIC_2,0,0,0,0,0,0,0\n');
  await writeJpeg(join(root, 'images', 'ISIC_1.jpg'));
  await writeJpeg(join(root, 'images', 'ISIC_2.jpg'));
  await rejectsWith(openDataset(root, 'cls'), [
    ['gt.csv:2', /2 classes set \(MEL, NV\)/],
    ['gt.csv:3', /0 classes set/],
  ]);
});

test('labels.csv beside images/: lesion_id optional', async () => {
  const root = await tempDir();
  await writeText(join(root, 'labels.csv'), 'image_id,dx\nA,vasc\nB,mel\n');
  await writeJpeg(join(root, 'images', 'A.jpg'));
  await writeJpeg(join(root, 'images', 'B.jpeg'));
  const ds = await openDataset(root, 'cls');
  assert.equal(ds.format, 'labels-csv');
  assert.deepEqual(ds.samples.map((s) => [s.id, s.label, s.groupId]), [['A', 'vasc', 'A'], ['B', 'mel', 'B']]);
});

test('classification errors are collected and reported together: missing image, unknown class, duplicate id', async () => {
  const root = await tempDir();
  await writeText(join(root, 'labels.csv'), 'image_id,dx,lesion_id\nA,mel,L1\nB,melanoma,L2\nC,nv,L3\nA,nv,L1\n');
  await writeJpeg(join(root, 'images', 'A.jpg'));
  await writeJpeg(join(root, 'images', 'B.jpg'));
  const err = await rejectsWith(openDataset(root, 'cls'), [
    ['labels.csv:3', /unknown class "melanoma"/],
    ['labels.csv:4', /label row C has no image/],
    ['labels.csv:5', /duplicate id A \(first at .*labels\.csv:2\)/],
  ]);
  assert.equal(err.problems.length, 3);
  assert.match(err.message, /3 problems/);
});

test('two image files with one id (A.jpg and A.png) are a duplicate id', async () => {
  const root = await tempDir();
  await writeText(join(root, 'labels.csv'), 'image_id,dx\nA,mel\n');
  await writeJpeg(join(root, 'images', 'A.jpg'));
  await writePng(join(root, 'images', 'A.png'), solid(8, 6));
  await rejectsWith(openDataset(root, 'cls'), [['A.png', /duplicate id A/]]);
});

test('segmentation errors: mask size mismatch, missing mask, mask without image, missing image in manifest', async () => {
  const root = await tempDir();
  await writeJpeg(join(root, 'images', 'ok.jpg'), solid(8, 6));
  await writePng(join(root, 'masks', 'ok_segmentation.png'), rectMask(8, 6));
  await writeJpeg(join(root, 'images', 'wrong.jpg'), solid(8, 6));
  await writePng(join(root, 'masks', 'wrong_segmentation.png'), rectMask(6, 8));
  await writeJpeg(join(root, 'images', 'nomask.jpg'));
  await writePng(join(root, 'masks', 'orphan_segmentation.png'), rectMask(8, 6));
  await rejectsWith(openDataset(root, 'seg'), [
    ['nomask.jpg', /no mask nomask_segmentation\.png/],
    ['orphan_segmentation.png', /mask without an image orphan/],
  ]);
  // once pairing is fine, the header check finds the size mismatch
  const clean = await tempDir();
  await writeJpeg(join(clean, 'images', 'ok.jpg'), solid(8, 6));
  await writePng(join(clean, 'masks', 'ok_segmentation.png'), rectMask(8, 6));
  await writeJpeg(join(clean, 'images', 'wrong.jpg'), solid(8, 6));
  await writePng(join(clean, 'masks', 'wrong_segmentation.png'), rectMask(6, 8));
  await writeText(join(clean, 'manifest.csv'), 'id,group_id\nok,g\nwrong,g\nghost,g\nok,g\n');
  await rejectsWith(openDataset(clean, 'seg'), [
    ['manifest.csv:4', /row ghost has no image/],
    ['manifest.csv:5', /duplicate id ok/],
  ]);
  await writeText(join(clean, 'manifest.csv'), 'id,group_id\nok,g\nwrong,g\n');
  await rejectsWith(openDataset(clean, 'seg'), [['wrong_segmentation.png', /mask is 6x8 but its image .*wrong\.jpg is 8x6/]]);
  const noCheck = await openDataset(clean, 'seg', { validate: 'none' });
  assert.equal(noCheck.samples.length, 2);
});

test("a non-binary mask passes 'fast' and fails 'full'; 0/1 masks count as binary", async () => {
  const root = await tempDir();
  await writeJpeg(join(root, 'images', 'soft.jpg'));
  await writePng(join(root, 'masks', 'soft_segmentation.png'), rectMask(8, 6, { x: 0, y: 0, w: 3, h: 3 }, 128));
  await writeJpeg(join(root, 'images', 'ones.jpg'));
  await writePng(join(root, 'masks', 'ones_segmentation.png'), rectMask(8, 6, { x: 0, y: 0, w: 3, h: 3 }, 1));
  assert.equal((await openDataset(root, 'seg', { validate: 'fast' })).samples.length, 2);
  const err = await rejectsWith(openDataset(root, 'seg', { validate: 'full' }), [['soft_segmentation.png', /not binary: found values 0, 128/]]);
  assert.equal(err.problems.length, 1);
});

test('unreadable image files are reported by the header check', async () => {
  const root = await tempDir();
  await writeText(join(root, 'labels.csv'), 'image_id,dx\nA,mel\n');
  await writeText(join(root, 'images', 'A.jpg'), 'not a jpeg at all');
  await rejectsWith(openDataset(root, 'cls'), [['A.jpg', /not a readable image/]]);
});

test('no known layout: the error lists the layouts looked for', async () => {
  const root = await tempDir();
  await writeText(join(root, 'readme.txt'), 'nothing here');
  await assert.rejects(openDataset(root, 'seg'), (err: unknown) => {
    assert.ok(err instanceof DatasetError);
    assert.match(err.message, /No segmentation dataset layout found/);
    assert.match(err.message, /ISIC2018_Task1-2_<Training\|Validation\|Test>_Input/);
    assert.match(err.message, /masks\/<id>_segmentation\.png/);
    return true;
  });
  await assert.rejects(openDataset(root, 'cls'), /HAM10000_metadata\.csv[\s\S]*image,MEL,NV,BCC,AKIEC,BKL,DF,VASC[\s\S]*labels\.csv/);
  await assert.rejects(openDataset(join(root, 'missing'), 'cls'), /does not exist/);
});

test('the error message lists the first 20 problems and counts the rest', async () => {
  const root = await tempDir();
  const rows = Array.from({ length: 25 }, (_, i) => `X${i},mel`).join('\n');
  await writeText(join(root, 'labels.csv'), `image_id,dx\n${rows}\n`);
  await writeJpeg(join(root, 'images', 'unrelated.jpg'));
  const err = await rejectsWith(openDataset(root, 'cls'), [['labels.csv:2', /label row X0 has no image/]]);
  assert.equal(err.problems.length, 25);
  assert.match(err.message, /25 problems/);
  assert.match(err.message, /\.\.\. and 5 more/);
});

test('header sizes follow EXIF orientation, as the decoder does', async () => {
  const root = await tempDir();
  const rotated = join(root, 'rotated.jpg');
  const bytes = await sharp(solid(8, 6).data, { raw: { width: 8, height: 6, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
  await writeText(rotated, bytes);
  assert.deepEqual(await readHeaderSize(rotated), { width: 6, height: 8 });
  assert.deepEqual(await imageSize(rotated), { width: 6, height: 8 });
  const png = join(root, 'plain.png');
  await writePng(png, solid(8, 6));
  assert.deepEqual(await readHeaderSize(png), { width: 8, height: 6 });
});
