// Every error the API can answer, in one registry: code → HTTP status. Every error response —
// ours and those raised by Fastify or its plugins — leaves through toErrorEnvelope() as
// { "error": { "code": "...", "message": "..." } } (PRODUCT.md "JSON API").
import { isStorageUnavailable } from '../store/store.js';

export const ERROR_STATUS = {
  invalid_request: 400,
  not_supported: 400,
  // organisations (issue 11): no or an ended session / token; a session of someone else
  login_required: 401,
  not_permitted: 403,
  ticket_invalid: 400,
  consent_required: 403,
  consent_invalid: 403,
  consent_scope: 403,
  origin_forbidden: 403,
  requester_not_allowed: 403,
  not_found: 404,
  method_not_allowed: 405,
  not_acceptable: 406,
  uri_too_long: 414,
  host_not_allowed: 421,
  scan_in_progress: 409,
  body_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  busy: 503,
  database_unavailable: 503,
  scanner_unhealthy: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class ApiError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Seconds, for 429 and 503. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = ERROR_STATUS[code];
  }
}

export interface ErrorEnvelope {
  error: { code: string; message: string };
}

/** Fastify's own error codes, translated into ours with a sentence a person understands. */
const FASTIFY_ERRORS: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    'unsupported_media_type',
    'Send the request body as application/json.',
  ],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [
    'invalid_request',
    'The Content-Length header does not match the body.',
  ],
  FST_ERR_CTP_BODY_TOO_LARGE: ['body_too_large', 'The request body is too large.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [
    'invalid_request',
    'The request body is empty; send a JSON object.',
  ],
  FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_request', 'The request body is not valid JSON.'],
  FST_ERR_CTP_EMPTY_TYPE: ['unsupported_media_type', 'The Content-Type header is empty.'],
  FST_ERR_CTP_INVALID_TYPE: ['unsupported_media_type', 'The Content-Type header is not valid.'],
  FST_ERR_BAD_URL: ['invalid_request', 'The URL is not valid.'],
  FST_ERR_MAX_PARAM_LENGTH: ['uri_too_long', 'A part of the URL is too long.'],
  FST_ERR_ASYNC_CONSTRAINT: ['invalid_request', 'The request could not be routed.'],
  FST_ERR_NOT_FOUND: ['not_found', 'Nothing is here.'],
  FST_CSRF_INVALID_TOKEN: [
    'origin_forbidden',
    'The form token is missing or not valid. Reload the page and try again.',
  ],
  FST_CSRF_MISSING_SECRET: [
    'origin_forbidden',
    'The form token is missing. Reload the page and try again.',
  ],
};

interface ErrorLike {
  code?: string;
  statusCode?: number;
  message?: string;
  validation?: unknown;
}

/** Maps any thrown error to (status, envelope). 5xx details stay out of the answer. */
export function toErrorEnvelope(err: unknown): {
  status: number;
  body: ErrorEnvelope;
  retryAfter?: number;
} {
  if (err instanceof ApiError) {
    return {
      status: err.statusCode,
      body: { error: { code: err.code, message: err.message } },
      ...(err.retryAfter !== undefined ? { retryAfter: err.retryAfter } : {}),
    };
  }
  if (isStorageUnavailable(err))
    return {
      ...envelope(
        'database_unavailable',
        'The service cannot save diagnoses right now. Please try again in a minute.',
      ),
      retryAfter: 30,
    };
  const e = (err ?? {}) as ErrorLike & object;
  const known = e.code ? FASTIFY_ERRORS[e.code] : undefined;
  if (known) return envelope(known[0], known[1]);
  if (e.code?.startsWith('FST_ERR_CTP_') || (err instanceof SyntaxError && e.statusCode === 400))
    return envelope('invalid_request', 'The request body could not be read.');
  if (e.statusCode === 429) return envelope('rate_limited', e.message ?? 'Too many requests.');
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    // secure-json-parse refuses __proto__ / constructor.prototype keys with a 400
    return envelope('invalid_request', e.message ?? 'The request is not valid.', e.statusCode);
  }
  return envelope('internal_error', 'Something went wrong on our side. Please try again later.');
}

function envelope(code: ErrorCode, message: string, status: number = ERROR_STATUS[code]) {
  return { status, body: { error: { code, message } } };
}
