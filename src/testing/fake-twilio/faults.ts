import type { ServerResponse } from 'node:http';

/** Which REST request a fault applies to. */
export type FaultMatcher = (request: { method: string; path: string }) => boolean;

export interface FailOptions {
  /** HTTP status to answer (500, 503, 429, ...). Default 500. */
  status?: number;
  /** Twilio error code in the JSON body. Default: 20429 for 429, 20503 for 503, else 20500. */
  code?: number;
  message?: string;
  /** Adds a `Retry-After` header (seconds). */
  retryAfterSec?: number;
  /**
   * Apply the request (create the call, send the message) and only then fail the response: the
   * "Twilio did it but the answer was lost" case that makes blind retries place duplicate calls.
   */
  afterApply?: boolean;
  /** Only requests this returns true for are affected. Default: every REST request. */
  match?: FaultMatcher;
}

export interface HangOptions {
  /** See {@link FailOptions.afterApply}. */
  afterApply?: boolean;
  match?: FaultMatcher;
}

/** The decision for one request, made before it is handled. */
export type FaultDecision =
  | {
      kind: 'fail';
      status: number;
      code: number;
      message: string;
      retryAfterSec?: number;
      afterApply: boolean;
    }
  | { kind: 'hang'; afterApply: boolean };

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
