/** Small on-disk fixtures for the dataset tests. Not a test file itself (no `.test.ts`). */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import { encodeJpeg, encodePng } from '../../src/image/index.js';
import type { GrayImage, RgbImage } from '../../src/image/types.js';

/** A fresh temporary folder, removed when the test file finishes. */
export async function tempDir(prefix = 'dermkit-data-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export function solid(width: number, height: number, rgb: [number, number, number] = [200, 150, 120]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { width, height, data };
}

/** Mask with a filled rectangle of `value` (default 255) on 0. */
export function rectMask(width: number, height: number, rect = { x: 1, y: 1, w: 2, h: 2 }, value = 255): GrayImage {
  const data = new Uint8Array(width * height);
  for (let y = rect.y; y < rect.y + rect.h; y++) for (let x = rect.x; x < rect.x + rect.w; x++) data[y * width + x] = value;
  return { width, height, data };
}

async function put(path: string, bytes: Buffer | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
}

export async function writeJpeg(path: string, img: RgbImage = solid(8, 6)): Promise<void> {
  await put(path, await encodeJpeg(img, 90));
}

export async function writePng(path: string, img: RgbImage | GrayImage): Promise<void> {
  await put(path, await encodePng(img));
}

export async function writeText(path: string, content: string | Buffer): Promise<void> {
  await put(path, content);
}
