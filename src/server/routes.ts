/**
 * Every route of the API, declared once: method, URL, summary and the schemas of its query,
 * parameters, body and responses. The route files register these with Fastify (which validates
 * the query and parameters and serialises responses with them, and types the handlers through
 * the TypeBox type provider) and /openapi.json is generated from the registered routes.
 */
import type { FastifySchema, HTTPMethods } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { MODEL_KINDS } from '../vocabulary.js';
import { DOWNLOADABLE_MODEL_FILES } from './models-info.js';
import { analysisSchema, batchSchema, batchSubmittedSchema, errorSchema, healthSchema, modelsSchema, shared } from './schemas.js';

declare module 'fastify' {
  interface FastifySchema {
    /**
     * A request body Fastify must not validate, since it is bytes (an image, multipart/form-data)
     * or is checked by the handler with its own message: only /openapi.json shows it.
     */
    documentedBody?: { content: Record<string, { schema: TSchema }> };
  }
}

export interface RouteDeclaration {
  method: HTTPMethods;
  url: string;
  schema: FastifySchema & { summary: string };
}

/** Content types accepted as a raw image body; the bytes are sniffed, so the exact image type need not match. */
export const RAW_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/tiff', 'image/bmp', 'application/octet-stream'];

const binary = Type.String({ contentMediaType: 'application/octet-stream' });
const stringFlag = Type.Optional(Type.Enum(['true', 'false'], { type: 'string' }));

/** An error response (the Error body) and when it happens; `retry`: it carries a Retry-After header. */
function failure(description: string, retry = false) {
  const error = shared(errorSchema, description);
  if (retry) Object.assign(error, { headers: { 'Retry-After': { type: 'integer', minimum: 1, description: 'Seconds to wait before trying again.' } } });
  return error;
}

export const analyzeRoute = {
  method: 'POST',
  url: '/v1/analyze',
  schema: {
    summary: 'Segment the lesion, cut out the ROI and classify it',
    description:
      'Send the image either as the raw request body (Content-Type one of the image types, or application/octet-stream) ' +
      'or as multipart/form-data with one file part (any field name; `image` by convention). JPEG, PNG, WebP, TIFF and BMP are decoded. ' +
      'The mask, overlay, ROI and the top class\'s activation map come back inline as base64-encoded PNG files, with warnings ' +
      '(no lesion, lesion at the border, image too small, low confidence, out of distribution) and, with `melThreshold` or a classifier default, a melanoma review flag.',
    querystring: Type.Object({
      melThreshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Flag for review when p(mel) >= this (default: the classifier\'s own threshold, if any).' })),
    }, { additionalProperties: false }),
    documentedBody: {
      content: {
        ...Object.fromEntries(RAW_IMAGE_TYPES.map((type) => [type, { schema: binary }])),
        'multipart/form-data': { schema: Type.Object({ image: binary }) },
      },
    },
    response: {
      200: shared(analysisSchema, 'Analysis result'),
      400: failure('Not an image, a corrupt or empty file (invalid_image), a multipart body without a file (missing_file) or a malformed request (bad_request).'),
      413: failure('Upload larger than the byte limit (upload_too_large).'),
      415: failure('Content-Type or image format not accepted (unsupported_media_type).'),
      422: failure('Image has more pixels than the limit, refused from its header before decoding (too_many_pixels).'),
      429: failure('Every place in the work queue is taken (queue_full).', true),
      503: failure('The analysis did not finish within the per-request time limit, waiting included (timeout), or the server is stopping (shutting_down).', true),
    },
  },
} satisfies RouteDeclaration;

export const modelsRoute = {
  method: 'GET',
  url: '/v1/models',
  schema: {
    summary: 'The loaded models: name, version and model card (dermkit.json and MODEL_CARD.md)',
    response: { 200: shared(modelsSchema, 'Models') },
  },
} satisfies RouteDeclaration;

export const modelFileRoute = {
  method: 'GET',
  url: '/v1/models/:kind/:file',
  schema: {
    summary: "Download one of a model's files (the web page's private mode runs the models in the browser)",
    // Plain strings, not enums: a file the model does not have is a 404 (not_found), not a 400.
    params: Type.Object({
      kind: Type.String({ description: `The model: ${MODEL_KINDS.join(' or ')}.` }),
      file: Type.String({ description: `One of ${DOWNLOADABLE_MODEL_FILES.join(', ')}: those listed in the model's files (GET /v1/models).` }),
    }),
    response: {
      200: Type.Unsafe({ description: 'The file; its ETag is the model version', content: { 'application/octet-stream': { schema: binary } } }),
      // No body: `type: 'null'` is how the document says so, and `send()` takes none.
      304: Type.Unsafe<undefined>(Type.Null({ description: 'Not modified (If-None-Match matched the model version)' })),
      404: failure('No such model file (not_found).'),
    },
  },
} satisfies RouteDeclaration;

export const healthRoute = {
  method: 'GET',
  url: '/healthz',
  schema: { summary: 'Liveness and queue occupancy', response: { 200: shared(healthSchema, 'Serving') } },
} satisfies RouteDeclaration;

export const openApiRoute = {
  method: 'GET',
  url: '/openapi.json',
  schema: { summary: 'This document', response: { 200: Type.Object({}, { additionalProperties: true, description: 'OpenAPI 3.1 document' }) } },
} satisfies RouteDeclaration;

export const submitBatchRoute = {
  method: 'POST',
  url: '/v1/batches',
  schema: {
    summary: 'Hand a batch of images to the Redis queue\'s workers (dermkit worker) and return at once',
    description:
      'Either a JSON body `{"paths": [...]}` of absolute paths (images or folders, searched recursively) on storage that every worker can read, ' +
      'or multipart/form-data with one file part per image (carried in the jobs, for workers without shared storage). ' +
      'Query `roi=true|false` and `tta=true` choose what to classify and test-time augmentation. Images already done are skipped. ' +
      'The outputs (mask, ROI, overlay per image, results.jsonl, summary.csv) go to the batch\'s own folder on the server.',
    querystring: Type.Object({ roi: stringFlag, tta: stringFlag }),
    documentedBody: {
      content: {
        'application/json': { schema: Type.Object({ paths: Type.Array(Type.String(), { minItems: 1 }) }) },
        'multipart/form-data': { schema: Type.Object({ images: Type.Array(binary) }) },
      },
    },
    response: {
      202: shared(batchSubmittedSchema, 'Queued; the Location header is the batch\'s URL'),
      400: failure('No paths or files, a path that does not exist, or a malformed body (bad_request, missing_file).'),
      413: failure('An uploaded file over the size limit, or too many files (upload_too_large).'),
      503: failure('Redis is not answering (queue_unavailable).', true),
    },
  },
} satisfies RouteDeclaration;

export const batchRoute = {
  method: 'GET',
  url: '/v1/batches/:id',
  schema: {
    summary: 'A batch\'s progress, and its results once finished',
    params: Type.Object({ id: Type.String() }),
    response: {
      200: shared(batchSchema, 'Counts; `results` (one per image, in input order) when finished'),
      404: failure('No such batch (not_found).'),
      503: failure('Redis is not answering (queue_unavailable).', true),
    },
  },
} satisfies RouteDeclaration;
