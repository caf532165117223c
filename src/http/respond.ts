import { isSteadyCallError, SteadyCallError, ValidationError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/**
 * A JSON response with `Cache-Control: no-store`.
 *
 * @example
 * ```ts
 * import { json } from 'steadycall';
 *
 * return json({ ok: true }, 202, { 'x-request-id': requestId });
 * ```
 */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

/**
 * A TwiML (XML) response.
 *
 * @example
 * ```ts
 * import { xml } from 'steadycall';
 *
 * return xml('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
 * ```
 */
export function xml(body: string, status = 200): Response {
  return new Response(body, {
    status,
    headers: { 'content-type': 'text/xml; charset=utf-8', 'cache-control': 'no-store' },
  });
}

/**
 * 413 for a body over the limit.
 *
 * @example
 * ```ts
 * import { PayloadTooLargeError } from 'steadycall';
 *
 * if (bytes.byteLength > 64 * 1024) throw new PayloadTooLargeError(64 * 1024);
 * ```
 */
export class PayloadTooLargeError extends SteadyCallError {
  /** @param limit - The limit that was exceeded, in bytes. */
  constructor(limit: number) {
    super('payload_too_large', `Request body exceeds ${limit} bytes`, {
      httpStatus: 413,
      details: { limit },
    });
    this.name = 'PayloadTooLargeError';
  }
}

/**
 * 404 for an unknown route.
 *
 * @example
 * ```ts
 * import { NotFoundError } from 'steadycall';
 *
 * const call = await stores.calls.get(id);
 * if (!call) throw new NotFoundError(`No call ${id}`);
 * ```
 */
export class NotFoundError extends SteadyCallError {
  /** @param what - The message. Default `Not found`. */
  constructor(what = 'Not found') {
    super('not_found', what, { httpStatus: 404 });
    this.name = 'NotFoundError';
  }
}

/**
 * 405 with an `Allow` header.
 *
 * @example
 * ```ts
 * import { methodNotAllowed } from 'steadycall';
 *
 * if (request.method !== 'POST') return methodNotAllowed(['POST']);
 * ```
 */
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
 *
 * @example
 * ```ts
 * import { errorResponse } from 'steadycall';
 *
 * try {
 *   return await handle(request);
 * } catch (err) {
 *   return errorResponse(err, logger); // e.g. 503 with Retry-After for CircuitOpenError
 * }
 * ```
 */
export function errorResponse(err: unknown, logger?: Logger): Response {
  if (isSteadyCallError(err)) {
    const retryAfter = retryAfterSeconds(err);
    if (err.httpStatus >= 500) logger?.warn({ code: err.code, err }, 'request failed');
    return json(err.toJSON(), err.httpStatus, retryAfter ? { 'retry-after': retryAfter } : {});
  }
  if (isDataException(err)) {
    logger?.warn({ code: (err as { code: string }).code }, 'input refused by the store');
    return errorResponse(new ValidationError('The input cannot be stored (invalid characters or values)'));
  }
  logger?.error({ err }, 'unexpected error');
  return json({ error: { code: 'internal', message: 'Internal error' } }, 500);
}

// PostgreSQL refuses some values the validators let through (a NUL byte, a lone surrogate in jsonb,
// a time out of range): SQLSTATE class 22, "data exception". The input is at fault, not the server.
function isDataException(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown } | null;
  return e?.name === 'PostgresError' && typeof e.code === 'string' && e.code.startsWith('22');
}
