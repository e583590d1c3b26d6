/**
 * JSON Schemas of the API's responses. Routes use them to serialise (so a response cannot drift
 * from its schema) and the OpenAPI document embeds the same objects.
 */

const base64Png = {
  type: 'string',
  contentEncoding: 'base64',
  contentMediaType: 'image/png',
} as const;

const bbox = {
  type: 'object',
  description: 'Pixel box in the uploaded image (after EXIF orientation): columns x..x+width-1, rows y..y+height-1.',
  required: ['x', 'y', 'width', 'height'],
  properties: {
    x: { type: 'integer' },
    y: { type: 'integer' },
    width: { type: 'integer' },
    height: { type: 'integer' },
  },
} as const;

const warnings = {
  type: 'array',
  description: 'What to be wary of in this result; empty when nothing is. Codes: no_lesion, lesion_at_border, image_too_small, low_confidence, out_of_distribution.',
  items: {
    type: 'object',
    required: ['code', 'message'],
    properties: {
      code: { type: 'string', enum: ['no_lesion', 'lesion_at_border', 'image_too_small', 'low_confidence', 'out_of_distribution'] },
      message: { type: 'string', description: 'The warning in words, for people.' },
    },
  },
} as const;

const review = {
  anyOf: [
    {
      type: 'object',
      required: ['label', 'probability', 'threshold', 'flagged'],
      properties: {
        label: { type: 'string', description: 'The class flagged (mel).' },
        probability: { type: 'number' },
        threshold: { type: 'number' },
        flagged: { type: 'boolean', description: 'probability >= threshold: flag for review.' },
      },
    },
    { type: 'null' },
  ],
  description: 'Flag for review on p(mel), at the query\'s melThreshold or the classifier\'s default; null when neither is set.',
} as const;

const ood = {
  anyOf: [
    {
      type: 'object',
      required: ['score', 'range'],
      properties: { score: { type: 'number' }, range: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 } },
    },
    { type: 'null' },
  ],
  description: 'Out-of-distribution score of the image (distance of its features to the nearest training class) and the range that holds the validation images\' scores; outside it the image is flagged. Null when the classifier has no fitted detector.',
} as const;

const modelRef = {
  type: 'object',
  required: ['name', 'version'],
  properties: { name: { type: 'string' }, version: { type: 'string' } },
} as const;

export const analysisSchema = {
  type: 'object',
  required: ['notice', 'width', 'height', 'probabilities', 'top', 'lesionAreaFraction', 'bbox', 'warnings', 'review', 'ood', 'images', 'models', 'engine', 'timingsMs'],
  properties: {
    notice: { type: 'string', description: 'Research use only: not a medical device and not a diagnosis.' },
    width: { type: 'integer', description: 'Width of the image as analysed (EXIF orientation applied).' },
    height: { type: 'integer' },
    probabilities: {
      type: 'object',
      description: 'Classifier probability per class (the seven HAM10000 classes: akiec, bcc, bkl, df, mel, nv, vasc).',
      additionalProperties: { type: 'number' },
    },
    top: {
      type: 'object',
      required: ['label', 'probability'],
      properties: { label: { type: 'string' }, probability: { type: 'number' } },
    },
    lesionAreaFraction: { type: 'number', minimum: 0, maximum: 1, description: 'Fraction of the image covered by the segmented lesion.' },
    bbox: { anyOf: [bbox, { type: 'null' }], description: 'Lesion bounding box; null when no lesion was found (the whole image is then classified).' },
    warnings,
    review,
    ood,
    images: {
      type: 'object',
      description: 'Result images as base64-encoded PNG files (no `data:` prefix).',
      required: ['mask', 'overlay', 'roi'],
      properties: {
        mask: { ...base64Png, description: 'Binary lesion mask (0 or 255), one 8-bit channel, at the image size.' },
        overlay: { ...base64Png, description: 'The image with the lesion outline and the top class drawn on it.' },
        roi: { ...base64Png, description: 'The region the classifier saw: the lesion crop, pixels outside the mask black.' },
        cam: { ...base64Png, description: 'Class activation map of the top class as a heat map over the image (blue: no evidence, red: most); absent when the classifier has none.' },
      },
    },
    models: {
      type: 'object',
      required: ['segmenter', 'classifier'],
      properties: { segmenter: modelRef, classifier: modelRef },
    },
    engine: { type: 'string', enum: ['onnx', 'tfjs'] },
    timingsMs: {
      type: 'object',
      description: 'Milliseconds spent waiting for a worker, decoding, segmenting, cutting out the ROI, classifying and encoding the PNGs.',
      required: ['queue', 'decode', 'segment', 'roi', 'classify', 'encode', 'total'],
      properties: {
        queue: { type: 'number' },
        decode: { type: 'number' },
        segment: { type: 'number' },
        roi: { type: 'number' },
        classify: { type: 'number' },
        encode: { type: 'number' },
        total: { type: 'number' },
      },
    },
  },
} as const;

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable, machine-readable reason (e.g. invalid_image, upload_too_large, queue_full).' },
        message: { type: 'string', description: 'What went wrong, for people.' },
      },
    },
  },
} as const;

