/**
 * Throughput of the Redis queue against `analyze` on this machine: images/s of `analyze` alone
 * (in process, models loaded), of 1 and of 2 `dermkit worker` processes (models loaded by a
 * warm-up batch; the time runs from submit to the last result), and Redis's own cost per job
 * (no-op jobs through BullMQ). Rounds are interleaved so each side sees the same machine load;
 * medians are printed. A private redis-server runs on a free loopback port for the duration.
 *
 *   npm run bench:queue -- [--images dir] [--n 40] [--rounds 3] [--seg dir --cls dir] [--json]
 *
 * Without --images it makes --n synthetic 600x450 JPEGs (the size of a HAM10000 photo); with
 * it, the first --n images of the folder. Models default to the bundled ones.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { analyzeBatch } from '../src/pipeline/batch.js';
import { DEFAULT_CLASSIFIER_DIR, DEFAULT_SEGMENTER_DIR } from '../src/pipeline/defaults.js';
import { loadPredictor } from '../src/pipeline/predictor.js';
import { openQueue, type QueueClient } from '../src/queue/client.js';
import { batchStatus, isFinished } from '../src/queue/status.js';
import { pathSources, submitBatch } from '../src/queue/submit.js';
import { median } from './harness.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const NOOP_JOBS = 500;

const { values: args } = parseArgs({
  options: {
    images: { type: 'string' },
    n: { type: 'string', default: '40' },
    rounds: { type: 'string', default: '3' },
    seg: { type: 'string', default: DEFAULT_SEGMENTER_DIR },
    cls: { type: 'string', default: DEFAULT_CLASSIFIER_DIR },
    json: { type: 'boolean', default: false },
  },
});
const n = Number(args.n);
const rounds = Number(args.rounds);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}:\n${output}`)));
  });
}

async function syntheticImages(dir: string, count: number): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const width = 600;
    const height = 450;
    const cx = 250 + (i % 9) * 12;
    const cy = 200 + (i % 7) * 8;
    const data = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const inside = ((x - cx) / (110 + (i % 5) * 10)) ** 2 + ((y - cy) / 90) ** 2 <= 1;
        const texture = ((x * 7 + y * 13 + i) % 17) - 8;
        data.set((inside ? [95, 60, 40] : [225, 180, 160]).map((v) => v + texture), (y * width + x) * 3);
      }
    }
    const file = path.join(dir, `synthetic-${String(i).padStart(4, '0')}.jpg`);
    await writeFile(file, await sharp(data, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer());
    files.push(file);
  }
  return files;
}

async function startWorkers(url: string, count: number): Promise<ChildProcess[]> {
  const workers = Array.from({ length: count }, () => spawn(process.execPath, ['--import', 'tsx', MAIN, 'worker', '--redis', url], { stdio: ['ignore', 'pipe', 'pipe'] }));
  await Promise.all(workers.map((w) => waitForLine(w, /taking jobs/, 'dermkit worker')));
  return workers;
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
    w.once('exit', () => resolve());
    w.kill('SIGTERM');
  })));
}

async function runBatch(client: QueueClient, files: string[], out: string): Promise<number> {
  const start = performance.now();
  const { batch } = await submitBatch(client, (await pathSources(files)).sources, { out, seg: args.seg, cls: args.cls });
  for (;;) {
    if (isFinished(await batchStatus(client, batch))) return (performance.now() - start) / 1000;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Images/s of `count` workers: a warm-up batch (one image per worker loads its models), then the timed one. */
async function queueRate(client: QueueClient, url: string, count: number, files: string[], work: string): Promise<number> {
  const workers = await startWorkers(url, count);
  try {
    await runBatch(client, files.slice(0, 2 * count), await mkdtemp(path.join(work, 'warm-')));
    return files.length / (await runBatch(client, files, await mkdtemp(path.join(work, 'queue-'))));
  } finally {
    await stopWorkers(workers);
  }
}

/** Milliseconds per job that BullMQ and Redis add: no-op jobs through one worker, one at a time. */
async function perJobOverheadMs(url: string): Promise<number> {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue('bench-noop', { connection });
  let finished = 0;
  let allDone!: () => void;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const workerConnection = new Redis(url, { maxRetriesPerRequest: null });
  const worker = new Worker('bench-noop', async () => null, { connection: workerConnection, autorun: false });
  worker.on('completed', () => {
    if (++finished === NOOP_JOBS) allDone();
  });
  await queue.addBulk(Array.from({ length: NOOP_JOBS }, (_, i) => ({ name: 'noop', data: { i }, opts: { removeOnComplete: true } })));
  const start = performance.now();
  void worker.run();
  await done;
  const ms = (performance.now() - start) / NOOP_JOBS;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  workerConnection.disconnect();
  return ms;
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'dermkit-bench-queue-'));
  const port = await freePort();
  const redisServer = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', work, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForLine(redisServer, /Ready to accept connections/, 'redis-server');
  const url = `redis://127.0.0.1:${port}`;
  const client = await openQueue(url, 'dermkit');
  try {
    const files = args.images
      ? (await readdir(args.images)).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().slice(0, n).map((f) => path.resolve(args.images!, f))
      : await syntheticImages(await mkdtemp(path.join(work, 'images-')), n);
    const [segmenter, classifier] = await Promise.all([loadPredictor(args.seg), loadPredictor(args.cls)]);
    const samples = { analyze: [] as number[], worker1: [] as number[], worker2: [] as number[], overheadMs: [] as number[] };
    const analyzeInto = async (images: string[]) => analyzeBatch(images, { segmenter, classifier, out: await mkdtemp(path.join(work, 'analyze-')) });
    await analyzeInto(files.slice(0, 2)); // warm-up, as the workers get
    for (let round = 1; round <= rounds; round++) {
      const start = performance.now();
      await analyzeInto(files);
      samples.analyze.push(files.length / ((performance.now() - start) / 1000));
      samples.worker1.push(await queueRate(client, url, 1, files, work));
      samples.worker2.push(await queueRate(client, url, 2, files, work));
      samples.overheadMs.push(await perJobOverheadMs(url));
      if (!args.json) {
        const last = (k: keyof typeof samples) => samples[k].at(-1)!.toFixed(2);
        console.error(`round ${round}/${rounds}: analyze ${last('analyze')} img/s, 1 worker ${last('worker1')}, 2 workers ${last('worker2')}, Redis ${last('overheadMs')} ms/job`);
      }
    }
    segmenter.dispose();
    classifier.dispose();
    const result = {
      images: files.length,
      source: args.images ?? 'synthetic 600x450 JPEG',
      rounds,
      analyzeImagesPerS: median(samples.analyze),
      oneWorkerImagesPerS: median(samples.worker1),
      twoWorkersImagesPerS: median(samples.worker2),
      redisMsPerJob: median(samples.overheadMs),
      samples,
    };
    if (args.json) console.log(JSON.stringify(result, null, 2));
    else {
      console.log(`${files.length} images (${result.source}), medians of ${rounds} interleaved rounds:`);
      console.log(`  analyze alone     ${result.analyzeImagesPerS.toFixed(2)} img/s`);
      console.log(`  1 worker          ${result.oneWorkerImagesPerS.toFixed(2)} img/s`);
      console.log(`  2 workers         ${result.twoWorkersImagesPerS.toFixed(2)} img/s`);
      console.log(`  Redis per job     ${result.redisMsPerJob.toFixed(2)} ms (no-op job: add, take, complete)`);
    }
  } finally {
    await client.close();
    redisServer.kill('SIGTERM');
    await rm(work, { recursive: true, force: true });
  }
}

await main();
