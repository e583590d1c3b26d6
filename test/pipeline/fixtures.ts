import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createClassifier, createSegmenter } from '../../src/models/registry.js';
import { saveModel } from '../../src/models/io.js';

/** Tiny untrained segmenter + classifier saved in a temp folder (fast to build and run). */
export async function tinyModels(): Promise<{ root: string; seg: string; cls: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'dermkit-models-'));
  const seg = path.join(root, 'seg');
  const cls = path.join(root, 'cls');
  const s = createSegmenter({ arch: 'unet', encoder: 'mobilenetv2', inputSize: 64, alpha: 0.35 });
  const c = createClassifier({ encoder: 'mobilenetv2', inputSize: 64, alpha: 0.35 });
  await saveModel(seg, s);
  await saveModel(cls, c);
  s.model.dispose();
  c.model.dispose();
  return { root, seg, cls };
}

/** A dermoscopy-ish test picture: skin-coloured background with a dark ellipse. */
export function lesionPicture(width: number, height: number): sharp.Sharp {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="#d9a38b"/>
    <ellipse cx="${width / 2}" cy="${height / 2}" rx="${width / 5}" ry="${height / 6}" fill="#4a2a1c"/></svg>`;
  return sharp(Buffer.from(svg));
}

export async function writeTestImages(dir: string): Promise<Record<string, string>> {
  const files = {
    small: path.join(dir, 'small.jpg'),
    large: path.join(dir, 'large.jpg'),
    alpha: path.join(dir, 'alpha.png'),
  };
  await lesionPicture(600, 450).jpeg().toFile(files.small);
  await lesionPicture(4000, 3000).jpeg({ quality: 70 }).toFile(files.large);
  await lesionPicture(300, 200).ensureAlpha(0.5).png().toFile(files.alpha);
  return files;
}

export async function writeBadImages(dir: string): Promise<{ truncated: string; text: string }> {
  const full = await lesionPicture(200, 150).jpeg().toBuffer();
  const truncated = path.join(dir, 'truncated.jpg');
  const text = path.join(dir, 'notes.jpg');
  await writeFile(truncated, full.subarray(0, Math.floor(full.length / 2)));
  await writeFile(text, 'this is not an image\n');
  return { truncated, text };
}
