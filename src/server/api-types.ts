/**
 * The JSON the API answers with, as TypeScript types (schemas.ts has the same as JSON Schema).
 * Free of server code, so the web page's bundle can share them.
 */
import type { Findings } from '../pipeline/analyze.js';
import type { EngineName } from '../pipeline/predictor.js';

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

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export interface ModelRef {
  name: string;
  version: string;
}

export interface AnalysisBody extends Findings {
  /** Base64-encoded PNG files; `cam` (the top class's activation map over the image) when the classifier has one. */
  images: { mask: string; overlay: string; roi: string; cam?: string };
  models: { segmenter: ModelRef; classifier: ModelRef };
  engine: EngineName;
  timingsMs: { queue: number; decode: number; segment: number; roi: number; classify: number; encode: number; total: number };
}

