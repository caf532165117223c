/**
 * Turns what the official Twilio client throws into steadycall errors.
 *
 * The client (twilio-node, axios underneath) throws two kinds of errors:
 * - `RestException` when Twilio answered with an HTTP error: `status`, Twilio's numeric `code`
 *   (e.g. 21211), `message`, `moreInfo`. Its message often quotes the phone number at fault.
 * - axios transport errors (`code` ECONNREFUSED, ECONNRESET, ETIMEDOUT, ECONNABORTED, ...) whose
 *   `config` carries the request: the `Authorization` header and the form body with phone numbers.
 *
 * Neither raw error is ever kept as `cause`: a sanitized copy (name, code, masked message) is,
 * so logging a steadycall error deeply cannot leak an auth token or a phone number.
 */

import {
  isProviderError,
  isSteadyCallError,
  ProviderError,
  type SteadyCallError,
  TimeoutError,
} from '../core/errors.js';
import { maskPhonesInText } from '../core/redact.js';

const PROVIDER = 'twilio';

// axios reports its own `timeout` as ECONNABORTED (or ETIMEDOUT with clarifyTimeoutError); the OS
// reports connect timeouts as ETIMEDOUT.
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
]);

type Bag = Record<string, unknown>;

function asBag(value: unknown): Bag | undefined {
  return typeof value === 'object' && value !== null ? (value as Bag) : undefined;
}

function httpStatusOf(error: Bag): number | undefined {
  const candidates = [error.status, asBag(error.response)?.status];
  for (const value of candidates) {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599) return value;
  }
  return undefined;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** A copy of a transport error that keeps what classifiers and operators need, and nothing else. */
function sanitizedCause(error: Bag): Error {
  const copy = new Error(maskPhonesInText(stringOf(error.message) ?? 'Unknown error'));
  copy.name = stringOf(error.name) ?? 'Error';
  for (const key of ['code', 'errno', 'syscall'] as const) {
    if (error[key] !== undefined) Object.assign(copy, { [key]: error[key] });
  }
  return copy;
}

function timeoutMsOf(error: Bag): number {
  const configured = asBag(error.config)?.timeout;
  return typeof configured === 'number' && configured > 0 ? configured : 0;
}

/**
 * Maps an error thrown by the official Twilio client to a steadycall error.
 *
 * - HTTP 4xx (e.g. 21211 invalid `To`, 21214, 21217): non-retryable {@link ProviderError} with
 *   `status` and `providerCode`; 429, 408 and 5xx: retryable `ProviderError`.
 * - transport timeouts (ETIMEDOUT, ECONNABORTED, a `TimeoutError` DOMException): {@link TimeoutError}.
 * - connection errors and anything else: retryable `ProviderError` without `status`, with a
 *   sanitized `cause` that keeps the error `code`.
 * - steadycall errors (a breaker's `TimeoutError`, `CircuitOpenError`) are returned unchanged.
 *
 * Phone numbers in Twilio's messages are masked.
 *
 * @example
 * ```ts
 * try {
 *   await client.calls.create(params);
 * } catch (error) {
 *   throw mapTwilioError(error, 'createCall'); // ProviderError { status: 400, providerCode: 21211 }
 * }
 * ```
 */
export function mapTwilioError(error: unknown, operation: string): SteadyCallError {
  if (isSteadyCallError(error)) return error;
  const what = `Twilio ${operation}`;
  const bag = asBag(error);
  if (bag === undefined) {
    return new ProviderError(PROVIDER, `${what} failed: ${maskPhonesInText(String(error))}`);
  }

  const status = httpStatusOf(bag);
  if (status !== undefined) {
    // RestException: `code` is Twilio's number. An axios error with a response: `code` is axios's.
    const providerCode = typeof bag.code === 'number' ? bag.code : undefined;
    const moreInfo = stringOf(bag.moreInfo);
    const text = maskPhonesInText(stringOf(bag.message) ?? `HTTP ${status}`);
    const suffix =
      providerCode === undefined ? ` (HTTP ${status})` : ` (HTTP ${status}, Twilio error ${providerCode})`;
    return new ProviderError(PROVIDER, `${what} failed: ${text}${suffix}`, {
      status,
      ...(providerCode === undefined ? {} : { providerCode }),
      details: { provider: PROVIDER, operation, status, providerCode, ...(moreInfo ? { moreInfo } : {}) },
    });
  }

  const code = stringOf(bag.code);
  const cause = sanitizedCause(bag);
  if ((code !== undefined && TIMEOUT_CODES.has(code)) || bag.name === 'TimeoutError') {
    return new TimeoutError(timeoutMsOf(bag), what, { cause });
  }
  const reason = code === undefined ? cause.message : `connection error (${code})`;
  return new ProviderError(PROVIDER, `${what} failed: ${reason}`, {
    cause,
    details: { provider: PROVIDER, operation, ...(code === undefined ? {} : { errorCode: code }) },
  });
}

/**
 * Whether a Twilio failure says something about Twilio's health, i.e. whether a circuit breaker
 * should count it: 5xx, 429, 408, timeouts and connection errors do; caller errors such as
 * 21211 "invalid To number" (HTTP 400) and steadycall's own refusals (circuit open, validation) do
 * not. Agrees with the breaker's `defaultClassifier` on every error {@link mapTwilioError} returns.
 *
 * @example
 * ```ts
 * const breaker = new CircuitBreaker({
 *   provider: 'twilio',
 *   store,
 *   classify: (error) => (twilioErrorCounts(error) ? 'record' : 'ignore'),
 * });
 * ```
 */
export function twilioErrorCounts(error: unknown): boolean {
  const mapped = mapTwilioError(error, 'request');
  if (mapped.code === 'timeout') return true;
  if (isProviderError(mapped)) {
    const status = mapped.status;
    return status === undefined || status >= 500 || status === 429 || status === 408;
  }
  // Our own refusals (circuit_open, validation_failed, ...) never reached Twilio.
  return false;
}
