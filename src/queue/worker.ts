/**
 * `dermkit worker`: takes image jobs from the queue and runs the cascade with the models each
 * batch names, loaded once per worker and kept. Outputs go to the batch's output folder (shared
 * storage), or back in the job's result for `--inline` batches.
 *
 * Faults are BullMQ's to handle: a worker that dies mid-job stops renewing its job's lock, and
 * another worker's stalled-job check puts the job back in the queue; failed attempts are retried
 * with backoff; Redis going away pauses the worker until it is back.
 */
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { analyzeImage, writeOutputs, type ImageOutputs } from '../pipeline/batch.js';
import { createAnalyzer, withMaskThreshold, type Analyzer } from '../pipeline/analyzer.js';
import { DEFAULT_CLASSIFIER_DIR, DEFAULT_SEGMENTER_DIR } from '../pipeline/defaults.js';
import type { EngineName } from '../pipeline/predictor.js';
import { BatchStore, DEFAULT_QUEUE, type BatchSpec } from './batch-store.js';
import { connectRedis, redactedUrl } from './connection.js';
import { ATTEMPTS, isBadImage, type ImageJobData, type InlineResult } from './jobs.js';
import { LEDGER_DIR, ledgerFile } from './ledger.js';

export interface WorkerOptions {
  redisUrl: string;
  queue?: string;
  /** Images analysed at once. */
  concurrency?: number;
  engine?: EngineName;
  threads?: number;
  /**
   * How long a job stays with a worker that has stopped answering before another worker takes
   * it (BullMQ's lock duration; the stalled check runs as often). Default 30 s.
   */
  lockDurationMs?: number;
  /** Shown on the jobs it takes (BullMQ's processedBy). Default `<host>:<pid>`. */
  name?: string;
  log?: (line: string) => void;
}

export interface RunningWorker {
  name: string;
  /** Stop taking jobs, finish those in flight, then let go of Redis and the models. */
  close(): Promise<void>;
}

/** Each batch's models, loaded the first time a job of theirs comes and kept for the worker's life. */
class ModelCache {
  private readonly loaded = new Map<string, Promise<Analyzer>>();
  constructor(
    private readonly engine: EngineName,
    private readonly threads: number | undefined,
  ) {}

  get(spec: BatchSpec): Promise<Analyzer> {
    const seg = spec.seg ?? DEFAULT_SEGMENTER_DIR;
    const cls = spec.cls ?? DEFAULT_CLASSIFIER_DIR;
    const key = `${seg}\0${cls}`;
    let models = this.loaded.get(key);
    if (!models) {
      models = createAnalyzer({ seg, cls, engine: this.engine, threads: this.threads });
      // A model folder that failed to load is tried again by the next job rather than remembered.
      models.catch(() => this.loaded.delete(key));
      this.loaded.set(key, models);
    }
    return models;
  }

  async dispose(): Promise<void> {
    for (const models of this.loaded.values()) (await models.catch(() => undefined))?.dispose();
  }
}

/** Where an analysed image goes: into the shared output folder (record last), or back in the job's result. */
const DELIVERIES: Record<'shared' | 'inline', (spec: BatchSpec, job: ImageJobData, outputs: ImageOutputs) => Promise<InlineResult | null>> = {
  async shared(spec, job, { record, files }) {
    await mkdir(path.join(spec.out, LEDGER_DIR), { recursive: true });
    await writeOutputs(spec.out, { ...files, ...ledgerFile(job, record) });
    return null;
  },
  async inline(_spec, _job, { record, files }) {
    return { record, files: Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, bytes.toString('base64')])) };
  },
};

function isFinalFailure(job: Job, err: Error): boolean {
  return err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? ATTEMPTS);
}

/** Log lines of connection trouble, once per outage rather than once per retry. */
function outageLogger(log: (line: string) => void): { error(e: Error): void; ready(): void } {
  let down = false;
  return {
    error(e) {
      if (!down) log(`redis: ${e.message}; waiting for it to come back`);
      down = true;
    },
    ready() {
      if (down) log('redis: connected again');
      down = false;
    },
  };
}

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const queue = opts.queue ?? DEFAULT_QUEUE;
  const name = opts.name ?? `${hostname()}:${process.pid}`;
  const lockDuration = opts.lockDurationMs ?? 30_000;
  const outage = outageLogger(log);
  const redis: Redis = await connectRedis(opts.redisUrl, 'worker', (e) => outage.error(e));
  redis.on('ready', () => outage.ready());
  const store = new BatchStore(redis, queue);
  const models = new ModelCache(opts.engine ?? 'onnx', opts.threads);
  // A batch's spec never changes once submitted.
  const specs = new Map<string, Promise<BatchSpec>>();
  const specOf = (batch: string): Promise<BatchSpec> => {
    let spec = specs.get(batch);
    if (!spec) {
      spec = store.spec(batch);
      spec.catch(() => specs.delete(batch));
      specs.set(batch, spec);
    }
    return spec;
  };

  const analyzeJob = async (job: Job<ImageJobData>): Promise<InlineResult | null> => {
    const spec = await specOf(job.data.batch);
    const { segmenter, classifier } = await models.get(spec);
    const { file, name: outputName, image } = job.data;
    let outputs: ImageOutputs;
    try {
      // The threshold is the batch's, the loaded models are shared by every batch that names them.
      outputs = await analyzeImage(image !== undefined ? Buffer.from(image, 'base64') : file, file, outputName, {
        segmenter: withMaskThreshold(segmenter, spec.maskThreshold), classifier, roi: spec.roi, tta: spec.tta, maxPixels: spec.maxPixels,
      });
    } catch (e) {
      if (isBadImage(e)) throw new UnrecoverableError((e as Error).message);
      throw e;
    }
    const result = await DELIVERIES[spec.inline ? 'inline' : 'shared'](spec, job.data, outputs);
    await store.markDone(job.data.batch, [job.data.index]);
    return result;
  };

  const worker = new Worker<ImageJobData, InlineResult | null>(queue, analyzeJob, {
    connection: redis,
    name,
    concurrency: opts.concurrency ?? 1,
    lockDuration,
    stalledInterval: lockDuration,
    // A job whose workers keep dying under it (an image that crashes the decoder) fails after this many.
    maxStalledCount: 2,
  });
  worker.on('error', (e) => outage.error(e));
  worker.on('completed', (job) => log(`done ${job.data.file}`));
  worker.on('stalled', (id) => log(`job ${id} stalled (its worker stopped answering): queued again`));
  worker.on('failed', (job, err) => {
    if (!job) return;
    if (isFinalFailure(job, err)) log(`FAILED ${job.data.file}: ${err.message}`);
    else log(`retrying ${job.data.file} (attempt ${job.attemptsMade} of ${job.opts.attempts ?? ATTEMPTS} failed): ${err.message}`);
  });
  await worker.waitUntilReady();
  log(`dermkit worker ${name} taking jobs from queue "${queue}" at ${redactedUrl(opts.redisUrl)} (concurrency ${opts.concurrency ?? 1})`);

  return {
    name,
    async close() {
      await worker.close();
      await models.dispose();
      redis.disconnect();
    },
  };
}
