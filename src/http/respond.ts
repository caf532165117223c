import { isSteadyCallError, SteadyCallError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/** A JSON response with `Cache-Control: no-store`. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

/** A TwiML (XML) response. */
export function xml(body: string, status = 200): Response {
  return new Response(body, {
    status,
    headers: { 'content-type': 'text/xml; charset=utf-8', 'cache-control': 'no-store' },
  });
}

/** 413 for a body over the limit. */
export class PayloadTooLargeError extends SteadyCallError {
  constructor(limit: number) {
    super('payload_too_large', `Request body exceeds ${limit} bytes`, {
      httpStatus: 413,
      details: { limit },
    });
    this.name = 'PayloadTooLargeError';
  }
}

/** 404 for an unknown route. */
export class NotFoundError extends SteadyCallError {
  constructor(what = 'Not found') {
    super('not_found', what, { httpStatus: 404 });
    this.name = 'NotFoundError';
  }
}

/** 405 with an `Allow` header. */
export function methodNotAllowed(allow: readonly string[]): Response {
  return json({ error: { code: 'method_not_allowed', message: `Use ${allow.join(', ')}` } }, 405, {
    allow: allow.join(', '),
  });
}

function retryAfterSeconds(err: SteadyCallError): string | undefined {
  const ms = (err as { retryAfterMs?: unknown }).retryAfterMs;
  if (typeof ms === 'number' && Number.isFinite(ms)) return String(Math.max(1, Math.ceil(ms / 1000)));
  return err.httpStatus === 503 ? '1' : undefined;
}

/**
 * Turns any thrown value into the JSON error shape `{ error: { code, message } }` with an honest
 * status; 503 and 409 carry `Retry-After`. Unexpected errors become a generic 500 (logged, not shown).
 */
export function errorResponse(err: unknown, logger?: Logger): Response {
  if (isSteadyCallError(err)) {
    const retryAfter = retryAfterSeconds(err);
    if (err.httpStatus >= 500) logger?.warn({ code: err.code, err }, 'request failed');
    return json(err.toJSON(), err.httpStatus, retryAfter ? { 'retry-after': retryAfter } : {});
  }
  logger?.error({ err }, 'unexpected error');
  return json({ error: { code: 'internal', message: 'Internal error' } }, 500);
}
