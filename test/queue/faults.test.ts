/**
 * Faults against a real redis-server: a worker SIGKILLed mid-job, and Redis restarted mid-batch.
 * Neither loses or duplicates a result.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openQueue, type QueueClient } from '../../src/queue/client.js';
import { LEDGER_DIR } from '../../src/queue/ledger.js';
import { writeBatchResults } from '../../src/queue/results.js';
import { pathSources, submitBatch } from '../../src/queue/submit.js';
import { tinyModels, type TinyModels } from '../server/fixtures.js';
import {
  analyzeReference, comparable, readResults, removeRedis, startRedis, startWorkerProcess, waitFor, waitForBatch, writeLesions,
  type TestRedis, type WorkerProcess,
} from './fixtures.js';

let models: TinyModels;
let work: string;
const workers: WorkerProcess[] = [];

before(async () => {
  [models, work] = await Promise.all([tinyModels(), mkdtemp(path.join(tmpdir(), 'dermkit-faults-'))]);
});
after(async () => {
  for (const w of workers) w.child.kill('SIGKILL');
  await models.dispose();
  await rm(work, { recursive: true, force: true });
});

async function worker(redis: TestRedis, extra: string[] = []): Promise<WorkerProcess> {
  // A short lock: a dead worker's job is taken over within seconds.
  const w = await startWorkerProcess(['--redis', redis.url, '--lock-duration', '2000', ...extra]);
  workers.push(w);
  return w;
}

const doneLines = (w: WorkerProcess) => (w.output().match(/^done /gm) ?? []).length;

/** A batch of `n` images and what analyze gives for them. */
async function batchOf(q: QueueClient, name: string, n: number) {
  const images = path.join(work, name);
  await mkdir(images);
  const files = await writeLesions(images, n, name);
  const out = path.join(work, `${name}-out`);
  const expected = await analyzeReference(files, models, path.join(work, `${name}-analyze`));
  const { batch } = await submitBatch(q, (await pathSources(files)).sources, { out, seg: models.segDir, cls: models.clsDir });
  return { batch, out, expected };
}

async function assertExactlyOnce(q: QueueClient, batch: string, out: string, expected: Awaited<ReturnType<typeof analyzeReference>>) {
  const { records, failed } = await writeBatchResults(q, batch);
  assert.equal(failed.length, 0);
  assert.equal(records.length, expected.length);
  const written = await readResults(out);
  assert.equal(new Set(written.map((r) => r.file)).size, expected.length, 'one result per image');
  assert.deepEqual(written.map(comparable), expected.map(comparable));
  assert.equal((await readdir(path.join(out, LEDGER_DIR))).filter((n) => n.endsWith('.json')).length, expected.length, 'one record per image');
}

describe('a worker SIGKILLed mid-job', () => {
  let redis: TestRedis;
  let q: QueueClient;
  before(async () => {
    redis = await startRedis();
    q = await openQueue(redis.url, 'dermkit');
  });
  after(async () => {
    await q.close();
    await removeRedis(redis);
  });

  it('has its job found stalled and done by another worker; nothing lost, nothing twice', async () => {
    const { batch, out, expected } = await batchOf(q, 'kill', 24);
    const victim = await worker(redis);
    await waitFor('a few images done', async () => (doneLines(victim) >= 3 ? true : undefined));
    // Freeze it and make sure it holds a job, so the kill lands mid-job.
    const held = await waitFor('the worker to hold a job', async () => {
      victim.child.kill('SIGSTOP');
      const mine = (await q.queue.getActive()).find((j) => j.processedBy === victim.name);
      if (!mine) victim.child.kill('SIGCONT');
      return mine;
    });
    // The kill may land after the job's record was written but before BullMQ heard it was done:
    // then the record is already there, and redoing the job must not add a second one.
    const [recordedBeforeKill] = await q.store.isDone(batch, [held.data.index]);
    victim.child.kill('SIGKILL');
    await victim.exited;
    const rescuer = await worker(redis);
    await waitForBatch(q, batch);
    await waitFor('the killed job to be found stalled and redone', async () =>
      rescuer.output().includes(`job ${held.id} stalled`) && (recordedBeforeKill || rescuer.output().includes(`done ${held.data.file}`)) ? true : undefined);
    await assertExactlyOnce(q, batch, out, expected);
    rescuer.child.kill('SIGTERM');
    assert.equal(await rescuer.exited, 0);
  });
});

describe('a worker sent SIGTERM mid-job', () => {
  let redis: TestRedis;
  let q: QueueClient;
  before(async () => {
    redis = await startRedis();
    q = await openQueue(redis.url, 'dermkit');
  });
  after(async () => {
    await q.close();
    await removeRedis(redis);
  });

  it('finishes the job in flight and exits 0; another worker does the rest', async () => {
    const { batch, out, expected } = await batchOf(q, 'term', 12);
    const first = await worker(redis);
    await waitFor('a few images done', async () => (doneLines(first) >= 2 ? true : undefined));
    const held = await waitFor('the worker to hold a job', async () => {
      first.child.kill('SIGSTOP');
      const mine = (await q.queue.getActive()).find((j) => j.processedBy === first.name);
      if (!mine) first.child.kill('SIGCONT');
      return mine;
    });
    first.child.kill('SIGTERM');
    first.child.kill('SIGCONT');
    assert.equal(await first.exited, 0);
    const afterSignal = first.output().slice(first.output().indexOf('SIGTERM: finishing'));
    assert.ok(afterSignal.includes(`done ${held.data.file}`), `the job in flight was not finished:\n${first.output()}`);
    assert.ok(doneLines(first) < expected.length, 'it stopped taking jobs');
    const second = await worker(redis);
    await waitForBatch(q, batch);
    await assertExactlyOnce(q, batch, out, expected);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });
});

describe('Redis restarted mid-batch', () => {
  let redis: TestRedis;
  let q: QueueClient;
  before(async () => {
    redis = await startRedis({ appendonly: true });
    q = await openQueue(redis.url, 'dermkit');
  });
  after(async () => {
    await q.close();
    await removeRedis(redis);
  });

  it('the worker reconnects and the batch completes', async () => {
    const { batch, out, expected } = await batchOf(q, 'restart', 30);
    const w = await worker(redis);
    await waitFor('a few images done', async () => (doneLines(w) >= 3 ? true : undefined));
    await redis.stop();
    assert.ok(doneLines(w) < 30, 'Redis went away mid-batch');
    await new Promise((r) => setTimeout(r, 1000));
    await redis.start();
    await waitForBatch(q, batch);
    assert.match(w.output(), /redis: .*waiting for it to come back/);
    await assertExactlyOnce(q, batch, out, expected);
    w.child.kill('SIGTERM');
    assert.equal(await w.exited, 0);
  });
});
