/** /openapi.json is generated from the registered routes: each one is in it, with its schemas. */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RouteOptions } from 'fastify';
import type { Predictor } from '../../src/pipeline/predictor.js';
import type { QueueClient } from '../../src/queue/client.js';
import { buildServer } from '../../src/server/app.js';
import type { ModelInfo } from '../../src/server/models-info.js';
import { TEST_LIMITS } from './fixtures.js';

interface Operation {
  summary: string;
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, unknown>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

// Describing the routes needs no models and no Redis: the handlers never run here.
const stubModel = (kind: 'segmenter' | 'classifier') => ({ config: { kind, name: `${kind}-stub` } }) as Predictor;
const stubInfo = (kind: 'segmenter' | 'classifier') => ({ kind, name: `${kind}-stub`, version: '0', files: [] }) as unknown as ModelInfo;

let routes: RouteOptions[];
let doc: Document;

before(async () => {
  const app = buildServer({
    ...TEST_LIMITS,
    segmenter: stubModel('segmenter'),
    classifier: stubModel('classifier'),
    modelsInfo: [stubInfo('segmenter'), stubInfo('classifier')],
    batches: { client: {} as QueueClient, batchRoot: '/nonexistent', maxBatchUploads: 4 },
  });
  routes = [];
  app.addHook('onRoute', (route) => {
    if (route.method !== 'HEAD' && !route.schema?.hide) routes.push(route);
  });
  const res = await app.inject({ method: 'GET', url: '/openapi.json' });
  assert.equal(res.statusCode, 200);
  doc = res.json();
  await app.close();
});

const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');
const keys = (schema: unknown) => Object.keys((schema as { properties?: object } | undefined)?.properties ?? {}).sort();

describe('GET /openapi.json', () => {
  it('lists every registered API route and nothing else', () => {
    const registered = routes.map((r) => `${r.method} ${openApiPath(r.url)}`).sort();
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    assert.deepEqual(documented, registered);
    for (const route of ['POST /v1/analyze', 'GET /v1/models/{kind}/{file}', 'GET /healthz', 'GET /openapi.json', 'POST /v1/batches', 'GET /v1/batches/{id}']) {
      assert.ok(registered.includes(route), route);
    }
  });

  it('gives each route its summary, parameters, body and responses', () => {
    for (const route of routes) {
      const schema = route.schema!;
      const op = doc.paths[openApiPath(route.url)]![(route.method as string).toLowerCase()]!;
      const where = `${route.method} ${route.url}`;
      assert.equal(op.summary, schema.summary, where);
      const names = (place: string) => (op.parameters ?? []).filter((p) => p.in === place).map((p) => p.name).sort();
      assert.deepEqual(names('query'), keys(schema.querystring), where);
      assert.deepEqual(names('path'), keys(schema.params), where);
      assert.deepEqual(Object.keys(op.requestBody?.content ?? {}).sort(), Object.keys(schema.documentedBody?.content ?? {}).sort(), where);
      assert.deepEqual(Object.keys(op.responses).sort(), Object.keys(schema.response ?? {}).sort(), where);
    }
  });

  it('resolves every $ref to a component', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(refs.length > 0);
    for (const ref of new Set(refs)) {
      const name = ref.replace('#/components/schemas/', '');
      assert.ok(doc.components.schemas[name], `${ref} is not in the components`);
    }
    assert.deepEqual(Object.keys(doc.components.schemas).sort(), ['Analysis', 'Batch', 'BatchSubmitted', 'Error', 'Health', 'Models']);
  });
});
