import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ErrorBody } from '../../src/server/schemas.js';
import { AbortedWhileWaiting, WorkQueue } from '../../src/server/work-queue.js';
import { gatedPredictor, lesionPng, startServer, tinyModels, type TinyModels } from './fixtures.js';

/** Poll `condition` every 10 ms; fail after 5 s. */
async function waitFor(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('WorkQueue', () => {
  const never = new AbortController().signal;

  it('runs at most `concurrency` pieces of work at once, in arrival order', async () => {
    const queue = new WorkQueue(2, 10);
    let active = 0;
    let peak = 0;
    const started: number[] = [];
    const job = (id: number) => async () => {
      started.push(id);
      active++;
      peak = Math.max(peak, active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      active--;
      return id;
    };
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map((id) => queue.run(job(id), never)));
    assert.deepEqual(results, [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(started, [0, 1, 2, 3, 4, 5]);
    assert.equal(peak, 2);
    assert.deepEqual(queue.stats(), { running: 0, waiting: 0, admitted: 0, capacity: 12, concurrency: 2 });
  });

  it('hands a freed slot to the next in line, not to a newcomer', async () => {
    const queue = new WorkQueue(1, 10);
    const order: string[] = [];
    let finishFirst!: () => void;
    const first = queue.run(() => new Promise<void>((resolve) => (finishFirst = resolve)).then(() => { order.push('first'); }), never);
    const waiting = queue.run(async () => { order.push('waiting'); }, never);
    finishFirst();
    await first;
    // Arrives after the slot was freed but before the waiter's continuation ran.
    const newcomer = queue.run(async () => { order.push('newcomer'); }, never);
    await Promise.all([waiting, newcomer]);
    assert.deepEqual(order, ['first', 'waiting', 'newcomer']);
  });

  it('lets waiting work leave the line when its signal aborts, and gives no place beyond capacity', async () => {
    const queue = new WorkQueue(1, 1);
    const places = [queue.admit(), queue.admit(), queue.admit()];
    assert.ok(places[0] && places[1]);
    assert.equal(places[2], null);
    places[0]!.release();
    places[0]!.release(); // twice is harmless
    assert.equal(queue.stats().admitted, 1);

    let finish!: () => void;
    const running = queue.run(() => new Promise<void>((resolve) => (finish = resolve)), never);
    const controller = new AbortController();
    const waiting = queue.run(async () => 'ran', controller.signal);
    assert.equal(queue.stats().waiting, 1);
    controller.abort();
    await assert.rejects(waiting, AbortedWhileWaiting);
    assert.equal(queue.stats().waiting, 0);
    finish();
    await running;
    assert.equal(queue.stats().running, 0);
  });

  it('suggests a Retry-After of at least one second that grows with the line', async () => {
    const queue = new WorkQueue(1, 10);
    assert.equal(queue.retryAfterSeconds(), 1);
    const finishers: Array<() => void> = [];
    const jobs = [0, 1, 2, 3, 4].map(() => queue.run(() => new Promise<void>((resolve) => finishers.push(resolve)), never));
    assert.ok(queue.retryAfterSeconds() >= 5, `one second per job by default, got ${queue.retryAfterSeconds()}`);
    while (finishers.length) {
      finishers.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(jobs);
  });
});

describe('the analysis queue over HTTP', () => {
  let models: TinyModels;
  before(async () => {
    models = await tinyModels();
  });
  after(() => models.dispose());

  it('refuses requests beyond concurrency + queue size with 429 and Retry-After, and serves the admitted ones', async () => {
    const gated = gatedPredictor(models.segmenter);
    const server = await startServer(models, { segmenter: gated.predictor, concurrency: 1, queueSize: 2 });
    try {
      const png = await lesionPng(48, 48);
      const requests = Array.from({ length: 10 }, () =>
        fetch(`${server.url}/v1/analyze`, { method: 'POST', body: png, headers: { 'content-type': 'image/png' } }));
      // The refused ones answer while the admitted ones are still held at the gate.
      const settled: Response[] = [];
      for (const r of requests) r.then((res) => settled.push(res));
      await waitFor(() => settled.length >= 7, 'seven refusals');
      for (const res of settled) {
        assert.equal(res.status, 429);
        assert.ok(Number(res.headers.get('retry-after')) >= 1);
        assert.equal(((await res.json()) as ErrorBody).error.code, 'queue_full');
      }
      const health = (await (await fetch(`${server.url}/healthz`)).json()) as { queue: { admitted: number; running: number; waiting: number } };
      assert.deepEqual([health.queue.admitted, health.queue.running, health.queue.waiting], [3, 1, 2]);
      gated.open();
      const statuses = (await Promise.all(requests)).map((res) => res.status).sort();
      assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
    } finally {
      gated.open();
      await server.close();
    }
  });

  it('answers 503 with Retry-After when a request runs out of time, and frees its place', async () => {
    const gated = gatedPredictor(models.segmenter);
    const server = await startServer(models, { segmenter: gated.predictor, concurrency: 1, queueSize: 1, requestTimeoutMs: 300 });
    try {
      const png = await lesionPng(48, 48);
      const post = () => fetch(`${server.url}/v1/analyze`, { method: 'POST', body: png, headers: { 'content-type': 'image/png' } });
      const responses = await Promise.all([post(), post()]);
      for (const res of responses) {
        assert.equal(res.status, 503);
        assert.ok(Number(res.headers.get('retry-after')) >= 1);
        assert.equal(((await res.json()) as ErrorBody).error.code, 'timeout');
      }
      // The waiting request left the line; the running one keeps its worker until its work ends.
      const held = (await (await fetch(`${server.url}/healthz`)).json()) as { queue: { admitted: number; running: number; waiting: number } };
      assert.deepEqual([held.queue.admitted, held.queue.running, held.queue.waiting], [0, 1, 0]);
      gated.open();
      await waitFor(async () => {
        const health = (await (await fetch(`${server.url}/healthz`)).json()) as { queue: { running: number } };
        return health.queue.running === 0;
      }, 'the abandoned work to finish and give its worker back');
    } finally {
      gated.open();
      await server.close();
    }
  });
});
