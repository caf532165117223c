import type { ServerResponse } from 'node:http';

/**
 * Which REST request a fault applies to: true for the requests it should affect.
 *
 * @example
 * ```ts
 * import type { FaultMatcher } from 'steadycall/testing';
 *
 * const createCall: FaultMatcher = ({ method, path }) => method === 'POST' && path.endsWith('/Calls.json');
 * fake.faults.failNext(1, { status: 503, match: createCall }); // account fetches still succeed
 * ```
 */
export type FaultMatcher = (request: {
  /** HTTP method, e.g. `POST`. */
  method: string;
  /** Path without query, e.g. `/2010-04-01/Accounts/AC.../Calls.json`. */
  path: string;
}) => boolean;

/**
 * Options of {@link FakeTwilioFaults.failNext} and {@link FakeTwilioFaults.failAll}: how the failed
 * requests are answered.
 *
 * @example
 * ```ts
 * import type { FailOptions } from 'steadycall/testing';
 *
 * // Twilio created the call, but the answer was lost: a blind retry would place a second call.
 * const lostAnswer: FailOptions = { status: 502, afterApply: true };
 * fake.faults.failNext(1, lostAnswer);
 * ```
 */
export interface FailOptions {
  /** HTTP status to answer (500, 503, 429, ...). Default 500. */
  status?: number;
  /** Twilio error code in the JSON body. Default: 20429 for 429, 20503 for 503, else 20500. */
  code?: number;
  /** Error message in the JSON body. Default: the status's reason phrase, e.g. `Service Unavailable`. */
  message?: string;
  /** Adds a `Retry-After` header (seconds). */
  retryAfterSec?: number;
  /**
   * Apply the request (create the call, send the message) and only then fail the response: the
   * "Twilio did it but the answer was lost" case that makes blind retries place duplicate calls.
   * Default false.
   */
  afterApply?: boolean;
  /** Only requests this returns true for are affected. Default: every REST request. */
  match?: FaultMatcher;
}

/**
 * Options of {@link FakeTwilioFaults.hangNext} and {@link FakeTwilioFaults.hangAll}.
 *
 * @example
 * ```ts
 * import type { HangOptions } from 'steadycall/testing';
 *
 * // The call is created, then the answer never comes: the client times out.
 * const hungAfterCreate: HangOptions = { afterApply: true };
 * fake.faults.hangNext(1, hungAfterCreate);
 * ```
 */
export interface HangOptions {
  /** See {@link FailOptions.afterApply}. Default false. */
  afterApply?: boolean;
  /** Only requests this returns true for hang. Default: every REST request. */
  match?: FaultMatcher;
}

/**
 * The decision for one request, made before it is handled: what the matching fault rule says.
 *
 * @example
 * ```ts
 * import type { FaultDecision } from 'steadycall/testing';
 *
 * const decision: FaultDecision = {
 *   kind: 'fail', status: 503, code: 20503, message: 'Service Unavailable', afterApply: false,
 * };
 * ```
 */
export type FaultDecision =
  | {
      /** Answer with an error. */
      kind: 'fail';
      /** HTTP status answered. */
      status: number;
      /** Twilio error code in the body. */
      code: number;
      /** Error message in the body. */
      message: string;
      /** `Retry-After` header (seconds), when set. */
      retryAfterSec?: number;
      /** Whether the request is applied before the error is answered. */
      afterApply: boolean;
    }
  | {
      /** Never answer (the connection stays open until healed or closed). */
      kind: 'hang';
      /** Whether the request is applied before hanging. */
      afterApply: boolean;
    };

interface Rule {
  remaining: number;
  decision: FaultDecision;
  match: FaultMatcher | undefined;
}

const DEFAULT_MESSAGES: Record<number, string> = {
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * Injected REST faults of a {@link FakeTwilio}: errors, hung requests and latency. Rules are
 * checked in the order they were added; the first matching rule with uses left applies.
 *
 * @example
 * ```ts
 * fake.faults.failNext(3, { status: 503 });   // the next three requests get 503
 * fake.faults.hangAll();                      // then every request hangs (client timeouts)
 * fake.faults.heal();                         // back to normal, hung sockets closed
 * ```
 */
export class FakeTwilioFaults {
  /** Delay before answering every REST request, in ms. Reset by {@link heal}. */
  latencyMs = 0;
  #rules: Rule[] = [];
  readonly #hung = new Set<ServerResponse>();

  /** The next `n` (matching) requests fail with `options.status` (default 500). */
  failNext(n: number, options: FailOptions = {}): this {
    return this.#add(n, failDecision(options), options.match);
  }

  /** Every (matching) request fails until {@link heal}. */
  failAll(statusOrOptions: number | FailOptions = 500): this {
    const options = typeof statusOrOptions === 'number' ? { status: statusOrOptions } : statusOrOptions;
    return this.#add(Number.POSITIVE_INFINITY, failDecision(options), options.match);
  }

  /** The next `n` (matching) requests are accepted and never answered, so clients time out. */
  hangNext(n: number, options: HangOptions = {}): this {
    return this.#add(n, { kind: 'hang', afterApply: options.afterApply ?? false }, options.match);
  }

  /** Every (matching) request hangs until {@link heal}. */
  hangAll(options: HangOptions = {}): this {
    return this.#add(
      Number.POSITIVE_INFINITY,
      { kind: 'hang', afterApply: options.afterApply ?? false },
      options.match,
    );
  }

  /** Removes every fault and the latency, and closes the connections of hung requests. */
  heal(): void {
    this.#rules = [];
    this.latencyMs = 0;
    this.releaseHung();
  }

  /** True while any fault rule has uses left. */
  get active(): boolean {
    return this.#rules.some((r) => r.remaining > 0);
  }

  /** Requests currently hung. */
  get hungCount(): number {
    return this.#hung.size;
  }

  /** @internal Picks (and uses up) the fault for a request, if any. */
  decide(request: { method: string; path: string }): FaultDecision | undefined {
    const rule = this.#rules.find((r) => r.remaining > 0 && (r.match?.(request) ?? true));
    if (!rule) return undefined;
    rule.remaining--;
    this.#rules = this.#rules.filter((r) => r.remaining > 0);
    return rule.decision;
  }

  /** @internal Keeps a hung response so it can be closed later. */
  hold(res: ServerResponse): void {
    this.#hung.add(res);
    res.on('close', () => this.#hung.delete(res));
  }

  /** @internal Closes hung connections (the client sees a reset if it is still waiting). */
  releaseHung(): void {
    for (const res of this.#hung) res.socket?.destroy();
    this.#hung.clear();
  }

  #add(n: number, decision: FaultDecision, match: FaultMatcher | undefined): this {
    if (!(n > 0)) throw new RangeError('fault count must be positive');
    this.#rules.push({ remaining: n, decision, match });
    return this;
  }
}

function failDecision(options: FailOptions): FaultDecision {
  const status = options.status ?? 500;
  if (status < 400 || status > 599) throw new RangeError('fault status must be 4xx or 5xx');
  const code = options.code ?? (status === 429 ? 20429 : status === 503 ? 20503 : 20500);
  return {
    kind: 'fail',
    status,
    code,
    message: options.message ?? DEFAULT_MESSAGES[status] ?? 'Injected fault',
    ...(options.retryAfterSec === undefined ? {} : { retryAfterSec: options.retryAfterSec }),
    afterApply: options.afterApply ?? false,
  };
}
