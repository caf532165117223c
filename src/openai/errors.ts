/**
 * Turns what OpenAI answers (or what `fetch` throws) into steadycall errors. Every upstream text is
 * redacted first: the API key, anything shaped like an OpenAI key (OpenAI's own 401 message quotes
 * a masked one), and phone numbers. Raw `fetch` errors are never kept as `cause`; a sanitized copy is.
 */

import { ProviderError, type SteadyCallError } from '../core/errors.js';
import { createRedactor } from '../core/redact.js';
import { openAiErrorBodySchema } from './wire.js';

const PROVIDER = 'openai';
const MAX_MESSAGE_CHARS = 300;
// `sk-...`, `sk-proj-...`, masked `sk-abc***xyz`: never echoed, whoever's key it is.
const KEY_LIKE = /\bsk-[A-Za-z0-9_*.-]{6,}/g;

/** Redacts strings for errors and logs: the given secrets, OpenAI-key-shaped tokens, phone numbers. */
export function openAiRedactor(secrets: readonly string[]): (value: unknown) => unknown {
  const base = createRedactor({ secrets });
  const scrub = (value: unknown): unknown => {
    if (typeof value === 'string') return value.replace(KEY_LIKE, '[REDACTED]');
    if (Array.isArray(value)) return value.map(scrub);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v)]));
    }
    return value;
  };
  return (value) => scrub(base(value));
}

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_MESSAGE_CHARS ? `${oneLine.slice(0, MAX_MESSAGE_CHARS)}…` : oneLine;
}

/** `Retry-After` as milliseconds (delta-seconds only; OpenAI does not send HTTP dates). */
function retryAfterMs(headers: Headers): number | undefined {
  const raw = headers.get('retry-after');
  if (raw === null) return undefined;
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
}

/**
 * What a mapper needs from an HTTP answer: {@link mapOpenAiHttpError}'s `answer`.
 *
 * @example
 * ```ts
 * import type { UpstreamAnswer } from 'steadycall';
 *
 * const res = await fetch('https://api.openai.com/v1/models/gpt-realtime-2', { headers });
 * const answer: UpstreamAnswer = { status: res.status, headers: res.headers, bodyText: await res.text() };
 * ```
 */
export interface UpstreamAnswer {
  /** The HTTP status. */
  status: number;
  /** The response headers (`Retry-After` and `x-request-id` are read). */
  headers: Headers;
  /** The response body as text (OpenAI's JSON error body, or anything a proxy sent). */
  bodyText: string;
}

/**
 * Maps a non-2xx OpenAI answer to a {@link ProviderError}:
 * - 401: `OpenAI rejected the API key`, upstream text dropped (it quotes the masked key);
 * - other 4xx: not retryable, with OpenAI's redacted message, `providerCode` = `error.code` or
 *   `error.type`; a 401/403/404 is our configuration's fault, so it answers 502, not 400;
 * - 429, 408 and 5xx: retryable, with `retryAfterMs` from `Retry-After` when present.
 *
 * @example
 * ```ts
 * if (!res.ok) throw mapOpenAiHttpError('create Live session', { status, headers, bodyText }, redact);
 * ```
 */
export function mapOpenAiHttpError(
  operation: string,
  answer: UpstreamAnswer,
  redact: (value: unknown) => unknown,
): ProviderError {
  const { status, headers } = answer;
  let parsedBody: unknown;
  try {
    parsedBody = JSON.parse(answer.bodyText);
  } catch {
    parsedBody = undefined; // HTML from a proxy, empty body, ...
  }
  const parsed = openAiErrorBodySchema.safeParse(parsedBody);
  const upstream = parsed.success ? parsed.data.error : undefined;
  const providerCode = upstream?.code ?? upstream?.type ?? undefined;
  const upstreamText = upstream?.message ? clip(String(redact(upstream.message))) : '';

  const message =
    status === 401
      ? 'OpenAI rejected the API key'
      : `OpenAI ${operation} failed: ${upstreamText || `HTTP ${status}`} (HTTP ${status})`;
  const wait = status === 429 || status >= 500 ? retryAfterMs(headers) : undefined;
  const requestId = headers.get('x-request-id') ?? undefined;
  const ourFault = status === 401 || status === 403 || status === 404;
  return new ProviderError(PROVIDER, message, {
    status,
    ...(providerCode === undefined ? {} : { providerCode }),
    ...(ourFault ? { httpStatus: 502 } : {}),
    details: {
      provider: PROVIDER,
      operation,
      status,
      ...(providerCode === undefined ? {} : { providerCode }),
      ...(upstream?.type ? { type: upstream.type } : {}),
      ...(upstream?.param ? { param: String(redact(upstream.param)) } : {}),
      ...(requestId ? { requestId } : {}),
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    },
  });
}

/** A 2xx answer whose body is not what the API documents (e.g. no client secret). */
export function invalidResponseError(operation: string, status: number, problem: string): ProviderError {
  // Counted by the breaker (status 2xx is no 4xx) and answered as 502: OpenAI misbehaved, not the caller.
  return new ProviderError(PROVIDER, `OpenAI ${operation} returned an unexpected response: ${problem}`, {
    status,
    providerCode: 'invalid_response',
    httpStatus: 502,
    retryable: true,
    details: { provider: PROVIDER, operation, status, providerCode: 'invalid_response' },
  });
}

type Bag = Record<string, unknown>;

function sanitizedCause(error: unknown, redact: (value: unknown) => unknown): Error {
  const bag = (typeof error === 'object' && error !== null ? error : {}) as Bag;
  const copy = new Error(clip(String(redact(typeof bag.message === 'string' ? bag.message : String(error)))));
  copy.name = typeof bag.name === 'string' ? bag.name : 'Error';
  // undici hides the socket error (ECONNREFUSED, ...) in `cause`; the breaker's classifier reads `code`.
  const inner = (typeof bag.cause === 'object' && bag.cause !== null ? bag.cause : {}) as Bag;
  const code =
    typeof bag.code === 'string' ? bag.code : typeof inner.code === 'string' ? inner.code : undefined;
  if (code !== undefined) Object.assign(copy, { code });
  return copy;
}

/**
 * A request that got no HTTP answer (DNS, refused, reset, TLS): a retryable {@link ProviderError}
 * without `status`, whose `cause` is a sanitized copy keeping `name`, message and `code`.
 */
export function networkError(
  operation: string,
  error: unknown,
  redact: (value: unknown) => unknown,
): SteadyCallError {
  const cause = sanitizedCause(error, redact);
  const code = (cause as Error & { code?: string }).code;
  return new ProviderError(
    PROVIDER,
    `OpenAI ${operation} failed: network error${code === undefined ? '' : ` (${code})`}`,
    {
      cause,
      details: { provider: PROVIDER, operation, ...(code === undefined ? {} : { networkCode: code }) },
    },
  );
}
