/**
 * The API's JSON bodies, declared once as TypeBox schemas: routes.ts serialises responses with
 * them (so a response cannot drift from its schema), /openapi.json shows them as its components,
 * and the TypeScript types below are their `Static<>`. The web page imports the types only, so
 * its bundle takes no server code.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { ENGINES } from '../pipeline/predictor.js';
import { WARNING_CODES } from '../pipeline/warnings.js';
import { HAM_CLASSES, MODEL_KINDS } from '../vocabulary.js';

export const ERROR_CODES = {
  bad_request: 400,
  invalid_image: 400,
  missing_file: 400,
  not_found: 404,
  request_timeout: 408,
  upload_too_large: 413,
  unsupported_media_type: 415,
  too_many_pixels: 422,
  queue_full: 429,
  headers_too_large: 431,
  timeout: 503,
  shutting_down: 503,
  queue_unavailable: 503,
  internal_error: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as ErrorCode[];

const base64Png = (description: string) => Type.String({ contentEncoding: 'base64', contentMediaType: 'image/png', description });

const bbox = Type.Object({
  x: Type.Integer(),
  y: Type.Integer(),
  width: Type.Integer(),
  height: Type.Integer(),
}, { description: 'Pixel box in the uploaded image (after EXIF orientation): columns x..x+width-1, rows y..y+height-1.' });

const warnings = Type.Array(Type.Object({
  code: Type.Enum(WARNING_CODES, { type: 'string' }),
  message: Type.String({ description: 'The warning in words, for people.' }),
}), { description: `What to be wary of in this result; empty when nothing is. Codes: ${WARNING_CODES.join(', ')}.` });

const review = Type.Union([
  Type.Object({
    label: Type.String({ description: 'The class flagged (mel).' }),
    probability: Type.Number(),
    threshold: Type.Number(),
    flagged: Type.Boolean({ description: 'probability >= threshold: flag for review.' }),
  }),
  Type.Null(),
], { description: 'Flag for review on p(mel), at the query\'s melThreshold or the classifier\'s default; null when neither is set.' });

const ood = Type.Union([
  // Typed as the pair it is; TypeBox's Tuple writes draft-07 `items: [...]`, which OpenAPI 3.1 does not read.
  Type.Object({ score: Type.Number(), range: Type.Unsafe<[number, number]>(Type.Array(Type.Number(), { minItems: 2, maxItems: 2 })) }),
  Type.Null(),
], { description: 'Out-of-distribution score of the image (distance of its features to the nearest training class) and the range that holds the validation images\' scores; outside it the image is flagged. Null when the classifier has no fitted detector.' });

const modelRef = Type.Object({ name: Type.String(), version: Type.String() });

const probabilities = (description?: string) => Type.Record(Type.String(), Type.Number(), description ? { description } : {});

export const analysisSchema = Type.Object({
  notice: Type.String({ description: 'Research use only: not a medical device and not a diagnosis.' }),
  width: Type.Integer({ description: 'Width of the image as analysed (EXIF orientation applied).' }),
  height: Type.Integer(),
  probabilities: probabilities(`Classifier probability per class (the seven HAM10000 classes: ${HAM_CLASSES.join(', ')}).`),
  top: Type.Object({ label: Type.String(), probability: Type.Number() }),
  lesionAreaFraction: Type.Number({ minimum: 0, maximum: 1, description: 'Fraction of the image covered by the segmented lesion.' }),
  bbox: Type.Union([bbox, Type.Null()], { description: 'Lesion bounding box; null when no lesion was found (the whole image is then classified).' }),
  warnings,
  review,
  ood,
  images: Type.Object({
    mask: base64Png('Binary lesion mask (0 or 255), one 8-bit channel, at the image size.'),
    overlay: base64Png('The image with the lesion outline and the top class drawn on it.'),
    roi: base64Png('The region the classifier saw: the lesion crop, pixels outside the mask black.'),
    cam: Type.Optional(base64Png('Class activation map of the top class as a heat map over the image (blue: no evidence, red: most); absent when the classifier has none.')),
  }, { description: 'Result images as base64-encoded PNG files (no `data:` prefix).' }),
  models: Type.Object({ segmenter: modelRef, classifier: modelRef }),
  engine: Type.Enum(ENGINES, { type: 'string' }),
  timingsMs: Type.Object({
    queue: Type.Number(),
    decode: Type.Number(),
    segment: Type.Number(),
    roi: Type.Number(),
    classify: Type.Number(),
    encode: Type.Number(),
    total: Type.Number(),
  }, { description: 'Milliseconds spent waiting for a worker, decoding, segmenting, cutting out the ROI, classifying and encoding the PNGs.' }),
}, { $id: 'Analysis' });

export const errorSchema = Type.Object({
  error: Type.Object({
    code: Type.Enum(ERROR_CODE_NAMES, { type: 'string', description: 'Stable, machine-readable reason (e.g. invalid_image, upload_too_large, queue_full).' }),
    message: Type.String({ description: 'What went wrong, for people.' }),
  }),
}, { $id: 'Error' });

export const modelsSchema = Type.Object({
  models: Type.Array(Type.Object({
    kind: Type.Enum(MODEL_KINDS, { type: 'string' }),
    name: Type.String(),
    version: Type.String({ description: 'Content hash of the model files.' }),
    config: Type.Object({}, { additionalProperties: true, description: "The model's dermkit.json." }),
    card: Type.Union([Type.String(), Type.Null()], { description: 'MODEL_CARD.md beside the model (Markdown), or null.' }),
    files: Type.Array(Type.String(), { description: 'Files downloadable from /v1/models/{kind}/{file} (used by the web page\'s private mode).' }),
  })),
}, { $id: 'Models' });

export const healthSchema = Type.Object({
  status: Type.Literal('ok'),
  queue: Type.Object({
    running: Type.Integer(),
    waiting: Type.Integer(),
    admitted: Type.Integer({ description: 'Requests holding a place (uploading, waiting or running).' }),
    capacity: Type.Integer(),
    concurrency: Type.Integer(),
  }),
}, { $id: 'Health' });

/** One line of results.jsonl, as `dermkit analyze` writes it. */
const batchRecord = Type.Object({
  file: Type.String({ description: 'The image: its path, or the uploaded file\'s name.' }),
  name: Type.String({ description: 'Base name of its output files.' }),
  ok: Type.Boolean(),
  error: Type.Optional(Type.String({ description: 'Why it could not be analysed, naming the file (when ok is false).' })),
  width: Type.Optional(Type.Integer()),
  height: Type.Optional(Type.Integer()),
  top: Type.Optional(Type.String()),
  topProbability: Type.Optional(Type.Number()),
  probabilities: Type.Optional(probabilities()),
  lesionAreaFraction: Type.Optional(Type.Number()),
  classifiedOn: Type.Optional(Type.String()),
  bbox: Type.Optional(Type.Union([bbox, Type.Null()])),
  warnings: Type.Optional(warnings),
  review: Type.Optional(review),
  ood: Type.Optional(ood),
  timingsMs: Type.Optional(Type.Record(Type.String(), Type.Number())),
  outputs: Type.Optional(Type.Object({
    mask: Type.String(), roi: Type.String(), overlay: Type.String(), cam: Type.Optional(Type.String()),
  }, { description: 'Its mask, ROI, overlay and class activation map files in the batch\'s output folder.' })),
  notice: Type.String(),
});

