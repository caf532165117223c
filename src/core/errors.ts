/**
 * steadycall's error hierarchy. Every error the SDK throws on purpose is a {@link SteadyCallError}
 * with a stable `code`, an HTTP status the endpoints answer with, and a `retryable` flag.
 *
 * Guards use a registry symbol instead of `instanceof`, so they work across realms and across
 * duplicated copies of the package (ESM and CJS side by side).
 */

const BRAND = Symbol.for('steadycall.error');

/**
 * Stable machine-readable error codes.
 *
 * Each is the `error.code` of the JSON error body the endpoints answer with.
 *
 * @example
 * ```ts
 * import type { SteadyCallErrorCode } from 'steadycall';
 *
 * const body = (await response.json()) as { error: { code: SteadyCallErrorCode; message: string } };
 * if (body.error.code === 'circuit_open') showBanner('Calling is paused; retrying shortly');
 * ```
 */
export type SteadyCallErrorCode =
  | 'circuit_open'
  | 'feature_disabled'
  | 'idempotency_in_progress'
  | 'idempotency_key_reuse'
  | 'validation_failed'
  | 'invalid_signature'
  | 'unauthorized'
  | 'storage_unavailable'
  | 'timeout'
  | 'provider_error'
  | 'not_found'
  | 'payload_too_large'
  | 'internal';

/**
 * Options every steadycall error constructor accepts; each subclass fills in its own defaults.
 *
 * @example
 * ```ts
 * import { StorageUnavailableError } from 'steadycall';
 *
 * throw new StorageUnavailableError('Flag store unreachable', { cause: err, retryAfterMs: 5_000 });
 * ```
 */
export interface SteadyCallErrorOptions {
  /** Whether trying again later may succeed. Default `false` (each subclass sets its own). */
  retryable?: boolean;
  /** The HTTP status an endpoint answers with. Default 500 (each subclass sets its own). */
  httpStatus?: number;
  /** The underlying error, kept as the standard `Error.cause` (never serialised by `toJSON()`). */
  cause?: unknown;
  /** Safe, redacted details that may be shown to API clients. */
  details?: Record<string, unknown>;
}

/**
 * Base class of every error steadycall throws on purpose.
 *
 * @example
 * ```ts
 * try { await breaker.execute(() => callTwilio()); }
 * catch (err) { if (isSteadyCallError(err) && err.retryable) scheduleRetry(); }
 * ```
 */
export class SteadyCallError extends Error {
  /** Stable, machine-readable code; the `error.code` of the JSON body. */
  readonly code: SteadyCallErrorCode;
  /** Whether the same request may succeed later (circuit open, timeout, store down). */
  readonly retryable: boolean;
  /** The HTTP status the endpoints answer with for this error. */
  readonly httpStatus: number;
  /** Safe, redacted details included in the JSON body (`error.details`), if any. */
  readonly details: Record<string, unknown> | undefined;
  /** @internal Marks steadycall errors for the `is...Error` guards, across realms and package copies. */
  declare readonly [BRAND]: true;

  /**
   * @param code - The stable error code.
   * @param message - Human-readable message; it is sent to API clients, so keep it free of secrets.
   * @param options - Retryability, HTTP status, cause and details.
   */
  constructor(code: SteadyCallErrorCode, message: string, options: SteadyCallErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SteadyCallError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.httpStatus = options.httpStatus ?? 500;
    this.details = options.details;
    Object.defineProperty(this, BRAND, { value: true, enumerable: false });
  }

