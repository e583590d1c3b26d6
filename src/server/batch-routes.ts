/**
 * `POST /v1/batches` and `GET /v1/batches/{id}` (with `dermkit serve --redis`): hand a batch to
 * the Redis queue's workers, then follow it. A batch is a JSON list of paths on storage the
 * workers share, or uploaded files (carried in the jobs, as `queue submit --inline` does). Each
 * batch gets its own output folder under the server's batch folder.
 */
import path from 'node:path';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RESEARCH_NOTICE } from '../pipeline/analyze.js';
import { BatchNotFoundError, newBatchId } from '../queue/batch-store.js';
import type { QueueClient } from '../queue/client.js';
import { isConnectionError } from '../queue/connection.js';
import { writeBatchResults } from '../queue/results.js';
import { batchStatus, isFinished } from '../queue/status.js';
import { MAX_INLINE_BYTES, pathSources, submitBatch, SubmitError, type ImageSource } from '../queue/submit.js';
import { ApiError } from './errors.js';
import { batchRoute, submitBatchRoute } from './routes.js';
import { BATCH_SCHEMAS } from './schemas.js';

export interface BatchRouteOptions {
  client: QueueClient;
  /** Each batch's outputs go to `<batchRoot>/<batch id>`. */
  batchRoot: string;
  /** Model folders the batches name (absent: each worker's bundled models). */
  seg?: string;
  cls?: string;
  /** Mask threshold the batches name (absent: each segmenter's own). */
  maskThreshold?: number;
  maxUploadBytes: number;
  /** Most files in one uploaded batch (they are held in memory until queued). */
  maxBatchUploads: number;
}

const flag = (v: 'true' | 'false' | undefined) => (v === undefined ? undefined : v === 'true');

async function uploadedSources(request: FastifyRequest, opts: BatchRouteOptions): Promise<ImageSource[]> {
  const sources: ImageSource[] = [];
  const limits = { files: opts.maxBatchUploads, fileSize: Math.min(opts.maxUploadBytes, MAX_INLINE_BYTES) };
  for await (const part of request.files({ limits })) sources.push({ file: part.filename || `upload-${sources.length + 1}`, bytes: await part.toBuffer() });
  return sources;
}

async function pathSourcesOf(body: unknown): Promise<ImageSource[]> {
  const paths = (body as { paths?: unknown } | undefined)?.paths;
  if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === 'string' && path.isAbsolute(p))) {
    throw new ApiError('bad_request', 'send {"paths": [...]}: absolute paths of images or folders on storage the workers share, or upload the images as multipart/form-data');
  }
  const { sources, missing } = await pathSources(paths as string[]);
  if (missing.length) throw new ApiError('bad_request', `no such file or directory: ${missing.join(', ')}`);
  if (!sources.length) throw new ApiError('bad_request', 'no images in the given paths');
  return sources;
}

/** Queue trouble as the API's errors: an unknown batch is a 404, Redis away a 503. */
async function queueCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof ApiError) throw e;
    if (e instanceof BatchNotFoundError) throw new ApiError('not_found', e.message);
    if (e instanceof SubmitError) throw new ApiError('bad_request', e.message);
    if (isConnectionError(e)) throw new ApiError('queue_unavailable', `the batch queue is not answering (${(e as Error).message})`, 5);
    throw e;
  }
}

export function registerBatchRoutes(app: FastifyInstance, opts: BatchRouteOptions): void {
  // JSON is parsed here only: the other routes take image bodies.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (e) {
      done(new ApiError('bad_request', `the body is not JSON (${(e as Error).message})`), undefined);
    }
  });

  for (const schema of BATCH_SCHEMAS) app.addSchema(schema);
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.route({
    ...submitBatchRoute,
    handler: async (request, reply) => {
      const sources = request.isMultipart() ? await uploadedSources(request, opts) : await pathSourcesOf(request.body);
      if (!sources.length) throw new ApiError('missing_file', 'the multipart body has no file part: send the images as file fields');
      const id = newBatchId();
      const submitted = await queueCall(() => submitBatch(opts.client, sources, {
        id, out: path.join(opts.batchRoot, id), seg: opts.seg, cls: opts.cls, maskThreshold: opts.maskThreshold, roi: flag(request.query.roi), tta: flag(request.query.tta),
      }));
      return reply.code(202).header('location', `/v1/batches/${id}`).send({ ...submitted, notice: RESEARCH_NOTICE });
    },
  });

  typed.route({
    ...batchRoute,
    handler: async (request) => {
      const status = await queueCall(() => batchStatus(opts.client, request.params.id));
      if (!isFinished(status)) return { ...status, finished: false, notice: RESEARCH_NOTICE };
      const { records } = await queueCall(() => writeBatchResults(opts.client, status.batch));
      return { ...status, finished: true, results: records, notice: RESEARCH_NOTICE };
    },
  });
}
