/**
 * What Redis keeps about a batch besides its jobs: the spec (output folder, models, options), the
 * inputs in order (the order of results.jsonl and summary.csv), and which of them are done. Done
 * is a set of input indices, so a job redone after its worker stalled is counted once.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export const DEFAULT_QUEUE = 'dermkit';

export interface BatchSpec {
  id: string;
  /** Absolute path of the output folder, the same on every machine (shared storage). */
  out: string;
  /** Model folders (absolute paths); absent: each worker's bundled models. */
  seg?: string;
  cls?: string;
  /** Mask threshold instead of the segmenter's own. */
  maskThreshold?: number;
  roi?: boolean;
  tta?: boolean;
  maxPixels: number;
  /** Image bytes travel in the jobs and outputs come back in their results (workers without shared storage). */
  inline: boolean;
  /** The classifier's classes: the columns of summary.csv. */
  classes: string[];
  total: number;
  createdAt: string;
}

/** One input: its absolute path (what results.jsonl names), output base name and content hash. */
export interface BatchEntry {
  file: string;
  name: string;
  hash: string;
}

export class BatchNotFoundError extends Error {
  override readonly name = 'BatchNotFoundError';
}

/** Sortable and readable, unique enough: `20260102-030405-9f3a1c`. */
export function newBatchId(now = new Date()): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

const ENTRY_PAGE = 10_000;

export class BatchStore {
  constructor(
    readonly redis: Redis,
    readonly queue: string,
  ) {}

  private key(id: string, part = ''): string {
    return `dermkit:${this.queue}:batch:${id}${part}`;
  }

  async save(spec: BatchSpec): Promise<void> {
    await this.redis.set(this.key(spec.id), JSON.stringify(spec));
  }

  async spec(id: string): Promise<BatchSpec> {
    const text = await this.redis.get(this.key(id));
    if (text === null) throw new BatchNotFoundError(`no batch ${id} in queue "${this.queue}"`);
    return JSON.parse(text) as BatchSpec;
  }

  async appendEntries(id: string, entries: BatchEntry[]): Promise<void> {
    if (entries.length) await this.redis.rpush(this.key(id, ':entries'), ...entries.map((e) => JSON.stringify(e)));
  }

  async entries(id: string): Promise<BatchEntry[]> {
    const entries: BatchEntry[] = [];
    for (let start = 0; ; start += ENTRY_PAGE) {
      const page = await this.redis.lrange(this.key(id, ':entries'), start, start + ENTRY_PAGE - 1);
      entries.push(...page.map((e) => JSON.parse(e) as BatchEntry));
      if (page.length < ENTRY_PAGE) return entries;
    }
  }

  async markDone(id: string, indices: number[]): Promise<void> {
    if (indices.length) await this.redis.sadd(this.key(id, ':done'), ...indices.map(String));
  }

  async doneCount(id: string): Promise<number> {
    return this.redis.scard(this.key(id, ':done'));
  }

  async isDone(id: string, indices: number[]): Promise<boolean[]> {
    if (!indices.length) return [];
    const flags = await this.redis.smismember(this.key(id, ':done'), ...indices.map(String));
    return flags.map((f) => f === 1);
  }
}
