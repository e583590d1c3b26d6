/**
 * Streaming input pipeline: samples -> decode -> resize to the model input (cached on disk if
 * asked) -> augment -> normalise -> batches. Only the batches in flight are in memory, never the
 * dataset. The next batches are decoded while the current one trains (bounded prefetch; sharp
 * decodes on libuv's thread pool, so this overlaps with the training step).
 *
 * Order: resize first, then augment at input size. Augmenting the smaller image is cheaper, and
 * the resized image is the same every epoch, so it is what the cache holds.
 */
import { HAM_CLASSES, type ClassifierInput, type ResizeMode } from '../vocabulary.js';
import { decodeImage, decodeMask, extractRoi, fitToSquare, resizeGray } from '../image/index.js';
import type { BBox, GrayImage, RgbImage } from '../image/types.js';
import { augment, type AugmentConfig } from './augment.js';
import { ResizedImageCache } from './cache.js';
import { createRng, hashString, mixSeed } from './random.js';
import type { ClsSample, SegSample } from './types.js';
import { forEachLimited } from './concurrency.js';

/** Model input: HWC RGB 0..255 in, NHWC float32 values out (e.g. src/models/preprocess.ts normalizeToInput). */
export type Normalize = (img: RgbImage) => Float32Array;

interface CommonOptions {
  batchSize: number;
  /** Square side of the model input. */
  inputSize: number;
  /** 'stretch' (the paper) or 'letterbox'; default 'stretch'. */
  resizeMode?: ResizeMode;
  normalize: Normalize;
  /** Reshuffle every epoch (seeded by seed and epoch); default true. */
  shuffle?: boolean;
  seed?: number;
  /** Augmentation for training; null/absent for evaluation. */
  augment?: AugmentConfig | null;
  /** Batches prepared ahead of the one being consumed; default 2. */
  prefetch?: number;
  /** Images decoded at once within a batch; default 4. */
  concurrency?: number;
  /** Directory for resized copies of the images (see cache.ts); none by default. */
  cacheDir?: string;
  /** Leave out the last, smaller batch; default false. */
  dropRemainder?: boolean;
  /** Applied to every image once it has the input size, before augmentation (the model's colour constancy). */
  prepare?: (img: RgbImage) => RgbImage;
  /**
   * Draw this many samples per epoch, with replacement, with probability proportional to
   * `sampleWeights` (default equal): class-balanced sampling, or a fresh subset of a large pool
   * each epoch. Absent: every sample once per epoch.
   */
  epochSize?: number;
  sampleWeights?: readonly number[];
}

export interface SegStreamOptions extends CommonOptions {
  task: 'seg';
  samples: readonly SegSample[];
}

export interface ClsStreamOptions extends CommonOptions {
  task: 'cls';
  samples: readonly ClsSample[];
  /** One-hot order; default HAM_CLASSES. */
  classes?: readonly string[];
  /** What the classifier sees of each image; 'roi'/'crop' cut the lesion by the sample's mask (whole image without one). */
  view?: { input: ClassifierInput; margin: number };
}

export type BatchStreamOptions = SegStreamOptions | ClsStreamOptions;

export interface Batch {
  /** NHWC inputs, already normalised: [n, inputSize, inputSize, 3]. */
  x: Float32Array;
  xShape: [number, number, number, number];
  /** seg: masks as 0/1, [n, inputSize, inputSize, 1]; cls: one-hot, [n, classes]. */
  y: Float32Array;
  yShape: number[];
  ids: string[];
}

export interface BatchStream {
  samples: number;
  stepsPerEpoch: number;
  /** The batches of one epoch; the same epoch number always gives the same batches. */
  epoch(epoch: number): AsyncGenerator<Batch>;
}

interface Resized {
  image: RgbImage;
  mask: GrayImage | null;
}

/** Masks become 0/255: above half of 255, or any non-zero value in a 0/1 mask. */
function binarize(mask: GrayImage): GrayImage {
  let max = 0;
  for (const v of mask.data) if (v > max) max = v;
  const cut = max <= 1 ? 0 : 127;
  const data = new Uint8Array(mask.data.length);
  for (let i = 0; i < data.length; i++) data[i] = mask.data[i]! > cut ? 255 : 0;
  return { width: mask.width, height: mask.height, data };
}

