/**
 * The record of every analysed image, kept in the output folder beside its mask, ROI and
 * overlay: `<out>/.dermkit-queue/<name>.<content hash>.json`. It is written last, so it exists
 * only once the image's outputs do; it is what makes an image done (a resubmit skips it) and
 * what `queue results` reads. Keyed by name and content, one image has one record however many
 * times its job ran.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BatchRecord } from '../pipeline/batch.js';
import type { BatchEntry } from './batch-store.js';

export const LEDGER_DIR = '.dermkit-queue';

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 32);
}

/** The record's file name, relative to the output folder (the form `writeOutputs` takes). */
export function ledgerName(entry: Pick<BatchEntry, 'name' | 'hash'>): string {
  return path.join(LEDGER_DIR, `${entry.name}.${entry.hash}.json`);
}

export function ledgerFile(entry: Pick<BatchEntry, 'name' | 'hash'>, record: BatchRecord): Record<string, Buffer> {
  return { [ledgerName(entry)]: Buffer.from(JSON.stringify(record)) };
}

/** The image's record, or undefined when it is not done. */
export async function readRecord(out: string, entry: BatchEntry): Promise<BatchRecord | undefined> {
  const text = await readFile(path.join(out, ledgerName(entry)), 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  return text === undefined ? undefined : (JSON.parse(text) as BatchRecord);
}
