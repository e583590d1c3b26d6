/**
 * The paper's cascade at training time: the classifier learns from lesion ROIs cut by a
 * segmentation model, exactly as `analyze` cuts them at inference. ROIs are computed once per
 * (segmentation model, image) and cached as PNG files, so later epochs and runs reuse them.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClsSample } from '../data/types.js';
import { decodeImage, encodePng } from '../image/decode.js';
import { extractRoi } from '../image/roi.js';
import { loadPredictor } from '../pipeline/predictor.js';
import { segment } from '../pipeline/analyze.js';
import { WEIGHTS_FILE } from '../models/io.js';
import { exists } from '../fs.js';

async function modelFingerprint(dir: string): Promise<string> {
  return createHash('sha256').update(await readFile(path.join(dir, WEIGHTS_FILE))).digest('hex').slice(0, 16);
}

export async function roiSamples(samples: readonly ClsSample[], segModelDir: string, cacheRoot: string): Promise<ClsSample[]> {
  const dir = path.join(cacheRoot, await modelFingerprint(segModelDir));
  await mkdir(dir, { recursive: true });
  const target = (s: ClsSample) => path.join(dir, `${s.id}.png`);
  const missing: ClsSample[] = [];
  for (const s of samples) if (!(await exists(target(s)))) missing.push(s);
  if (missing.length > 0) {
    const segmenter = await loadPredictor(segModelDir);
    try {
      for (const s of missing) {
        const image = await decodeImage(s.imagePath);
        const { mask } = await segment(image, segmenter);
        const file = target(s);
        await writeFile(`${file}.tmp`, await encodePng(extractRoi(image, mask).roi));
        await rename(`${file}.tmp`, file);
      }
    } finally {
      segmenter.dispose();
    }
  }
  return samples.map((s) => ({ ...s, imagePath: target(s) }));
}
