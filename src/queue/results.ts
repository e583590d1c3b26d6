/**
 * `queue results`: results.jsonl and summary.csv of a finished batch, as `analyze` writes them
 * (one record per input, in input order). Records come from the output folder's ledger; an
 * inline batch's results are first fetched from their jobs and written there with their images.
 * A failed input's record carries its job's failure reason.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { forEachLimited } from '../data/concurrency.js';
import { failureRecord, RESULTS_FILE, resultLine, writeOutputs, writeSummary, type BatchRecord } from '../pipeline/batch.js';
import type { BatchEntry, BatchSpec } from './batch-store.js';
import type { QueueClient } from './client.js';
import { jobId, type InlineResult } from './jobs.js';
import { LEDGER_DIR, ledgerFile, readRecord } from './ledger.js';
import { batchStatus, isFinished, type BatchStatus } from './status.js';

export interface BatchResults {
  spec: BatchSpec;
  out: string;
  records: BatchRecord[];
  failed: BatchRecord[];
}

export class BatchNotFinishedError extends Error {
  override readonly name = 'BatchNotFinishedError';
  constructor(readonly status: BatchStatus) {
    super(`batch ${status.batch} is not finished: ${status.waiting} waiting, ${status.active} active of ${status.total}`);
  }
}

const LOOKUPS_AT_ONCE = 32;

/** An inline job's outputs and record, written into `out` (record last); then the job has served its purpose. */
async function collectInline(client: QueueClient, out: string, batch: string, index: number, entry: BatchEntry): Promise<BatchRecord | undefined> {
  const job = await client.queue.getJob(jobId(batch, index));
  const result = job?.returnvalue as InlineResult | null | undefined;
  if (!job || !result?.record) return undefined;
  const files = Object.fromEntries(Object.entries(result.files).map(([name, b64]) => [name, Buffer.from(b64, 'base64')]));
  await writeOutputs(out, { ...files, ...ledgerFile(entry, result.record) });
  await job.remove();
  return result.record;
}

async function failureOf(client: QueueClient, batch: string, index: number, entry: BatchEntry): Promise<BatchRecord> {
  const job = await client.queue.getJob(jobId(batch, index));
  const reason = job?.failedReason || 'no result: the job is gone from Redis; submit the image again';
  return failureRecord(entry.file, entry.name, reason);
}

async function recordOf(client: QueueClient, spec: BatchSpec, out: string, index: number, entry: BatchEntry): Promise<BatchRecord> {
  const done = entry.hash !== '' ? await readRecord(out, entry) : undefined;
  if (done) return done;
  const collected = spec.inline ? await collectInline(client, out, spec.id, index, entry) : undefined;
  return collected ?? failureOf(client, spec.id, index, entry);
}

/** Write the results of finished batch `batch` into `out` (default: the batch's output folder). */
export async function writeBatchResults(client: QueueClient, batch: string, out?: string): Promise<BatchResults> {
  const status = await batchStatus(client, batch);
  if (!isFinished(status)) throw new BatchNotFinishedError(status);
  const spec = await client.store.spec(batch);
  const dir = path.resolve(out ?? spec.out);
  await mkdir(path.join(dir, LEDGER_DIR), { recursive: true });
  const entries = await client.store.entries(batch);
  const records: BatchRecord[] = new Array(entries.length);
  await forEachLimited(entries, LOOKUPS_AT_ONCE, async (entry, i) => {
    records[i] = await recordOf(client, spec, dir, i, entry);
  });
  await writeFile(path.join(dir, RESULTS_FILE), records.map(resultLine).join(''));
  await writeSummary(dir, records, spec.classes);
  return { spec, out: dir, records, failed: records.filter((r) => !r.ok) };
}
