/**
 * steadycall's error hierarchy. Every error the SDK throws on purpose is a {@link SteadyCallError}
 * with a stable `code`, an HTTP status the endpoints answer with, and a `retryable` flag.
 *
 * Guards use a registry symbol instead of `instanceof`, so they work across realms and across
 * duplicated copies of the package (ESM and CJS side by side).
 */

const BRAND = Symbol.for('steadycall.error');

/** Stable machine-readable error codes. */
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

export interface SteadyCallErrorOptions {
  retryable?: boolean;
  httpStatus?: number;
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
  readonly code: SteadyCallErrorCode;
  readonly retryable: boolean;
  readonly httpStatus: number;
  readonly details: Record<string, unknown> | undefined;
  declare readonly [BRAND]: true;

  constructor(code: SteadyCallErrorCode, message: string, options: SteadyCallErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SteadyCallError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.httpStatus = options.httpStatus ?? 500;
    this.details = options.details;
    Object.defineProperty(this, BRAND, { value: true, enumerable: false });
  }

  /** The JSON body every endpoint answers with: `{ error: { code, message } }`. */
  toJSON(): { error: { code: SteadyCallErrorCode; message: string; details?: Record<string, unknown> } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

/** True for any steadycall error, whichever copy of the package or realm created it. */
export function isSteadyCallError(value: unknown): value is SteadyCallError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

function hasCode<C extends SteadyCallErrorCode>(value: unknown, code: C): boolean {
  return isSteadyCallError(value) && value.code === code;
}

/** The provider's breaker is open: the call was not attempted. */
export class CircuitOpenError extends SteadyCallError {
  readonly provider: string;
  readonly retryAfterMs: number;
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
export const isCircuitOpenError = (v: unknown): v is CircuitOpenError => hasCode(v, 'circuit_open');

/** A feature flag turned the requested feature off. */
export class FeatureDisabledError extends SteadyCallError {
  readonly flag: string;
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
export const isFeatureDisabledError = (v: unknown): v is FeatureDisabledError =>
  hasCode(v, 'feature_disabled');

/** Another request with the same idempotency key is still running; try again shortly. */
export class IdempotencyConflictError extends SteadyCallError {
  readonly retryAfterMs: number;
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
export const isIdempotencyConflictError = (v: unknown): v is IdempotencyConflictError =>
  hasCode(v, 'idempotency_in_progress');

/** The idempotency key was used before with a different payload. */
export class IdempotencyKeyReuseError extends SteadyCallError {
  constructor(options: SteadyCallErrorOptions = {}) {
    super('idempotency_key_reuse', 'This idempotency key was already used with a different payload', {
      httpStatus: 422,
      ...options,
    });
    this.name = 'IdempotencyKeyReuseError';
  }
}
export const isIdempotencyKeyReuseError = (v: unknown): v is IdempotencyKeyReuseError =>
  hasCode(v, 'idempotency_key_reuse');

/** One problem found while validating input. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** Input (a body, a header, a config option) failed validation. */
export class ValidationError extends SteadyCallError {
  readonly issues: readonly ValidationIssue[];
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
export const isValidationError = (v: unknown): v is ValidationError => hasCode(v, 'validation_failed');

/** A webhook's signature is missing or does not match. */
export class SignatureError extends SteadyCallError {
  constructor(message = 'Webhook signature is missing or invalid', options: SteadyCallErrorOptions = {}) {
    super('invalid_signature', message, { httpStatus: 403, ...options });
    this.name = 'SignatureError';
  }
}
export const isSignatureError = (v: unknown): v is SignatureError => hasCode(v, 'invalid_signature');

/** A bearer token is missing or wrong. */
export class UnauthorizedError extends SteadyCallError {
  constructor(message = 'Missing or invalid credentials', options: SteadyCallErrorOptions = {}) {
    super('unauthorized', message, { httpStatus: 401, ...options });
    this.name = 'UnauthorizedError';
  }
}
export const isUnauthorizedError = (v: unknown): v is UnauthorizedError => hasCode(v, 'unauthorized');

/** The backing store could not be reached; nothing was applied. */
export class StorageUnavailableError extends SteadyCallError {
  readonly retryAfterMs: number;
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
export const isStorageUnavailableError = (v: unknown): v is StorageUnavailableError =>
  hasCode(v, 'storage_unavailable');

/** An operation exceeded its time budget. Breakers count it as a failure. */
export class TimeoutError extends SteadyCallError {
  readonly timeoutMs: number;
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
export const isTimeoutError = (v: unknown): v is TimeoutError => hasCode(v, 'timeout');

/** A provider (Twilio, OpenAI, Gemini) answered with an error. */
export class ProviderError extends SteadyCallError {
  readonly provider: string;
  /** The provider's HTTP status, when it gave one. */
  readonly status: number | undefined;
  /** The provider's own error code (for Twilio, e.g. 21211). */
  readonly providerCode: string | number | undefined;
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
export const isProviderError = (v: unknown): v is ProviderError => hasCode(v, 'provider_error');
