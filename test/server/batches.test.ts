/** `POST /v1/batches` and `GET /v1/batches/{id}` (`serve --redis`) with a real redis-server and a worker. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BatchRecord } from '../../src/pipeline/batch.js';
import { RESEARCH_NOTICE } from '../../src/pipeline/analyze.js';
import { openQueue, type QueueClient } from '../../src/queue/client.js';
import type { ErrorBody } from '../../src/server/schemas.js';
import { analyzeReference, comparable, removeRedis, startRedis, startWorkerProcess, waitFor, writeLesions, type TestRedis, type WorkerProcess } from '../queue/fixtures.js';
import { lesionPng, startServer, tinyModels, type RunningServer, type TinyModels } from './fixtures.js';

interface BatchBody {
  batch: string;
  total: number;
  waiting: number;
  active: number;
  done: number;
  failed: number;
  finished: boolean;
  results?: BatchRecord[];
  notice: string;
}

let redis: TestRedis;
let models: TinyModels;
let client: QueueClient;
let server: RunningServer;
let worker: WorkerProcess;
let work: string;

before(async () => {
  [redis, models, work] = await Promise.all([startRedis(), tinyModels(), mkdtemp(path.join(tmpdir(), 'dermkit-batches-'))]);
  client = await openQueue(redis.url, 'dermkit');
  server = await startServer(models, { batches: { client, batchRoot: path.join(work, 'batches'), seg: models.segDir, cls: models.clsDir, maxBatchUploads: 4 } });
  worker = await startWorkerProcess(['--redis', redis.url]);
});
after(async () => {
  worker.child.kill('SIGKILL');
  await server.close();
  await client.close();
  await removeRedis(redis);
  await models.dispose();
  await rm(work, { recursive: true, force: true });
});

async function finished(location: string): Promise<BatchBody> {
  return waitFor('the batch to finish', async () => {
    const body = (await (await fetch(`${server.url}${location}`)).json()) as BatchBody;
    return body.finished ? body : undefined;
  });
}

describe('POST /v1/batches', () => {
  it('queues a list of paths; GET follows it and gives analyze\'s results when finished', async () => {
    const images = path.join(work, 'paths');
    await mkdir(images);
    const files = await writeLesions(images, 5);
    const res = await fetch(`${server.url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ paths: [images] }) });
    assert.equal(res.status, 202);
    const submitted = (await res.json()) as { batch: string; submitted: number; skipped: number; notice: string };
    assert.deepEqual({ ...submitted, batch: undefined }, { batch: undefined, submitted: 5, skipped: 0, notice: RESEARCH_NOTICE });
    assert.equal(res.headers.get('location'), `/v1/batches/${submitted.batch}`);

    const body = await finished(res.headers.get('location')!);
    assert.deepEqual({ ...body, results: undefined }, { batch: submitted.batch, total: 5, waiting: 0, active: 0, done: 5, failed: 0, finished: true, results: undefined, notice: RESEARCH_NOTICE });
    const expected = await analyzeReference(files, models, path.join(work, 'paths-analyze'));
    assert.deepEqual(body.results!.map(comparable), expected.map(comparable));
  });

  it('queues uploaded files, carried in the jobs', async () => {
    const form = new FormData();
    form.append('image', new Blob([await lesionPng(96, 72)], { type: 'image/png' }), 'first.png');
    form.append('image', new Blob([await lesionPng(64, 80)], { type: 'image/png' }), 'second.png');
    const res = await fetch(`${server.url}/v1/batches?tta=false`, { method: 'POST', body: form });
    assert.equal(res.status, 202, await res.clone().text());
    const body = await finished(res.headers.get('location')!);
    assert.deepEqual(body.results!.map((r) => [r.file, r.ok, r.width, r.height]), [['first.png', true, 96, 72], ['second.png', true, 64, 80]]);
  });

  it('answers bad requests and unknown batches with the API\'s errors', async () => {
    const noPaths = await fetch(`${server.url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"paths": []}' });
    assert.equal(noPaths.status, 400);
    assert.equal(((await noPaths.json()) as ErrorBody).error.code, 'bad_request');
    const missing = await fetch(`${server.url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ paths: [path.join(work, 'nowhere')] }) });
    assert.equal(missing.status, 400);
    assert.match(((await missing.json()) as ErrorBody).error.message, /nowhere/);
    const unknown = await fetch(`${server.url}/v1/batches/nope`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as ErrorBody).error.code, 'not_found');
  });

  it('is documented in /openapi.json', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    assert.ok(doc.paths['/v1/batches']);
    assert.ok(doc.paths['/v1/batches/{id}']);
    assert.ok(doc.components.schemas.Batch && doc.components.schemas.BatchSubmitted);
  });
});
