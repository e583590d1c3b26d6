/**
 * The local web app and HTTP API (`dermkit serve`): `POST /v1/analyze`, `GET /v1/models`,
 * `GET /healthz`, `GET /openapi.json`, the web page at `/`, and with a Redis queue
 * `POST /v1/batches` and `GET /v1/batches/{id}`, each declared in routes.ts (the contract that
 * /openapi.json is generated from).
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Predictor } from '../pipeline/predictor.js';
import { registerAnalyzeRoute } from './analyze-route.js';
import { registerBatchRoutes, type BatchRouteOptions } from './batch-routes.js';
import { answerClientError, ApiError, errorBody, toApiError } from './errors.js';
import { registerModelRoutes } from './model-routes.js';
import type { ModelInfo } from './models-info.js';
import { openApiOptions } from './openapi.js';
import { healthRoute, openApiRoute, RAW_IMAGE_TYPES } from './routes.js';
import { SHARED_SCHEMAS, type ModelRef } from './schemas.js';
import { defaultWebFiles, registerStaticFiles, type WebFiles } from './static-files.js';
import { WorkQueue } from './work-queue.js';

export interface ServerOptions {
  segmenter: Predictor;
  classifier: Predictor;
  /** Largest accepted upload in bytes (413 beyond). */
  maxUploadBytes: number;
  /** Largest accepted image in pixels, checked from the header before decoding (422 beyond). */
  maxPixels: number;
  /** Requests that may wait for a worker; beyond `concurrency + queueSize` requests in flight, 429. */
  queueSize: number;
  /** Analyses run at once. */
  concurrency: number;
  /** Time limit of one analysis request, its wait for a worker included (503 beyond). */
  requestTimeoutMs: number;
  /** The two loaded models, as `readModelInfo` describes them. */
  modelsInfo: ModelInfo[];
  /** Where the page, its browser bundle and onnxruntime-web are (default: `web/`, `web/dist/`, node_modules). */
  web?: WebFiles;
  logger?: FastifyServerOptions['logger'];
  /** Batch analysis through a Redis queue's workers (`serve --redis`); without it there are no /v1/batches routes. */
  batches?: Omit<BatchRouteOptions, 'maxUploadBytes'>;
}

function modelRef(predictor: Predictor, modelsInfo: ModelInfo[]): ModelRef {
  const { kind, name } = predictor.config;
  const info = modelsInfo.find((m) => m.kind === kind && m.name === name);
  if (!info) throw new Error(`modelsInfo has no entry for the ${kind} ${name}`);
  return { name, version: info.version };
}

function checkLimits(opts: ServerOptions): void {
  for (const key of ['maxUploadBytes', 'maxPixels', 'requestTimeoutMs'] as const) {
    if (!(opts[key] > 0)) throw new RangeError(`${key} must be positive, got ${opts[key]}`);
  }
}

export function buildServer(opts: ServerOptions): FastifyInstance {
  checkLimits(opts);
  const models = { segmenter: modelRef(opts.segmenter, opts.modelsInfo), classifier: modelRef(opts.classifier, opts.modelsInfo) };
  const queue = new WorkQueue(opts.concurrency, opts.queueSize);
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.maxUploadBytes,
    // Node cuts off a client still sending its request after this long (slow uploads).
    requestTimeout: opts.requestTimeoutMs,
    // Requests arriving on kept-alive connections while closing get our own 503 (below).
    return503OnClosing: false,
    clientErrorHandler: answerClientError,
  });

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing) throw new ApiError('shutting_down', 'the server is shutting down', 5);
  });

  app.setErrorHandler((err, request, reply) => {
    const api = toApiError(err, request.headers['content-type']);
    if (api.code === 'internal_error') request.log.error({ err }, 'request failed');
    if (api.retryAfterS !== undefined) reply.header('retry-after', String(api.retryAfterS));
    return reply.code(api.statusCode).send(errorBody(api));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody(new ApiError('not_found', `no such resource: ${request.method} ${request.url}`))),
  );

  // Only image bodies (and multipart, below) are parsed: anything else is a 415 before any work.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(RAW_IMAGE_TYPES, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.register(multipart, {
    limits: { fileSize: opts.maxUploadBytes, files: 1, fields: 16, fieldSize: 4096, parts: 32, headerPairs: 100 },
    throwFileSizeLimit: true,
  });

  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  app.register(swagger, openApiOptions(opts));
  app.register(async (scope) => {
    registerAnalyzeRoute(scope, {
      segmenter: opts.segmenter,
      classifier: opts.classifier,
      models,
      queue,
      maxPixels: opts.maxPixels,
      requestTimeoutMs: opts.requestTimeoutMs,
    });
    registerModelRoutes(scope, opts.modelsInfo);
    const typed = scope.withTypeProvider<TypeBoxTypeProvider>();
    typed.route({ ...healthRoute, handler: async () => ({ status: 'ok' as const, queue: queue.stats() }) });
    typed.route({ ...openApiRoute, handler: async () => app.swagger() });
    const found = await registerStaticFiles(scope, opts.web ?? defaultWebFiles());
    if (!found.bundle) scope.log.warn('the browser bundle (web/dist/app.js) is missing: build it with scripts/build-web.ts');
    if (!found.ort) scope.log.warn('onnxruntime-web is not installed: the web page\'s private mode will not work');
  });
  const batches = opts.batches;
  if (batches) app.register(async (scope) => registerBatchRoutes(scope, { ...batches, maxUploadBytes: opts.maxUploadBytes }));
  return app;
}
