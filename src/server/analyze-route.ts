/**
 * `POST /v1/analyze`: take a place in the work queue before the upload is read, read the image
 * (raw body or one multipart file), run the cascade on a worker slot within the request's time
 * limit, and answer with the result and its images as inline base64 PNG.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { decodeImage, encodePng } from '../image/decode.js';
import { heatmapOverlay } from '../image/heatmap.js';
import { renderOverlay } from '../image/overlay.js';
import { analyze, findings } from '../pipeline/analyze.js';
import type { Predictor } from '../pipeline/predictor.js';
import { overlayLabel } from '../pipeline/analyze.js';
import { ApiError } from './errors.js';
import { analyzeRoute } from './routes.js';
import type { AnalysisBody, ModelRef } from './schemas.js';
import { AbortedWhileWaiting, type WorkQueue } from './work-queue.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** performance.now() when the analysis request got its place in the queue: its time limit runs from here. */
    admittedAt: number;
  }
}

export interface AnalyzeRouteOptions {
  segmenter: Predictor;
  classifier: Predictor;
  models: { segmenter: ModelRef; classifier: ModelRef };
  queue: WorkQueue;
  maxPixels: number;
  requestTimeoutMs: number;
}

interface Upload {
  bytes: Buffer;
  /** The uploaded file's name, for error messages. */
  name: string;
}

async function readMultipart(request: FastifyRequest): Promise<Upload> {
  try {
    const part = await request.file();
    if (!part) throw new ApiError('missing_file', 'the multipart body has no file part: send the image as a file field (e.g. "image")');
    // The part's own type is not checked: busboy calls an untyped part text/plain, and browsers
    // label files by extension. The bytes are sniffed when decoding, which is what counts.
    return { bytes: await part.toBuffer(), name: part.filename || 'upload' };
  } catch (err) {
    // Limits and our own refusals carry a code; busboy's parse errors (no boundary, truncated
    // body...) are plain Errors, and all of them mean the client sent a broken body.
    if (err instanceof ApiError || (err as { code?: string }).code) throw err;
    throw new ApiError('bad_request', `malformed multipart/form-data body (${(err as Error).message})`);
  }
}

async function readUpload(request: FastifyRequest): Promise<Upload> {
  if (request.isMultipart()) return readMultipart(request);
  // A raw body: the content-type parser only lets RAW_IMAGE_TYPES through. No body at all reads as 0 bytes.
  return { bytes: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0), name: 'upload' };
}

type AnalyzeQuery = Static<typeof analyzeRoute.schema.querystring>;

async function analyzeUpload(upload: Upload, query: AnalyzeQuery, opts: AnalyzeRouteOptions, queueMs: number): Promise<AnalysisBody> {
  const start = performance.now();
  const image = await decodeImage(upload.bytes, { maxPixels: opts.maxPixels, name: upload.name });
  const decodeMs = performance.now() - start;
  const r = await analyze(image, { segmenter: opts.segmenter, classifier: opts.classifier, melThreshold: query.melThreshold });
  const encodeStart = performance.now();
  const [mask, overlay, roi, cam] = await Promise.all([
    encodePng(r.mask), renderOverlay(image, r.mask, overlayLabel(r.top)), encodePng(r.roi), r.cam && encodePng(heatmapOverlay(image, r.cam)),
  ]);
  const encodeMs = performance.now() - encodeStart;
  return {
    ...findings(r),
    images: { mask: mask.toString('base64'), overlay: overlay.toString('base64'), roi: roi.toString('base64'), ...(cam ? { cam: cam.toString('base64') } : {}) },
    models: opts.models,
    engine: opts.segmenter.engine,
    timingsMs: {
      queue: queueMs,
      decode: decodeMs,
      segment: r.timingsMs.segment,
      roi: r.timingsMs.roi,
      classify: r.timingsMs.classify,
      encode: encodeMs,
      total: performance.now() - start + queueMs,
    },
  };
}

/** Aborts when the request's time is up or its client has gone away. */
function requestSignal(request: FastifyRequest, reply: FastifyReply, requestTimeoutMs: number): { signal: AbortSignal; timedOut: () => boolean } {
  const remaining = Math.max(0, Math.round(requestTimeoutMs - (performance.now() - request.admittedAt)));
  const deadline = AbortSignal.timeout(remaining);
  const clientGone = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) clientGone.abort();
  });
  return { signal: AbortSignal.any([deadline, clientGone.signal]), timedOut: () => deadline.aborted };
}

/** Settle with `work`, or reject as soon as `signal` aborts (the work then finishes unobserved). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => {}); // an abandoned run's failure must not become an unhandled rejection
  if (signal.aborted) return Promise.reject(new AbortedWhileWaiting('request aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortedWhileWaiting('request aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export function registerAnalyzeRoute(app: FastifyInstance, opts: AnalyzeRouteOptions): void {
  const { queue } = opts;
  app.decorateRequest('admittedAt', 0);

  app.withTypeProvider<TypeBoxTypeProvider>().route({
    ...analyzeRoute,
    // Before the body is read: a full queue costs the server nothing but this answer.
    onRequest: async (request, reply) => {
      const place = queue.admit();
      if (!place) throw new ApiError('queue_full', `all ${queue.capacity} places in the work queue are taken; try again later`, queue.retryAfterSeconds());
      request.admittedAt = performance.now();
      // 'close' comes once the response is sent or the connection is lost, whichever happens.
      reply.raw.once('close', () => place.release());
    },
    handler: async (request, reply) => {
      const upload = await readUpload(request);
      const { signal, timedOut } = requestSignal(request, reply, opts.requestTimeoutMs);
      const queuedAt = performance.now();
      const work = queue.run(() => analyzeUpload(upload, request.query, opts, performance.now() - queuedAt), signal);
      try {
        const body = await untilAborted(work, signal);
        return reply.header('cache-control', 'no-store').send(body);
      } catch (err) {
        if (!(err instanceof AbortedWhileWaiting)) throw err;
        if (!timedOut()) return reply; // the client has gone: nobody to answer
        throw new ApiError('timeout', `the analysis did not finish within ${opts.requestTimeoutMs} ms (waiting included)`, queue.retryAfterSeconds());
      }
    },
  });
}
