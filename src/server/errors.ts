/**
 * Every error the API answers with has the body `{ error: { code, message } }` and a status from a
 * fixed list. Bad input is always a 4xx: only a fault of the server itself gives a 500.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ImageDecodeError } from '../image/decode.js';
import { ERROR_CODES, type ErrorBody, type ErrorCode } from './schemas.js';

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

const ACCEPTED = 'send a JPEG, PNG, WebP, TIFF or BMP file as the body (Content-Type image/... or application/octet-stream) or as multipart/form-data';

/** Turn anything thrown while handling a request into the ApiError to answer with; `contentType` is the request's. */
export function toApiError(err: unknown, contentType?: string): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ImageDecodeError) return fromDecodeError(err);
  const e = err as { code?: string; statusCode?: number; message?: string };
  const known = e.code ? FRAMEWORK_CODES[e.code] : undefined;
  if (known === 'unsupported_media_type') return new ApiError(known, `Content-Type ${contentType ? `"${contentType}"` : '(none)'} is not accepted: ${ACCEPTED}`);
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

/**
 * Requests Node's HTTP parser rejects before Fastify sees them (malformed, headers too large, too
 * slow to arrive) get the same JSON error body, written straight to the socket.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const api =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? new ApiError('request_timeout', 'the request took too long to arrive')
    : err.code === 'HPE_HEADER_OVERFLOW' ? new ApiError('headers_too_large', 'the request headers are too large')
    : new ApiError('bad_request', `malformed HTTP request (${err.code ?? err.message})`);
  const body = JSON.stringify(errorBody(api));
  socket.end(
    `HTTP/1.1 ${api.statusCode} ${STATUS_CODES[api.statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
