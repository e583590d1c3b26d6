/**
 * Every error the API answers with has the body `{ error: { code, message } }` and a status from a
 * fixed list. Bad input is always a 4xx: only a fault of the server itself gives a 500.
 */
import { ImageDecodeError } from '../image/decode.js';

export const ERROR_CODES = {
  bad_request: 400,
  invalid_image: 400,
  missing_file: 400,
  not_found: 404,
  upload_too_large: 413,
  unsupported_media_type: 415,
  too_many_pixels: 422,
  queue_full: 429,
  timeout: 503,
  shutting_down: 503,
  internal_error: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Seconds, sent as the Retry-After header (429 and 503). */
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.statusCode = ERROR_CODES[code];
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/**
 * `decodeImage` says what is wrong in words only; its wording is stable ("empty file", "not an
 * image", "truncated/corrupt", "unsupported image format", "too large"), so it is sorted here.
 */
function fromDecodeError(err: ImageDecodeError): ApiError {
  if (err.problem.startsWith('too large')) return new ApiError('too_many_pixels', err.message);
  if (err.problem.startsWith('unsupported image format')) return new ApiError('unsupported_media_type', err.message);
  return new ApiError('invalid_image', err.message);
}

/** Fastify and @fastify/multipart error codes for problems with the request, not the server. */
const FRAMEWORK_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'upload_too_large',
  FST_REQ_FILE_TOO_LARGE: 'upload_too_large',
  FST_FILES_LIMIT: 'upload_too_large',
  FST_PARTS_LIMIT: 'upload_too_large',
  FST_FIELDS_LIMIT: 'upload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported_media_type',
};

/** Turn anything thrown while handling a request into the ApiError to answer with. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ImageDecodeError) return fromDecodeError(err);
  const e = err as { code?: string; statusCode?: number; message?: string };
  const known = e.code ? FRAMEWORK_CODES[e.code] : undefined;
  if (known) return new ApiError(known, e.message ?? known);
  // Other client-side failures (malformed multipart, bad Content-Length, aborted upload...).
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new ApiError('bad_request', e.message ?? 'bad request');
  }
  return new ApiError('internal_error', 'internal server error');
}

export function errorBody(err: ApiError): ErrorBody {
  return { error: { code: err.code, message: err.message } };
}