  /**
   * The JSON body every endpoint answers with: `{ error: { code, message } }`.
   *
   * @example
   * ```ts
   * return Response.json(err.toJSON(), { status: err.httpStatus });
   * ```
   */
  toJSON(): {
    /** The error as API clients see it. */
    error: {
      /** The stable error code. */
      code: SteadyCallErrorCode;
      /** The error message. */
      message: string;
      /** Safe, redacted details, when the error has any. */
      details?: Record<string, unknown>;
    };
  } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

/**
 * True for any steadycall error, whichever copy of the package or realm created it.
 *
 * @example
 * ```ts
 * import { isSteadyCallError } from 'steadycall';
 *
 * function toResponse(err: unknown): Response {
 *   if (isSteadyCallError(err)) return Response.json(err.toJSON(), { status: err.httpStatus });
 *   return Response.json({ error: { code: 'internal', message: 'Internal error' } }, { status: 500 });
 * }
 * ```
 */
export function isSteadyCallError(value: unknown): value is SteadyCallError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

function hasCode<C extends SteadyCallErrorCode>(value: unknown, code: C): boolean {
  return isSteadyCallError(value) && value.code === code;
}

/**
 * The provider's breaker is open: the call was not attempted.
 *
 * HTTP 503, retryable; endpoints send `Retry-After` from {@link CircuitOpenError.retryAfterMs}.
 *
 * @example
 * ```ts
 * import { isCircuitOpenError } from 'steadycall';
 *
 * try {
 *   await breaker.execute((signal) => placeCall(signal));
 * } catch (err) {
 *   if (isCircuitOpenError(err)) return queueForLater(err.retryAfterMs);
 *   throw err;
 * }
 * ```
 */
export class CircuitOpenError extends SteadyCallError {
  /** The provider whose circuit is open, e.g. `twilio`. */
  readonly provider: string;
  /** Milliseconds until a call may be attempted again (whole, never negative). */
  readonly retryAfterMs: number;
  /**
   * @param provider - The provider whose circuit is open.
   * @param retryAfterMs - How long until a call may be attempted; rounded up, negative becomes 0.
   * @param options - Overrides of the defaults (503, retryable).
   */
  constructor(provider: string, retryAfterMs: number, options: SteadyCallErrorOptions = {}) {
    const wait = Math.max(0, Math.ceil(retryAfterMs));
    super('circuit_open', `Circuit for provider "${provider}" is open; retry in ${wait} ms`, {
      retryable: true,
      httpStatus: 503,
      details: { provider, retryAfterMs: wait },
      ...options,
    });
    this.name = 'CircuitOpenError';
    this.provider = provider;
    this.retryAfterMs = wait;
  }
}
/**
 * True when `v` is a {@link CircuitOpenError} (matched by its code, so it works across package copies and realms).
 *
 * @example
 * ```ts
 * import { isCircuitOpenError } from 'steadycall';
 *
 * if (isCircuitOpenError(err)) res.setHeader('retry-after', Math.ceil(err.retryAfterMs / 1000));
 * ```
 */
export const isCircuitOpenError = (v: unknown): v is CircuitOpenError => hasCode(v, 'circuit_open');

/**
 * A feature flag turned the requested feature off.
 *
 * HTTP 403, not retryable: e.g. `calls.outbound.enabled` is off.
 *
 * @example
 * ```ts
 * import { FeatureDisabledError } from 'steadycall';
 *
 * if (!(await flags.isEnabled('sms.enabled', { tenantId }))) throw new FeatureDisabledError('sms.enabled');
 * ```
 */
export class FeatureDisabledError extends SteadyCallError {
  /** The key of the flag that is off, e.g. `calls.outbound.enabled`. */
  readonly flag: string;
  /**
   * @param flag - The key of the flag that turned the feature off.
   * @param options - Overrides of the defaults (403, not retryable).
   */
  constructor(flag: string, options: SteadyCallErrorOptions = {}) {
    super('feature_disabled', `Feature "${flag}" is disabled`, {
      httpStatus: 403,
      details: { flag },
      ...options,
    });
    this.name = 'FeatureDisabledError';
    this.flag = flag;
  }
}
/**
 * True when `v` is a {@link FeatureDisabledError} (matched by its code, so it works across package copies and realms).
 *
 * @example
 * ```ts
 * import { isFeatureDisabledError } from 'steadycall';
 *
 * if (isFeatureDisabledError(err)) console.warn(`feature off: ${err.flag}`);
 * ```
 */
export const isFeatureDisabledError = (v: unknown): v is FeatureDisabledError =>
  hasCode(v, 'feature_disabled');

/**
 * Another request with the same idempotency key is still running; try again shortly.
 *
 * HTTP 409, retryable, with `Retry-After`. Thrown by `Idempotency.execute` when a duplicate waited
 * `waitTimeoutMs` and the first run is still going.
 *
 * @example
 * ```ts
 * try {
 *   return await idempotency.execute(key, body, () => startCall(body));
 * } catch (err) {
 *   if (isIdempotencyConflictError(err)) return retryIn(err.retryAfterMs);
 *   throw err;
 * }
 * ```
 */
export class IdempotencyConflictError extends SteadyCallError {
  /** Suggested wait before retrying, in milliseconds. */
  readonly retryAfterMs: number;
  /**
   * @param retryAfterMs - Suggested wait before retrying. Default 1000.
   * @param options - Overrides of the defaults (409, retryable).
   */
  constructor(retryAfterMs = 1000, options: SteadyCallErrorOptions = {}) {
    super('idempotency_in_progress', 'A request with this idempotency key is still in progress', {
      retryable: true,
      httpStatus: 409,
      details: { retryAfterMs },
      ...options,
    });
    this.name = 'IdempotencyConflictError';
    this.retryAfterMs = retryAfterMs;
  }
}
/**
 * True when `v` is a {@link IdempotencyConflictError} (matched by its code, so it works across package copies and realms).
 *
 * @example
 * ```ts
 * import { isIdempotencyConflictError } from 'steadycall';
 *
 * if (isIdempotencyConflictError(err)) await sleep(systemClock, err.retryAfterMs); // then retry
 * ```
 */
export const isIdempotencyConflictError = (v: unknown): v is IdempotencyConflictError =>
  hasCode(v, 'idempotency_in_progress');

/**
 * The idempotency key was used before with a different payload.
 *
 * HTTP 422, not retryable: the client must use a new key for a new request.
 *
 * @example
 * ```ts
 * await idempotency.execute('tenant-1:k1', { to: '+15005550006' }, run);
 * await idempotency.execute('tenant-1:k1', { to: '+15005550001' }, run); // throws IdempotencyKeyReuseError
 * ```
 */
export class IdempotencyKeyReuseError extends SteadyCallError {
  /** @param options - Overrides of the defaults (422, not retryable). */
  constructor(options: SteadyCallErrorOptions = {}) {
    super('idempotency_key_reuse', 'This idempotency key was already used with a different payload', {
      httpStatus: 422,
      ...options,
    });
    this.name = 'IdempotencyKeyReuseError';
  }
}
/**
 * True when `v` is a {@link IdempotencyKeyReuseError} (matched by its code, so it works across package copies and realms).
 *
 * @example
 * ```ts
 * import { isIdempotencyKeyReuseError } from 'steadycall';
 *
 * if (isIdempotencyKeyReuseError(err)) throw new Error('client bug: Idempotency-Key reused with another body');
 * ```
 */
export const isIdempotencyKeyReuseError = (v: unknown): v is IdempotencyKeyReuseError =>
  hasCode(v, 'idempotency_key_reuse');

/**
 * One problem found while validating input.
 *
 * @example
 * ```ts
 * const issue: ValidationIssue = { path: 'to', message: 'must be an E.164 phone number' };
 * throw new ValidationError('Invalid call request', [issue]);
 * ```
 */
export interface ValidationIssue {
  /** Dotted path of the offending field (`to`, `rollout.percentage`), or `(root)` for the input itself. */
  path: string;
  /** What is wrong with it. */
  message: string;
}

/**
 * Input (a body, a header, a config option) failed validation.
 *
 * HTTP 400, not retryable; `details.issues` names every bad field.
 *
 * @example
 * ```ts
 * import { ValidationError } from 'steadycall';
 *
 * if (typeof body.to !== 'string') {
 *   throw new ValidationError('Invalid call request', [{ path: 'to', message: 'is required' }]);
 * }
 * ```
 */
export class ValidationError extends SteadyCallError {
  /** Every problem found, one per field. */
  readonly issues: readonly ValidationIssue[];
  /**
   * @param message - Summary, e.g. `Invalid voice webhook`.
   * @param issues - The individual problems. Default none.
   * @param options - Overrides of the defaults (400, not retryable).
   */
  constructor(
    message: string,
    issues: readonly ValidationIssue[] = [],
    options: SteadyCallErrorOptions = {},
  ) {
    super('validation_failed', message, { httpStatus: 400, details: { issues }, ...options });
    this.name = 'ValidationError';
    this.issues = issues;
  }
}
/**
 * True when `v` is a {@link ValidationError} (matched by its code, so it works across package copies and realms).
 *
 * @example
 * ```ts
 * import { isValidationError } from 'steadycall';
 *
 * if (isValidationError(err)) for (const issue of err.issues) console.log(issue.path, issue.message);
 * ```
 */
export const isValidationError = (v: unknown): v is ValidationError => hasCode(v, 'validation_failed');

/**
 * A webhook's signature is missing or does not match.
 *
 * HTTP 403, not retryable.
 *
 * @example
 * ```ts
 * import { SignatureError } from 'steadycall';
 *
 * if (!(await signer.validate({ url, signature: request.headers.get('x-twilio-signature'), params }))) {
 *   throw new SignatureError();
 * }
 * ```
 */
export class SignatureError extends SteadyCallError {
  /**
   * @param message - Default `Webhook signature is missing or invalid`.
   * @param options - Overrides of the defaults (403, not retryable).
   */
  constructor(message = 'Webhook signature is missing or invalid', options: SteadyCallErrorOptions = {}) {
    super('invalid_signature', message, { httpStatus: 403, ...options });
    this.name = 'SignatureError';
  }
}
/**
 * True when `v` is a {@link SignatureError} (matched by its code, so it works across package copies and realms).
 *
 * @example
 * ```ts
 * import { isSignatureError } from 'steadycall';
 *
 * if (isSignatureError(err)) logger.warn({ ip }, 'forged or misconfigured Twilio webhook');
 * ```
 */
export const isSignatureError = (v: unknown): v is SignatureError => hasCode(v, 'invalid_signature');

/**
 * A bearer token is missing or wrong.
 *
 * HTTP 401, not retryable.
 *
 * @example
 * ```ts
 * import { UnauthorizedError } from 'steadycall';
 *
 * if (request.headers.get('authorization') !== `Bearer ${opsToken}`) throw new UnauthorizedError();
 * ```
 */
export class UnauthorizedError extends SteadyCallError {
  /**
   * @param message - Default `Missing or invalid credentials`.
   * @param options - Overrides of the defaults (401, not retryable).
   */
  constructor(message = 'Missing or invalid credentials', options: SteadyCallErrorOptions = {}) {
    super('unauthorized', message, { httpStatus: 401, ...options });
    this.name = 'UnauthorizedError';
  }
}
/**
 * True when `v` is a {@link UnauthorizedError} (matched by its code, so it works across package copies and realms).
 *
 * @example
 * ```ts
 * import { isUnauthorizedError } from 'steadycall';
 *
 * if (isUnauthorizedError(err)) return new Response(null, { status: 401 });
 * ```
 */
export const isUnauthorizedError = (v: unknown): v is UnauthorizedError => hasCode(v, 'unauthorized');

/**
 * The backing store could not be reached; nothing was applied.
 *
 * HTTP 503, retryable, with `Retry-After`. Store implementations throw it for connection failures;
 * the message never quotes a connection string.
 *
 * @example
 * ```ts
 * import { StorageUnavailableError } from 'steadycall';
 *
 * try {
 *   return await db.query(sql);
 * } catch (err) {
 *   throw new StorageUnavailableError('calls store unavailable during get', { cause: err, retryAfterMs: 2_000 });
 * }
 * ```
 */
export class StorageUnavailableError extends SteadyCallError {
  /** Suggested wait before retrying, in milliseconds. */
  readonly retryAfterMs: number;
  /**
   * @param message - Default `Storage is unavailable`.
   * @param options - Overrides of the defaults (503, retryable) and `retryAfterMs` (default 1000).
   */
  constructor(
    message = 'Storage is unavailable',
    options: SteadyCallErrorOptions & { retryAfterMs?: number } = {},
  ) {
    const retryAfterMs = options.retryAfterMs ?? 1000;
    super('storage_unavailable', message, {
      retryable: true,
      httpStatus: 503,
      details: { retryAfterMs },
      ...options,
    });
    this.name = 'StorageUnavailableError';
    this.retryAfterMs = retryAfterMs;
  }
}
/**
 * True when `v` is a {@link StorageUnavailableError} (matched by its code, so it works across package copies and realms).
 *
 * @example
 * ```ts
 * import { isStorageUnavailableError } from 'steadycall';
 *
 * if (isStorageUnavailableError(err)) return Response.json(err.toJSON(), { status: 503 });
 * ```
 */
export const isStorageUnavailableError = (v: unknown): v is StorageUnavailableError =>
  hasCode(v, 'storage_unavailable');

/**
 * An operation exceeded its time budget. Breakers count it as a failure.
 *
 * HTTP 504, retryable.
 *
 * @example
 * ```ts
 * const breaker = new CircuitBreaker({ provider: 'openai', store, timeoutMs: 5_000 });
 * await breaker.execute((signal) => fetch(url, { signal })); // TimeoutError after 5 s
 * ```
 */
export class TimeoutError extends SteadyCallError {
  /** The budget that was exceeded, in milliseconds. */
  readonly timeoutMs: number;
  /**
   * @param timeoutMs - The budget that was exceeded.
   * @param what - What timed out, for the message. Default `Operation`.
   * @param options - Overrides of the defaults (504, retryable).
   */
  constructor(timeoutMs: number, what = 'Operation', options: SteadyCallErrorOptions = {}) {
    super('timeout', `${what} timed out after ${timeoutMs} ms`, {
      retryable: true,
      httpStatus: 504,
      details: { timeoutMs },
      ...options,
    });
    this.name = 'TimeoutError';
    this.timeoutMs = timeoutMs;
  }
}
/**
 * True when `v` is a {@link TimeoutError} (matched by its code, so it works across package copies and realms).
 *
 * @example
 * ```ts
 * import { isTimeoutError } from 'steadycall';
 *
 * if (isTimeoutError(err)) console.warn(`gave up after ${err.timeoutMs} ms`);
 * ```
 */
export const isTimeoutError = (v: unknown): v is TimeoutError => hasCode(v, 'timeout');

/**
 * A provider (Twilio, OpenAI, Gemini) answered with an error.
 *
 * Retryable for 5xx, 408, 429 and no status; answered as 400 for the provider's other 4xx (the
 * request was wrong) and 502 otherwise.
 *
 * @example
 * ```ts
 * import { ProviderError } from 'steadycall';
 *
 * const res = await fetch('https://api.example.com/v1/models', { headers });
 * if (!res.ok) throw new ProviderError('openai', `OpenAI answered ${res.status}`, { status: res.status });
 * ```
 */
export class ProviderError extends SteadyCallError {
  /** The provider that answered with the error, e.g. `twilio`. */
  readonly provider: string;
  /** The provider's HTTP status, when it gave one. */
  readonly status: number | undefined;
  /** The provider's own error code (for Twilio, e.g. 21211). */
  readonly providerCode: string | number | undefined;
  /**
   * @param provider - The provider that failed.
   * @param message - What went wrong (redacted: no secrets, no full phone numbers).
   * @param options - The provider's HTTP `status` and own `providerCode`, plus the usual overrides.
   */
  constructor(
    provider: string,
    message: string,
    options: SteadyCallErrorOptions & { status?: number; providerCode?: string | number } = {},
  ) {
    const status = options.status;
    super('provider_error', message, {
      retryable: status === undefined || status >= 500 || status === 429 || status === 408,
      httpStatus: status !== undefined && status >= 400 && status < 500 && status !== 429 ? 400 : 502,
      details: { provider, status, providerCode: options.providerCode },
      ...options,
    });
    this.name = 'ProviderError';
    this.provider = provider;
    this.status = status;
    this.providerCode = options.providerCode;
  }
}
/**
 * True when `v` is a {@link ProviderError} (matched by its code, so it works across package copies and realms).
 *
 * @example
 * ```ts
 * import { isProviderError } from 'steadycall';
 *
 * if (isProviderError(err) && err.providerCode === 21211) return invalidNumber();
 * ```
 */
export const isProviderError = (v: unknown): v is ProviderError => hasCode(v, 'provider_error');