/** The mask brought to the same square geometry as its image: nearest resize into `content`, 0 outside. */
async function maskToSquare(mask: GrayImage, size: number, content: BBox): Promise<GrayImage> {
  const resized = await resizeGray(mask, content.width, content.height, 'nearest');
  if (content.width === size && content.height === size) return resized;
  const data = new Uint8Array(size * size);
  for (let y = 0; y < content.height; y++) {
    data.set(resized.data.subarray(y * content.width, (y + 1) * content.width), (content.y + y) * size + content.x);
  }
  return { width: size, height: size, data };
}

function makeLoader(opts: BatchStreamOptions) {
  const size = opts.inputSize;
  const mode = opts.resizeMode ?? 'stretch';
  const cache = opts.cacheDir ? new ResizedImageCache(opts.cacheDir) : null;
  const view = opts.task === 'cls' && opts.view && opts.view.input !== 'image' ? opts.view : null;
  const rgbVariant = `rgb-${mode}-${size}${view ? `-${view.input}${view.margin}` : ''}`;
  const maskVariant = `mask-${mode}-${size}`;

  /** The whole image, or the lesion cut by its mask for an ROI/crop classifier. */
  async function source(imagePath: string, lesionMaskPath: string | undefined): Promise<RgbImage> {
    const image = await decodeImage(imagePath);
    if (!view || !lesionMaskPath) return image;
    return extractRoi(image, binarize(await decodeMask(lesionMaskPath)), { margin: view.margin, applyMask: view.input === 'roi' }).roi;
  }

  return async function load(imagePath: string, maskPath: string | null, lesionMaskPath?: string): Promise<Resized> {
    // A lesion view depends on the mask it was cut with as well as on the image.
    const imageKey = { file: imagePath, variant: view && lesionMaskPath ? `${rgbVariant}:${lesionMaskPath}` : rgbVariant };
    if (cache) {
      const image = await cache.get(imageKey, size * size * 3);
      const mask = maskPath ? await cache.get({ file: maskPath, variant: maskVariant }, size * size) : null;
      if (image && (mask || !maskPath)) {
        return { image: { width: size, height: size, data: image }, mask: mask && { width: size, height: size, data: mask } };
      }
    }
    const { image, transform } = await fitToSquare(await source(imagePath, lesionMaskPath), size, mode);
    let mask: GrayImage | null = null;
    if (maskPath) {
      const decoded = await decodeMask(maskPath);
      if (decoded.width !== transform.sourceWidth || decoded.height !== transform.sourceHeight) {
        throw new Error(`${maskPath}: mask is ${decoded.width}x${decoded.height} but its image ${imagePath} is ${transform.sourceWidth}x${transform.sourceHeight}`);
      }
      mask = await maskToSquare(binarize(decoded), size, transform.content);
    }
    if (cache) {
      await cache.put(imageKey, image.data);
      if (mask && maskPath) await cache.put({ file: maskPath, variant: maskVariant }, mask.data);
    }
    return { image, mask };
  };
}

/** Starts `make()` now and marks its rejection handled until it is awaited (no unhandled-rejection crash). */
function started<T>(make: () => Promise<T>): Promise<T> {
  const promise = make();
  promise.catch(() => undefined);
  return promise;
}

/**
 * A re-playable stream of batches over `samples`. Per epoch, the order and every augmentation are
 * drawn from `seed` and the epoch number (augmentation per sample id), so results do not depend on
 * timing or concurrency.
 */
