/**
 * A batch's progress. Done comes from the batch's done set; active and failed from BullMQ's own
 * lists of job ids (a batch's job ids start with its id), so a status costs the number of
 * running and failed jobs, not the size of the batch. Waiting is the rest (delayed retries included).
 */
import type { QueueClient } from './client.js';
import { jobIndex } from './jobs.js';

export interface BatchStatus {
  batch: string;
  total: number;
  waiting: number;
  active: number;
  done: number;
  failed: number;
}

async function indicesIn(client: QueueClient, batch: string, state: 'active' | 'failed'): Promise<number[]> {
  const ids = await client.queue.getRanges([state], 0, -1);
  return ids.map((id) => jobIndex(batch, id)).filter((i): i is number => i !== undefined);
}

/** Of `indices`, those not done: a job can be done and still briefly active (finishing) or failed on a stale attempt. */
async function notDone(client: QueueClient, batch: string, indices: number[]): Promise<number[]> {
  const done = await client.store.isDone(batch, indices);
  return indices.filter((_, k) => !done[k]);
}

export async function batchStatus(client: QueueClient, batch: string): Promise<BatchStatus> {
  const spec = await client.store.spec(batch);
  const [done, active, failed] = await Promise.all([
    client.store.doneCount(batch),
    indicesIn(client, batch, 'active').then((i) => notDone(client, batch, i)),
    indicesIn(client, batch, 'failed').then((i) => notDone(client, batch, i)),
  ]);
  const waiting = Math.max(0, spec.total - done - active.length - failed.length);
  return { batch, total: spec.total, waiting, active: active.length, done, failed: failed.length };
}

export function isFinished(s: BatchStatus): boolean {
  return s.waiting === 0 && s.active === 0;
}

/** The indices of the batch's failed inputs. */
export async function failedIndices(client: QueueClient, batch: string): Promise<number[]> {
  return notDone(client, batch, await indicesIn(client, batch, 'failed'));
}
