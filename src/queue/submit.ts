/**
 * `queue submit`: one job per image, added in chunks so that workers start on the first images
 * while the rest are still being hashed. An image already done for this output folder (its
 * record is there, same name and content) is not submitted again, so a resubmit is idempotent.
 */
import { constants } from 'node:fs';
import { access, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { forEachLimited } from '../data/concurrency.js';
import { exists } from '../fs.js';
import { DEFAULT_MAX_PIXELS } from '../image/decode.js';
import { readModelConfig } from '../models/io.js';
import { collectInputs, outputNames } from '../pipeline/batch.js';
import { DEFAULT_CLASSIFIER_DIR, DEFAULT_SEGMENTER_DIR } from '../pipeline/defaults.js';
import { newBatchId, type BatchEntry, type BatchSpec } from './batch-store.js';
import type { QueueClient } from './client.js';
import type { JobsOptions } from 'bullmq';
import { JOB_NAME, jobOptions, type ImageJobData } from './jobs.js';
import { contentHash, LEDGER_DIR, ledgerName } from './ledger.js';

/** Largest image put in a job with `--inline`: jobs live in Redis's memory until done. */
export const MAX_INLINE_BYTES = 16 * 1024 * 1024;
const CHUNK = 200;
const READS_AT_ONCE = 8;

/** An image to submit: a path on shared storage, or bytes already in memory (an upload; inline only). */
export interface ImageSource {
  file: string;
  bytes?: Buffer;
}

export interface SubmitOptions {
  out: string;
  seg?: string;
  cls?: string;
  /** Mask threshold instead of the segmenter's own. */
  maskThreshold?: number;
  roi?: boolean;
  tta?: boolean;
  maxPixels?: number;
  inline?: boolean;
  /** Batch id to use (default: a new one). */
  id?: string;
}

export interface SubmitResult {
  batch: string;
  submitted: number;
  skipped: number;
}

export class SubmitError extends Error {
  override readonly name = 'SubmitError';
}

/** Inputs (files and folders, recursively) as absolute paths: workers elsewhere have other working directories. */
export async function pathSources(inputs: string[]): Promise<{ sources: ImageSource[]; missing: string[] }> {
  const { files, missing } = await collectInputs(inputs.map((i) => path.resolve(i)));
  return { sources: files.map((file) => ({ file })), missing };
}

async function modelClasses(seg: string | undefined, cls: string | undefined): Promise<string[]> {
  const [s, c] = await Promise.all([readModelConfig(seg ?? DEFAULT_SEGMENTER_DIR), readModelConfig(cls ?? DEFAULT_CLASSIFIER_DIR)]);
  if (s.kind !== 'segmenter') throw new SubmitError(`--seg ${seg}: a ${s.kind}, not a segmenter`);
  if (c.kind !== 'classifier') throw new SubmitError(`--cls ${cls}: a ${c.kind}, not a classifier`);
  return c.classes ?? [];
}

/** Before anything is submitted: an inline image has to be read here, and to fit in a job. */
async function checkInline(sources: ImageSource[]): Promise<void> {
  for (const s of sources) {
    let size = s.bytes?.length;
    if (size === undefined) {
      try {
        size = (await stat(s.file)).size;
        await access(s.file, constants.R_OK);
      } catch (e) {
        throw new SubmitError(`${s.file}: cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
    }
    if (size > MAX_INLINE_BYTES) throw new SubmitError(`${s.file}: ${size} bytes, over the ${MAX_INLINE_BYTES}-byte limit of an --inline image`);
  }
}

export async function submitBatch(client: QueueClient, sources: ImageSource[], opts: SubmitOptions): Promise<SubmitResult> {
  if (sources.length === 0) throw new SubmitError('no images to submit');
  const inline = opts.inline === true || sources.some((s) => s.bytes !== undefined);
  if (inline) await checkInline(sources);
  const spec: BatchSpec = {
    id: opts.id ?? newBatchId(),
    out: path.resolve(opts.out),
    ...(opts.seg ? { seg: path.resolve(opts.seg) } : {}),
    ...(opts.cls ? { cls: path.resolve(opts.cls) } : {}),
    ...(opts.maskThreshold !== undefined ? { maskThreshold: opts.maskThreshold } : {}),
    roi: opts.roi,
    tta: opts.tta,
    maxPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS,
    inline,
    classes: await modelClasses(opts.seg, opts.cls),
    total: sources.length,
    createdAt: new Date().toISOString(),
  };
  await mkdir(path.join(spec.out, LEDGER_DIR), { recursive: true });
  await client.store.save(spec);

  const names = outputNames(sources.map((s) => s.file));
  const result: SubmitResult = { batch: spec.id, submitted: 0, skipped: 0 };
  for (let start = 0; start < sources.length; start += CHUNK) {
    const chunk = sources.slice(start, start + CHUNK);
    // An image that cannot be read here is still submitted (unhashed): its job then fails with
    // the reason, named in `queue results` like every other failure.
    const bytes: (Buffer | undefined)[] = [];
    await forEachLimited(chunk, READS_AT_ONCE, async (s, k) => {
      bytes[k] = s.bytes ?? (await readFile(s.file).catch(() => undefined));
    });
    const entries: BatchEntry[] = chunk.map((s, k) => ({ file: s.file, name: names[start + k]!, hash: bytes[k] ? contentHash(bytes[k]) : '' }));
    const done: boolean[] = [];
    await forEachLimited(entries, READS_AT_ONCE, async (e, k) => {
      done[k] = e.hash !== '' && (await exists(path.join(spec.out, ledgerName(e))));
    });
    const skipped: number[] = [];
    const jobs: { name: string; data: ImageJobData; opts: JobsOptions }[] = [];
    entries.forEach((entry, k) => {
      const index = start + k;
      if (done[k]) skipped.push(index);
      else jobs.push({ name: JOB_NAME, data: { ...entry, batch: spec.id, index, ...(inline && bytes[k] ? { image: bytes[k].toString('base64') } : {}) }, opts: jobOptions(spec.id, index, inline) });
    });
    // Entries first: a worker may take a job the moment it is added.
    await client.store.appendEntries(spec.id, entries);
    await client.store.markDone(spec.id, skipped);
    await client.queue.addBulk(jobs);
    result.submitted += jobs.length;
    result.skipped += skipped.length;
  }
  return result;
}
