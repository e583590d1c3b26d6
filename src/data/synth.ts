/**
 * Synthetic dermoscopy datasets for tests, demos and smoke-training: plausible-looking images with
 * exact masks and class labels, written in the layouts `openDataset` reads:
 *
 *   out/images/<id>.jpg
 *   out/masks/<id>_segmentation.png   + out/manifest.csv (id,group_id,dx)     (task seg / both)
 *   out/labels.csv (image_id,dx,lesion_id)                                      (task cls / both)
 *
 * Classes go round-robin over lesions (balanced); about a quarter of lesions are photographed
 * twice, so grouped splits have real groups to keep together. Deterministic for a given seed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeJpeg, encodePng } from '../image/index.js';
import type { RgbImage } from '../image/types.js';
import { HAM_CLASSES, type HamClass } from '../vocabulary.js';
import { formatCsv } from './csv.js';
import { createRng, mixSeed } from './random.js';
import { renderDermoscopy } from './synth/render.js';

/** What a synthetic dataset holds: masks (seg), labels (cls), or both. */
export const SYNTH_TASKS = ['seg', 'cls', 'both'] as const;

export interface SynthOptions {
  /** Output folder (created if missing). */
  out: string;
  /** Number of images. */
  n: number;
  /** Image width in pixels; height is 3/4 of it (the HAM10000 aspect). Default 128. */
  size?: number;
  seed: number;
  task: (typeof SYNTH_TASKS)[number];
  /** Share of lesions photographed twice; default 0.25. */
  repeatFraction?: number;
  /** JPEG quality; default 92. */
  quality?: number;
}

export interface SynthResult {
  out: string;
  ids: string[];
  labels: Map<string, HamClass>;
  groups: Map<string, string>;
}

/** Files encoded and written at once: sharp encodes off the main thread while the next image renders. */
const WRITE_CONCURRENCY = 8;

export async function generateSynthetic(opts: SynthOptions): Promise<SynthResult> {
  const { out, n, seed, task } = opts;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  const width = opts.size ?? 128;
  if (!Number.isInteger(width) || width < 16) throw new RangeError(`size must be an integer >= 16, got ${width}`);
  const height = Math.round((width * 3) / 4);
  const quality = opts.quality ?? 92;
  const withMasks = task !== 'cls';
  const withLabels = task !== 'seg';
  await mkdir(join(out, 'images'), { recursive: true });
  if (withMasks) await mkdir(join(out, 'masks'), { recursive: true });

  const rng = createRng(mixSeed(seed, 0x5e17));
  const repeat = opts.repeatFraction ?? 0.25;
  const ids: string[] = [];
  const labels = new Map<string, HamClass>();
  const groups = new Map<string, string>();
  const writes = new Set<Promise<void>>();
  const write = async (job: () => Promise<void>) => {
    if (writes.size >= WRITE_CONCURRENCY) await Promise.race(writes);
    const promise = job().finally(() => writes.delete(promise));
    writes.add(promise);
  };

  for (let lesion = 0; ids.length < n; lesion++) {
    const dx = HAM_CLASSES[lesion % HAM_CLASSES.length]!;
    const lesionId = `SYNL_${String(lesion + 1).padStart(6, '0')}`;
    const lesionSeed = mixSeed(seed, lesion, 1);
    const shots = rng.chance(repeat) ? 2 : 1;
    for (let shot = 0; shot < shots && ids.length < n; shot++) {
      const id = `SYN_${String(ids.length + 1).padStart(7, '0')}`;
      const { image, mask } = renderDermoscopy({ width, height, lesion: { dx, seed: lesionSeed }, shotSeed: mixSeed(seed, lesion, shot, 2) });
      ids.push(id);
      labels.set(id, dx);
      groups.set(id, lesionId);
      await write(async () => {
        await writeFile(join(out, 'images', `${id}.jpg`), await encodeJpeg(image, quality));
        if (withMasks) await writeFile(join(out, 'masks', `${id}_segmentation.png`), await encodePng(mask));
      });
    }
  }
  await Promise.all(writes);

  if (withMasks) {
    await writeFile(join(out, 'manifest.csv'), formatCsv(['id', 'group_id', 'dx'], ids.map((id) => [id, groups.get(id)!, labels.get(id)!])));
  }
  if (withLabels) {
    await writeFile(join(out, 'labels.csv'), formatCsv(['image_id', 'dx', 'lesion_id'], ids.map((id) => [id, labels.get(id)!, groups.get(id)!])));
  }
  return { out, ids, labels, groups };
}

/** Seeds of the bundled demo picture `samples/lesion.jpg` (a melanoma-like lesion, 600x450). */
export const SAMPLE_LESION = { lesionSeed: 7014, shotSeed: 3, width: 600, height: 450 } as const;

/** Renders the bundled demo picture (see SAMPLE_LESION), e.g. to regenerate samples/lesion.jpg. */
export function renderSampleLesion(): RgbImage {
  const { lesionSeed, shotSeed, width, height } = SAMPLE_LESION;
  return renderDermoscopy({ width, height, lesion: { dx: 'mel', seed: lesionSeed }, shotSeed, hairs: 4, vignette: true, ruler: false }).image;
}
