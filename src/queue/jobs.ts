/**
 * One BullMQ job per image. Its id is `<batch>-<input index>`, so a batch's jobs are found by id
 * alone. A bad image fails its job at once (UnrecoverableError); anything else (a read or write
 * that hit a full disk or a flaky mount, Redis away) is retried with exponential backoff, a
 * bounded number of times.
 */
import type { JobsOptions } from 'bullmq';
import { ImageDecodeError } from '../image/decode.js';
import type { BatchRecord } from '../pipeline/batch.js';
import type { BatchEntry } from './batch-store.js';

export const JOB_NAME = 'analyze';

export interface ImageJobData extends BatchEntry {
  batch: string;
  index: number;
  /** The image's bytes, base64, for workers without shared storage (`--inline`). */
  image?: string;
}

/** What an inline job answers: the record and the output files (name -> base64), for `queue results` to write. */
export interface InlineResult {
  record: BatchRecord;
  files: Record<string, string>;
}

export const ATTEMPTS = 5;

export function jobId(batch: string, index: number): string {
  return `${batch}-${index}`;
}

/** The input index of one of `batch`'s jobs, or undefined for another batch's job. */
export function jobIndex(batch: string, id: string): number | undefined {
  return id.startsWith(`${batch}-`) ? Number(id.slice(batch.length + 1)) : undefined;
}

export function jobOptions(batch: string, index: number, inline: boolean): JobsOptions {
  return {
    jobId: jobId(batch, index),
    attempts: ATTEMPTS,
    backoff: { type: 'exponential', delay: 2000 },
    // A shared-storage job's result is its record in the output folder; an inline job's result
    // is kept until `queue results` has written it there. Failures stay, with their reasons.
    removeOnComplete: !inline,
    removeOnFail: false,
  };
}

/** errno codes of trouble that passes: the same read may well work a little later. */
const TRANSIENT_READ_ERRORS = new Set(['EIO', 'EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'ESTALE', 'ETIMEDOUT', 'EINTR']);

/** The image itself is at fault (corrupt, not an image, too large, missing): retrying cannot help. */
export function isBadImage(e: unknown): boolean {
  if (!(e instanceof ImageDecodeError)) return false;
  const code = (e.cause as NodeJS.ErrnoException | undefined)?.code;
  return !(code !== undefined && TRANSIENT_READ_ERRORS.has(code));
}
