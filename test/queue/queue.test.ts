/**
 * `dermkit queue` + `dermkit worker` against a real redis-server: the same results as `analyze`,
 * bad files failed once with analyze's reasons, transient errors retried, resubmits skipped.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SUMMARY_FILE } from '../../src/pipeline/batch.js';
import { openQueue, type QueueClient } from '../../src/queue/client.js';
import { jobId } from '../../src/queue/jobs.js';
import { LEDGER_DIR } from '../../src/queue/ledger.js';
import { batchStatus } from '../../src/queue/status.js';
import { pathSources, submitBatch } from '../../src/queue/submit.js';
import { writeBadImages } from '../pipeline/fixtures.js';
import { tinyModels, type TinyModels } from '../server/fixtures.js';
import {
  analyzeReference, comparable, dermkit, readResults, removeRedis, startRedis, startWorkerProcess, visibleFiles, waitFor, waitForBatch, writeLesions,
  type TestRedis, type WorkerProcess,
} from './fixtures.js';

let redis: TestRedis;
let models: TinyModels;
let work: string;
const clients: QueueClient[] = [];
const workers: WorkerProcess[] = [];

before(async () => {
  [redis, models, work] = await Promise.all([startRedis(), tinyModels(), mkdtemp(path.join(tmpdir(), 'dermkit-queue-'))]);
});
after(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  await Promise.all(clients.map((c) => c.close()));
  await removeRedis(redis);
  await models.dispose();
  await rm(work, { recursive: true, force: true });
});

async function client(name: string): Promise<QueueClient> {
  const c = await openQueue(redis.url, name);
  clients.push(c);
  return c;
}

async function worker(queue: string, extra: string[] = []): Promise<WorkerProcess> {
  const w = await startWorkerProcess(['--redis', redis.url, '--name', queue, ...extra]);
  workers.push(w);
  return w;
}

async function stop(w: WorkerProcess): Promise<number | null> {
  w.child.kill('SIGTERM');
  return w.exited;
}

const modelFlags = () => ['--seg', models.segDir, '--cls', models.clsDir];

describe('dermkit queue with two workers', () => {
  it('gives results identical to analyze on the same 40 images, and a resubmit skips them all', async () => {
    const images = path.join(work, 'forty');
    await mkdir(images);
    const files = await writeLesions(images, 40);
    const out = path.join(work, 'forty-out');
    const reference = path.join(work, 'forty-analyze');
    const expected = await analyzeReference(files, models, reference);

    const submit = await dermkit(['queue', 'submit', images, '--redis', redis.url, '--name', 'two', '--out', out, ...modelFlags(), '--json']);
    assert.equal(submit.code, 0, submit.stderr);
    const submitted = JSON.parse(submit.stdout) as { batch: string; submitted: number; skipped: number };
    assert.deepEqual(Object.keys(submitted), ['batch', 'submitted', 'skipped']);
    assert.equal(submitted.submitted, 40);
    assert.equal(submitted.skipped, 0);

    const [a, b] = await Promise.all([worker('two'), worker('two')]);
    await waitForBatch(await client('two'), submitted.batch);
    const status = await dermkit(['queue', 'status', submitted.batch, '--redis', redis.url, '--name', 'two', '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(JSON.parse(status.stdout), { batch: submitted.batch, total: 40, waiting: 0, active: 0, done: 40, failed: 0 });

    const results = await dermkit(['queue', 'results', submitted.batch, '--redis', redis.url, '--name', 'two']);
    assert.equal(results.code, 0, results.stderr);
    assert.match(results.stdout, /40 of 40 images analysed, 0 failed/);
    assert.match(results.stdout, /Research use only/);

    // Same records in the same order, the same summary.csv and the same mask, ROI and overlay bytes.
    assert.deepEqual((await readResults(out)).map(comparable), expected.map(comparable));
    assert.equal(await readFile(path.join(out, SUMMARY_FILE), 'utf8'), await readFile(path.join(reference, SUMMARY_FILE), 'utf8'));
    const [produced, wanted] = await Promise.all([visibleFiles(out), visibleFiles(reference)]);
    assert.deepEqual([...produced.keys()], [...wanted.keys()]);
    for (const [name, bytes] of wanted) assert.ok(produced.get(name)!.equals(bytes), `${name} differs from analyze's`);
    assert.equal((await readdir(path.join(out, LEDGER_DIR))).filter((n) => n.endsWith('.json')).length, 40);

    // Both workers took part.
    for (const w of [a, b]) assert.ok((w.output().match(/^done /gm) ?? []).length > 0, `worker ${w.name} did no job`);
    assert.equal((a.output().match(/^done /gm) ?? []).length + (b.output().match(/^done /gm) ?? []).length, 40);
    assert.deepEqual(await Promise.all([stop(a), stop(b)]), [0, 0]);

    // A resubmit finds everything done in --out: nothing to do, and its results are complete at once.
    const again = await dermkit(['queue', 'submit', images, '--redis', redis.url, '--name', 'two', '--out', out, ...modelFlags(), '--json']);
    const resubmitted = JSON.parse(again.stdout) as { batch: string; submitted: number; skipped: number };
    assert.equal(resubmitted.submitted, 0);
    assert.equal(resubmitted.skipped, 40);
    assert.deepEqual(await batchStatus(await client('two'), resubmitted.batch), { batch: resubmitted.batch, total: 40, waiting: 0, active: 0, done: 40, failed: 0 });
    const rewritten = await dermkit(['queue', 'results', resubmitted.batch, '--redis', redis.url, '--name', 'two']);
    assert.equal(rewritten.code, 0, rewritten.stderr);
    assert.deepEqual((await readResults(out)).map(comparable), expected.map(comparable));
  });
});

describe('bad files and transient errors', () => {
  it('fails each bad file once with the reason analyze gives, and retries a failed write until it works', async () => {
    const images = path.join(work, 'mixed');
    await mkdir(images);
    await writeLesions(images, 4, 'good');
    const bad = await writeBadImages(images);
    const out = path.join(work, 'mixed-out');
    const expected = await analyzeReference((await pathSources([images])).sources.map((s) => s.file), models, path.join(work, 'mixed-analyze'));
    assert.equal(expected.filter((r) => !r.ok).length, 2);

    // An output path taken by a folder: the write fails (EISDIR) until the folder is gone.
    const blocked = path.join(out, 'good-001.mask.png');
    await mkdir(blocked, { recursive: true });
    const q = await client('mixed');
    const { batch, submitted } = await submitBatch(q, (await pathSources([images])).sources, { out, seg: models.segDir, cls: models.clsDir });
    assert.equal(submitted, 6);
    const w = await worker('mixed');
    await waitFor('a retry of the blocked write', async () => (/retrying .*good-001\.png \(attempt 1 of 5 failed\)/.test(w.output()) ? true : undefined));
    await rm(blocked, { recursive: true });
    assert.deepEqual(await waitForBatch(q, batch), { batch, total: 6, waiting: 0, active: 0, done: 4, failed: 2 });

    const results = await dermkit(['queue', 'results', batch, '--redis', redis.url, '--name', 'mixed']);
    assert.equal(results.code, 2);
    for (const file of Object.values(bad)) {
      const reason = expected.find((r) => r.file === file)!.error!;
      assert.ok(results.stderr.includes(`FAILED ${file}: ${reason}`), `${file} not reported as analyze does:\n${results.stderr}`);
      // Failed on its first attempt, not retried.
      const job = await q.queue.getJob(jobId(batch, expected.findIndex((r) => r.file === file)));
      assert.equal(job?.attemptsMade, 1);
    }
    assert.deepEqual((await readResults(out)).map(comparable), expected.map(comparable));
    assert.equal(await stop(w), 0);
  });
});

describe('--inline', () => {
  it('carries the images in the jobs and writes the outputs at results time, as analyze would', async () => {
    const images = path.join(work, 'inline');
    await mkdir(images);
    const files = await writeLesions(images, 6, 'inline');
    const out = path.join(work, 'inline-out');
    const reference = path.join(work, 'inline-analyze');
    const expected = await analyzeReference(files, models, reference);
    const q = await client('inline');
    const { batch } = await submitBatch(q, (await pathSources(files)).sources, { out, seg: models.segDir, cls: models.clsDir, inline: true });
    const job = await q.queue.getJob(jobId(batch, 0));
    assert.ok(typeof job?.data.image === 'string' && job.data.image.length > 0, 'the job carries the image');
    const w = await worker('inline');
    await waitForBatch(q, batch);
    const results = await dermkit(['queue', 'results', batch, '--redis', redis.url, '--name', 'inline']);
    assert.equal(results.code, 0, results.stderr);
    assert.deepEqual((await readResults(out)).map(comparable), expected.map(comparable));
    const [produced, wanted] = await Promise.all([visibleFiles(out), visibleFiles(reference)]);
    assert.deepEqual([...produced.keys()], [...wanted.keys()]);
    for (const [name, bytes] of wanted) assert.ok(produced.get(name)!.equals(bytes), `${name} differs from analyze's`);
    // Written once into --out, the results leave Redis.
    assert.equal(await q.queue.getJob(jobId(batch, 0)), undefined);
    assert.equal(await stop(w), 0);
  });
});

describe('--mask-threshold', () => {
  it('reaches the workers with the batch, over the models they have loaded', async () => {
    const images = path.join(work, 'threshold');
    await mkdir(images);
    await writeLesions(images, 2, 'threshold');
    const out = path.join(work, 'threshold-out');
    const submit = await dermkit(['queue', 'submit', images, '--redis', redis.url, '--name', 'threshold', '--out', out, ...modelFlags(), '--mask-threshold', '1', '--json']);
    assert.equal(submit.code, 0, submit.stderr);
    const { batch } = JSON.parse(submit.stdout) as { batch: string };
    const w = await worker('threshold');
    await waitForBatch(await client('threshold'), batch);
    const results = await dermkit(['queue', 'results', batch, '--redis', redis.url, '--name', 'threshold']);
    assert.equal(results.code, 0, results.stderr);
    // No probability is above 1: no lesion anywhere, whatever the segmenter's own threshold.
    assert.deepEqual((await readResults(out)).map((r) => r.lesionAreaFraction), [0, 0]);
    assert.equal(await stop(w), 0);
  });
});

describe('errors', () => {
  it('names an unreachable Redis and an unknown batch', async () => {
    const unreachable = await dermkit(['queue', 'status', 'nope', '--redis', 'redis://127.0.0.1:1']);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    const unknown = await dermkit(['queue', 'results', 'nope', '--redis', redis.url]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no batch nope in queue "dermkit"/);
  });
});
