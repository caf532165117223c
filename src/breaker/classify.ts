import { isProviderError, isSteadyCallError, isTimeoutError } from '../core/errors.js';

/**
 * What the breaker knows about the call when it classifies an error.
 *
 * @example
 * ```ts
 * const classify: ErrorClassifier = (err, ctx?: ClassifyContext) =>
 *   ctx?.callerAborted ? 'ignore' : defaultClassifier(err, ctx);
 * ```
 */
export interface ClassifyContext {
  /** The caller's own `AbortSignal` (passed to `execute`) was aborted. */
  callerAborted: boolean;
}

/**
 * Decides whether an error counts against the provider (`'record'`) or not (`'ignore'`).
 * Ignored errors neither count as failures nor reset the consecutive-failure count.
 *
 * @example
 * ```ts
 * const classify: ErrorClassifier = (err, ctx) =>
 *   err instanceof MyQuotaError ? 'ignore' : defaultClassifier(err, ctx);
 * ```
 */
export type ErrorClassifier = (error: unknown, context?: ClassifyContext) => 'record' | 'ignore';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

// Our own errors that say nothing about the provider's health.
const NOT_THE_PROVIDERS_FAULT = new Set([
  'circuit_open',
  'feature_disabled',
  'validation_failed',
  'storage_unavailable',
  'idempotency_in_progress',
  'idempotency_key_reuse',
  'invalid_signature',
  'unauthorized',
  'payload_too_large',
  'not_found',
]);

type Verdict = 'record' | 'ignore' | undefined;

function byStatus(status: number): Verdict {
  if (status >= 500 || status === 429 || status === 408) return 'record';
  if (status >= 400) return 'ignore';
  return undefined;
}

function statusOf(error: object): number | undefined {
  const e = error as Record<string, unknown>;
  for (const key of ['status', 'statusCode', 'httpStatus'] as const) {
    const value = e[key];
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  }
  // axios-style errors (the Twilio SDK) carry the response beside the error.
  const response = e.response;
  if (typeof response === 'object' && response !== null) {
    const value = (response as Record<string, unknown>).status;
    if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  }
  return undefined;
}

function isNetworkError(error: object): boolean {
  const { code, name, message } = error as Record<string, unknown>;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || code.startsWith('UND_ERR_'))) return true;
  return name === 'TypeError' && typeof message === 'string' && /fetch failed|network/i.test(message);
}

function isAbort(error: object): boolean {
  return (error as { name?: unknown }).name === 'AbortError';
}

function verdictOf(error: unknown, context: ClassifyContext | undefined): Verdict {
  if (typeof error !== 'object' || error === null) return undefined;
  if (isTimeoutError(error)) return 'record';
  if (isProviderError(error)) return error.status === undefined ? undefined : byStatus(error.status);
  if (isSteadyCallError(error)) return NOT_THE_PROVIDERS_FAULT.has(error.code) ? 'ignore' : undefined;
  if (isAbort(error) && context?.callerAborted) return 'ignore';
  if ((error as { name?: unknown }).name === 'TimeoutError') return 'record';
  const status = statusOf(error);
  if (status !== undefined) {
    const verdict = byStatus(status);
    if (verdict) return verdict;
  }
  if (isNetworkError(error)) return 'record';
  return undefined;
}

/**
 * The default classifier:
 * - timeouts (ours or a `TimeoutError` DOMException) count;
 * - HTTP statuses (`ProviderError.status`, or a numeric `status` / `statusCode` / `httpStatus` /
 *   `response.status`): 5xx, 429 and 408 count, other 4xx (e.g. Twilio 21211 "invalid number")
 *   do not;
 * - connection errors (`fetch failed`, `ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`, `ENOTFOUND`,
 *   `EAI_AGAIN`, `EPIPE`, `UND_ERR_*`, also found in `cause`) count;
 * - an `AbortError` caused by the caller's own signal, and steadycall's own errors that are not
 *   the provider's fault (circuit open, feature disabled, validation, storage) do not count;
 * - anything else unknown counts.
 *
 * @example
 * ```ts
 * import { defaultClassifier, ProviderError } from 'steadycall';
 *
 * defaultClassifier(new ProviderError('twilio', 'Invalid number', { status: 400 })); // 'ignore'
 * defaultClassifier(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })); // 'record'
 * ```
 */
export const defaultClassifier: ErrorClassifier = (error, context) => {
  let current: unknown = error;
  // Wrappers often hide the real reason in `cause`; look a few levels deep.
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const verdict = verdictOf(current, context);
    if (verdict) return verdict;
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return 'record';
};