export function createBatchStream(opts: BatchStreamOptions): BatchStream {
  const { batchSize, inputSize: size } = opts;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  if (opts.samples.length === 0) throw new RangeError('batch stream: no samples');
  const seed = opts.seed ?? 0;
  const prefetch = Math.max(0, opts.prefetch ?? 2);
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const classes = opts.task === 'cls' ? (opts.classes ?? HAM_CLASSES) : [];
  const load = makeLoader(opts);
  const n = opts.epochSize ?? opts.samples.length;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`epochSize must be a positive integer, got ${opts.epochSize}`);
  if (opts.sampleWeights && opts.sampleWeights.length !== opts.samples.length) {
    throw new RangeError(`batch stream: ${opts.sampleWeights.length} sample weights for ${opts.samples.length} samples`);
  }
  const stepsPerEpoch = opts.dropRemainder ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  const pixels = size * size;

  /** Cumulative sampling weights, for drawing an epoch with replacement. */
  const cumulative = opts.epochSize === undefined ? null : (() => {
    const c = new Float64Array(opts.samples.length);
    let total = 0;
    opts.samples.forEach((_, i) => {
      const w = opts.sampleWeights?.[i] ?? 1;
      if (!(w >= 0)) throw new RangeError(`sample weight ${i} is ${w}; weights must be non-negative`);
      c[i] = total += w;
    });
    if (!(total > 0)) throw new RangeError('batch stream: the sample weights sum to 0');
    return c;
  })();

  function epochOrder(epochNumber: number): number[] {
    const rng = createRng(mixSeed(seed, epochNumber));
    if (cumulative) {
      const total = cumulative[cumulative.length - 1]!;
      return Array.from({ length: n }, () => {
        const u = rng.uniform(0, total);
        let lo = 0, hi = cumulative.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cumulative[mid]! > u) hi = mid;
          else lo = mid + 1;
        }
        return lo;
      });
    }
    const order = Array.from({ length: n }, (_, i) => i);
    if (opts.shuffle ?? true) rng.shuffle(order);
    return order;
  }

  async function makeBatch(indices: number[], epoch: number, firstDraw: number): Promise<Batch> {
    const count = indices.length;
    const x = new Float32Array(count * pixels * 3);
    const y = new Float32Array(opts.task === 'seg' ? count * pixels : count * classes.length);
    const ids: string[] = [];
    await forEachLimited(indices, concurrency, async (sampleIndex, slot) => {
      const sample = opts.samples[sampleIndex]!;
      ids[slot] = sample.id;
      const maskPath = opts.task === 'seg' ? (sample as SegSample).maskPath : null;
      let { image, mask } = await load(sample.imagePath, maskPath, (sample as ClsSample).maskPath);
      if (opts.prepare) image = opts.prepare(image);
      // A sample drawn twice in one epoch gets two different augmentations.
      const augmentSeed = cumulative ? mixSeed(seed, epoch, hashString(sample.id), firstDraw + slot) : mixSeed(seed, epoch, hashString(sample.id));
      if (opts.augment) ({ image, mask } = augment(image, mask, opts.augment, createRng(augmentSeed)));
      const input = opts.normalize(image);
      if (input.length !== pixels * 3) {
        throw new RangeError(`normalize returned ${input.length} values for a ${size}x${size} image (expected ${pixels * 3})`);
      }
      x.set(input, slot * pixels * 3);
      if (mask) {
        for (let i = 0; i < pixels; i++) y[slot * pixels + i] = mask.data[i]! > 127 ? 1 : 0;
      } else {
        const label = (sample as ClsSample).label;
        const k = classes.indexOf(label);
        if (k < 0) throw new RangeError(`${sample.imagePath}: label ${label} is not one of ${classes.join(', ')}`);
        y[slot * classes.length + k] = 1;
      }
    });
    return {
      x,
      xShape: [count, size, size, 3],
      y,
      yShape: opts.task === 'seg' ? [count, size, size, 1] : [count, classes.length],
      ids,
    };
  }

  async function* epoch(epochNumber: number): AsyncGenerator<Batch> {
    const order = epochOrder(epochNumber);
    const batches: number[][] = [];
    for (let step = 0; step < stepsPerEpoch; step++) batches.push(order.slice(step * batchSize, (step + 1) * batchSize));
    const pending: Promise<Batch>[] = [];
    let next = 0;
    const fill = () => {
      while (pending.length <= prefetch && next < batches.length) {
        const first = next * batchSize;
        const indices = batches[next++]!;
        pending.push(started(() => makeBatch(indices, epochNumber, first)));
      }
    };
    fill();
    while (pending.length > 0) {
      const batch = await pending.shift()!;
      fill();
      yield batch;
    }
  }

  return { samples: n, stepsPerEpoch, epoch };
}
