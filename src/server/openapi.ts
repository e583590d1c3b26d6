/** The OpenAPI 3.1 description served at `GET /openapi.json`. */
import { DERMKIT_VERSION } from '../version.js';
import { RESEARCH_NOTICE } from '../pipeline/analyze.js';
import { RAW_IMAGE_TYPES } from './analyze-route.js';
import { analysisSchema, batchSchema, batchSubmittedSchema, errorSchema, healthSchema, modelsSchema } from './schemas.js';

export interface OpenApiLimits {
  maxUploadBytes: number;
  maxPixels: number;
  requestTimeoutMs: number;
  /** Whether the batch routes are served (`serve --redis`). */
  batches?: boolean;
}

const batchPaths = {
  '/v1/batches': {
    post: {
      summary: 'Hand a batch of images to the Redis queue\'s workers (dermkit worker) and return at once',
      description:
        'Either a JSON body `{"paths": [...]}` of absolute paths (images or folders, searched recursively) on storage that every worker can read, ' +
        'or multipart/form-data with one file part per image (carried in the jobs, for workers without shared storage). ' +
        'Query `roi=true|false` and `tta=true` choose what to classify and test-time augmentation. Images already done are skipped. ' +
        'The outputs (mask, ROI, overlay per image, results.jsonl, summary.csv) go to the batch\'s own folder on the server.',
      parameters: [
        { name: 'roi', in: 'query', required: false, schema: { type: 'string', enum: ['true', 'false'] } },
        { name: 'tta', in: 'query', required: false, schema: { type: 'string', enum: ['true', 'false'] } },
      ],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: { type: 'object', required: ['paths'], properties: { paths: { type: 'array', minItems: 1, items: { type: 'string' } } } },
          },
          'multipart/form-data': {
            schema: { type: 'object', properties: { images: { type: 'array', items: { type: 'string', contentMediaType: 'application/octet-stream' } } } },
          },
        },
      },
      responses: {
        202: {
          description: 'Queued; the Location header is the batch\'s URL',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/BatchSubmitted' } } },
        },
        400: errorResponse('No paths or files, a path that does not exist, or a malformed body (bad_request, missing_file).'),
        413: errorResponse('An uploaded file over the size limit, or too many files (upload_too_large).'),
        503: errorResponse('Redis is not answering (queue_unavailable).', true),
      },
    },
  },
  '/v1/batches/{id}': {
    get: {
      summary: 'A batch\'s progress, and its results once finished',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        200: { description: 'Counts; `results` (one per image, in input order) when finished', content: { 'application/json': { schema: { $ref: '#/components/schemas/Batch' } } } },
        404: errorResponse('No such batch (not_found).'),
        503: errorResponse('Redis is not answering (queue_unavailable).', true),
      },
    },
  },
};

function errorResponse(description: string, retryAfter = false) {
  return {
    description,
    ...(retryAfter
      ? { headers: { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 1 } } } }
      : {}),
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  };
}

export function openApiDocument(limits: OpenApiLimits): object {
  const binary = { type: 'string', contentMediaType: 'application/octet-stream' };
  const rawBodies = Object.fromEntries(RAW_IMAGE_TYPES.map((type) => [type, { schema: binary }]));
  return {
    openapi: '3.1.0',
    info: {
      title: 'dermkit',
      version: DERMKIT_VERSION,
      description:
        `Skin lesion segmentation and classification (U-Net segmentation, ROI cut-out, 7-class HAM10000 classifier). ${RESEARCH_NOTICE}\n\n` +
        `Limits of this server: uploads up to ${limits.maxUploadBytes} bytes, images up to ${limits.maxPixels} pixels ` +
        `(checked from the file header, before decoding), ${limits.requestTimeoutMs} ms per analysis including the wait for a worker.`,
      license: { name: 'Apache-2.0' },
    },
    paths: {
      '/v1/analyze': {
        post: {
          summary: 'Segment the lesion, cut out the ROI and classify it',
          description:
            'Send the image either as the raw request body (Content-Type one of the image types, or application/octet-stream) ' +
            'or as multipart/form-data with one file part (any field name; `image` by convention). JPEG, PNG, WebP, TIFF and BMP are decoded. ' +
            'The mask, overlay, ROI and the top class\'s activation map come back inline as base64-encoded PNG files, with warnings ' +
            '(no lesion, lesion at the border, image too small, low confidence, out of distribution) and, with `melThreshold` or a classifier default, a melanoma review flag.',
          parameters: [
            { name: 'melThreshold', in: 'query', required: false, schema: { type: 'number', minimum: 0, maximum: 1 }, description: 'Flag for review when p(mel) >= this.' },
          ],
          requestBody: {
            required: true,
            content: {
              ...rawBodies,
              'multipart/form-data': {
                schema: { type: 'object', required: ['image'], properties: { image: binary } },
              },
            },
          },
          responses: {
            200: { description: 'Analysis result', content: { 'application/json': { schema: { $ref: '#/components/schemas/Analysis' } } } },
            400: errorResponse('Not an image, a corrupt or empty file (invalid_image), a multipart body without a file (missing_file) or a malformed request (bad_request).'),
            413: errorResponse('Upload larger than the byte limit (upload_too_large).'),
            415: errorResponse('Content-Type or image format not accepted (unsupported_media_type).'),
            422: errorResponse('Image has more pixels than the limit, refused from its header before decoding (too_many_pixels).'),
            429: errorResponse('Every place in the work queue is taken (queue_full).', true),
            503: errorResponse('The analysis did not finish within the per-request time limit, waiting included (timeout), or the server is stopping (shutting_down).', true),
          },
        },
      },
      '/v1/models': {
        get: {
          summary: 'The loaded models: name, version and model card (dermkit.json and MODEL_CARD.md)',
          responses: { 200: { description: 'Models', content: { 'application/json': { schema: { $ref: '#/components/schemas/Models' } } } } },
        },
      },
      '/v1/models/{kind}/{file}': {
        get: {
          summary: "Download one of a model's files (the web page's private mode runs the models in the browser)",
          parameters: [
            { name: 'kind', in: 'path', required: true, schema: { type: 'string', enum: ['segmenter', 'classifier'] } },
            { name: 'file', in: 'path', required: true, schema: { type: 'string', enum: ['dermkit.json', 'model.json', 'weights.bin', 'model.onnx', 'MODEL_CARD.md'] } },
          ],
          responses: {
            200: { description: 'The file; its ETag is the model version', content: { 'application/octet-stream': { schema: binary } } },
            304: { description: 'Not modified (If-None-Match matched the model version)' },
            404: errorResponse('No such model file (not_found).'),
          },
        },
      },
      '/healthz': {
        get: {
          summary: 'Liveness and queue occupancy',
          responses: { 200: { description: 'Serving', content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } } },
        },
      },
      '/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1 document' } } } },
      ...(limits.batches ? batchPaths : {}),
    },
    components: {
      schemas: {
        Analysis: analysisSchema, Error: errorSchema, Models: modelsSchema, Health: healthSchema,
        ...(limits.batches ? { Batch: batchSchema, BatchSubmitted: batchSubmittedSchema } : {}),
      },
    },
  };
}
