/** Helpers shared by the health checks and the runner. Not part of the public surface. */

import type { Clock } from '../core/clock.js';
import { isSteadyCallError } from '../core/errors.js';
import { createRedactor } from '../core/redact.js';
import type { HealthCheckOutcome } from './types.js';

/** Messages are shown on a status page and stored in `provider_status`: keep them one short line. */
const MAX_MESSAGE = 160;

// Shapes that carry credentials even when we do not know the value: `Bearer sk-...`, `?key=...`
// query parameters and `scheme://user:password@host` URLs.
const CREDENTIAL_PATTERNS: readonly [RegExp, string][] = [
  [/\bBearer\s+[^\s,;"']+/gi, 'Bearer [REDACTED]'],
  [/([?&](?:key|api[-_]?key|token|access_token|auth)=)[^&\s"']+/gi, '$1[REDACTED]'],
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, '$1[REDACTED]@'],
  [/\b(sk|rk|AIza)[-_A-Za-z0-9]{12,}/g, '[REDACTED]'],
];

/**
 * Builds a scrubber for free text: known secret values, credential-looking patterns and phone
 * numbers are replaced, newlines collapsed, and the result truncated.
 */
export function messageScrubber(secrets: readonly (string | undefined)[] = []): (text: string) => string {
  const redact = createRedactor({ secrets: secrets.filter((s): s is string => typeof s === 'string') });
  return (text) => {
    let out = String(redact(String(text)));
    for (const [pattern, replacement] of CREDENTIAL_PATTERNS) out = out.replace(pattern, replacement);
    out = out.replace(/\s+/g, ' ').trim();
    return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE - 1)}…` : out;
  };
}

/** `code` of an error (a steadycall code, an errno like ECONNREFUSED), looking one `cause` deep. */
export function errorCodeOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 2; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[\w.-]{1,40}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True when the error is an abort or a timeout (ours or the platform's). */
export function isAbortLike(error: unknown): boolean {
  if (isSteadyCallError(error)) return error.code === 'timeout';
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

/** healthy, or degraded when the provider answered slower than `degradedAboveMs`. */
export function byLatency(latencyMs: number, degradedAboveMs: number): HealthCheckOutcome {
  return latencyMs > degradedAboveMs
    ? { status: 'degraded', latencyMs, message: `slow response (${latencyMs} ms)` }
    : { status: 'healthy', latencyMs };
}

export type TimedResult<T> = { ok: true; value: T } | { ok: false; error: unknown } | { timedOut: true };

/**
 * Runs `fn` with its own AbortSignal, aborted after `timeoutMs` on `clock`. Settles with the
 * outcome or with `{ timedOut }` (a check whose promise never settles still ends), never rejects.
 */
export function runWithTimeout<T>(
  clock: Clock,
  timeoutMs: number,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<TimedResult<T>> {
  const controller = new AbortController();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: TimedResult<T>) => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(timer);
      resolve(result);
    };
    const timer = clock.setTimeout(() => {
      finish({ timedOut: true });
      controller.abort(new DOMException(`Health check timed out after ${timeoutMs} ms`, 'TimeoutError'));
    }, timeoutMs);
    // Promise.resolve().then(...) also turns a synchronous throw into a rejection.
    Promise.resolve()
      .then(() => fn(controller.signal))
      .then(
        (value) => finish({ ok: true, value }),
        (error: unknown) => finish({ ok: false, error }),
      );
  });
}

/** A duration option (finite, >= `min`) or the fallback; bad values are a programming error. */
export function msOption(value: number | undefined, fallback: number, name: string, min = 0): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min)
    throw new RangeError(`${name} must be a number of ms >= ${min}`);
  return value;
}