export const batchSubmittedSchema = Type.Object({
  batch: Type.String({ description: 'Batch id: GET /v1/batches/{id} follows it.' }),
  submitted: Type.Integer({ description: 'Images queued.' }),
  skipped: Type.Integer({ description: 'Images already done in the output folder, not queued again.' }),
  notice: Type.String(),
}, { $id: 'BatchSubmitted' });

export const batchSchema = Type.Object({
  batch: Type.String(),
  total: Type.Integer({ description: 'Images in the batch.' }),
  waiting: Type.Integer({ description: 'Not started yet, or waiting to be retried.' }),
  active: Type.Integer({ description: 'Being analysed by a worker now.' }),
  done: Type.Integer({ description: 'Analysed (including images already done in an earlier batch).' }),
  failed: Type.Integer({ description: 'Could not be analysed (see the error of their result).' }),
  finished: Type.Boolean({ description: 'Nothing waiting or active: every image is done or failed.' }),
  results: Type.Optional(Type.Array(batchRecord, { description: 'When finished: one result per image, in input order (the batch\'s results.jsonl).' })),
  notice: Type.String(),
}, { $id: 'Batch' });

/** The schemas routes refer to by `$id` (see `shared`): added to Fastify once, components of /openapi.json. */
export const SHARED_SCHEMAS = [analysisSchema, errorSchema, modelsSchema, healthSchema];
export const BATCH_SCHEMAS = [batchSchema, batchSubmittedSchema];

/** A reference to a shared schema, typed as that schema, with the description of where it is used. */
export function shared<T extends TSchema>(schema: T, description: string) {
  const id = (schema as { $id?: string }).$id;
  if (!id) throw new Error('shared() refers to a schema by its $id, and this one has none');
  return Type.Unsafe<Static<T>>({ $ref: `${id}#`, description });
}

export type AnalysisBody = Static<typeof analysisSchema>;
export type ErrorBody = Static<typeof errorSchema>;
export type ModelRef = Static<typeof modelRef>;
