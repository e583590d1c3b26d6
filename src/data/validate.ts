/**
 * File-level checks run when a dataset is opened. 'fast' reads only image headers (parsed here for
 * PNG/JPEG, sharp metadata otherwise), so 2,500 image+mask pairs take well under a second; 'full' also decodes.
 */
import { ImageDecodeError, decodeImage, decodeMask, imageSize } from '../image/index.js';
import type { GrayImage } from '../image/types.js';
import { ProblemList } from './errors.js';
import { forEachLimited } from './concurrency.js';
import { readHeaderSize, type ImageSize } from './image-header.js';
import type { ClsSample, Dataset, SegSample, ValidationLevel } from './types.js';

/** Header reads / decodes kept in flight at once: enough to hide file latency, few enough to stay light. */
const IO_CONCURRENCY = 16;

/** Width x height as displayed (after EXIF orientation, as the decoder will deliver the pixels). */
async function displaySize(file: string): Promise<ImageSize> {
  return (await readHeaderSize(file)) ?? (await imageSize(file));
}

/** The error's text without the file name (the problem list names the file already). */
function reason(err: unknown): string {
  if (err instanceof ImageDecodeError) return err.problem;
  return err instanceof Error ? err.message.split('\n')[0]! : String(err);
}

/**
 * A mask is binary when every pixel is 0 or 255 (the ISIC convention), or every pixel is 0 or 1
 * (a common numpy export). Anti-aliased or JPEG-compressed masks are not. Returns the problem or null.
 */
export function maskBinaryProblem(mask: GrayImage): string | null {
  const seen = new Set<number>();
  for (const v of mask.data) {
    if (seen.has(v)) continue;
    seen.add(v);
    if (seen.size > 2) break;
  }
  const values = [...seen].sort((a, b) => a - b);
  if (values.every((v) => v === 0 || v === 255) || values.every((v) => v === 0 || v === 1)) return null;
  return `mask is not binary: found values ${values.join(', ')}${seen.size > 2 ? ', ...' : ''} (expected only 0 and 255)`;
}

async function validateSeg(samples: readonly SegSample[], level: ValidationLevel, problems: ProblemList): Promise<void> {
  await forEachLimited(samples, IO_CONCURRENCY, async (sample) => {
    const [image, mask] = await Promise.all([
      displaySize(sample.imagePath).catch((err) => problems.add(sample.imagePath, `not a readable image: ${reason(err)}`)),
      displaySize(sample.maskPath).catch((err) => problems.add(sample.maskPath, `not a readable image: ${reason(err)}`)),
    ]);
    if (!image || !mask) return;
    if (image.width !== mask.width || image.height !== mask.height) {
      problems.add(sample.maskPath, `mask is ${mask.width}x${mask.height} but its image ${sample.imagePath} is ${image.width}x${image.height}`);
      return;
    }
    if (level === 'full') {
      const problem = await decodeMask(sample.maskPath).then(maskBinaryProblem, (err) => `mask cannot be decoded: ${reason(err)}`);
      if (problem) problems.add(sample.maskPath, problem);
    }
  });
}

async function validateCls(samples: readonly ClsSample[], level: ValidationLevel, problems: ProblemList): Promise<void> {
  await forEachLimited(samples, IO_CONCURRENCY, async (sample) => {
    try {
      if (level === 'full') await decodeImage(sample.imagePath);
      else await displaySize(sample.imagePath);
    } catch (err) {
      problems.add(sample.imagePath, `not a readable image: ${reason(err)}`);
    }
  });
}

/** Checks a dataset's files at `level`; problems are added to `problems` (nothing is thrown). */
export async function validateDataset(dataset: Dataset, level: ValidationLevel, problems: ProblemList): Promise<void> {
  if (level === 'none') return;
  if (dataset.task === 'seg') await validateSeg(dataset.samples, level, problems);
  else await validateCls(dataset.samples, level, problems);
}