export const modelsSchema = {
  type: 'object',
  required: ['models'],
  properties: {
    models: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kind', 'name', 'version', 'config', 'card', 'files'],
        properties: {
          kind: { type: 'string', enum: ['segmenter', 'classifier'] },
          name: { type: 'string' },
          version: { type: 'string', description: 'Content hash of the model files.' },
          config: { type: 'object', additionalProperties: true, description: "The model's dermkit.json." },
          card: { type: ['string', 'null'], description: 'MODEL_CARD.md beside the model (Markdown), or null.' },
          files: {
            type: 'array',
            items: { type: 'string' },
            description: 'Files downloadable from /v1/models/{kind}/{file} (used by the web page\'s private mode).',
          },
        },
      },
    },
  },
} as const;

export const healthSchema = {
  type: 'object',
  required: ['status', 'queue'],
  properties: {
    status: { type: 'string', enum: ['ok'] },
    queue: {
      type: 'object',
      required: ['running', 'waiting', 'admitted', 'capacity', 'concurrency'],
      properties: {
        running: { type: 'integer' },
        waiting: { type: 'integer' },
        admitted: { type: 'integer', description: 'Requests holding a place (uploading, waiting or running).' },
        capacity: { type: 'integer' },
        concurrency: { type: 'integer' },
      },
    },
  },
} as const;

const batchCounts = {
  batch: { type: 'string' },
  total: { type: 'integer', description: 'Images in the batch.' },
  waiting: { type: 'integer', description: 'Not started yet, or waiting to be retried.' },
  active: { type: 'integer', description: 'Being analysed by a worker now.' },
  done: { type: 'integer', description: 'Analysed (including images already done in an earlier batch).' },
  failed: { type: 'integer', description: 'Could not be analysed (see the error of their result).' },
} as const;

/** One line of results.jsonl, as `dermkit analyze` writes it. */
const batchRecordSchema = {
  type: 'object',
  required: ['file', 'name', 'ok', 'notice'],
  properties: {
    file: { type: 'string', description: 'The image: its path, or the uploaded file\'s name.' },
    name: { type: 'string', description: 'Base name of its output files.' },
    ok: { type: 'boolean' },
    error: { type: 'string', description: 'Why it could not be analysed, naming the file (when ok is false).' },
    width: { type: 'integer' },
    height: { type: 'integer' },
    top: { type: 'string' },
    topProbability: { type: 'number' },
    probabilities: { type: 'object', additionalProperties: { type: 'number' } },
    lesionAreaFraction: { type: 'number' },
    classifiedOn: { type: 'string' },
    bbox: { anyOf: [bbox, { type: 'null' }] },
    warnings,
    review,
    ood,
    timingsMs: { type: 'object', additionalProperties: { type: 'number' } },
    outputs: {
      type: 'object',
      description: 'Its mask, ROI, overlay and class activation map files in the batch\'s output folder.',
      properties: { mask: { type: 'string' }, roi: { type: 'string' }, overlay: { type: 'string' }, cam: { type: 'string' } },
    },
    notice: { type: 'string' },
  },
} as const;

export const batchSubmittedSchema = {
  type: 'object',
  required: ['batch', 'submitted', 'skipped', 'notice'],
  properties: {
    batch: { type: 'string', description: 'Batch id: GET /v1/batches/{id} follows it.' },
    submitted: { type: 'integer', description: 'Images queued.' },
    skipped: { type: 'integer', description: 'Images already done in the output folder, not queued again.' },
    notice: { type: 'string' },
  },
} as const;

export const batchSchema = {
  type: 'object',
  required: [...Object.keys(batchCounts), 'finished', 'notice'],
  properties: {
    ...batchCounts,
    finished: { type: 'boolean', description: 'Nothing waiting or active: every image is done or failed.' },
    results: { type: 'array', items: batchRecordSchema, description: 'When finished: one result per image, in input order (the batch\'s results.jsonl).' },
    notice: { type: 'string' },
  },
} as const;
