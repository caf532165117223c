import { type Clock, systemClock, type TimerHandle } from '../core/clock.js';
import {
  IdempotencyConflictError,
  IdempotencyKeyReuseError,
  isSteadyCallError,
  StorageUnavailableError,
  ValidationError,
  type ValidationIssue,
} from '../core/errors.js';
import { type IdGenerator, randomId } from '../core/ids.js';
import { type Logger, silentLogger } from '../core/logger.js';
import { redact } from '../core/redact.js';
import { fingerprintPayload } from './fingerprint.js';
import type { ClaimResult, IdempotencyStore } from './store.js';

/**
 * Defaults of {@link Idempotency}'s timings, in milliseconds.
 *
 * @example
 * ```ts
 * import { IDEMPOTENCY_DEFAULTS, Idempotency } from 'steadycall';
 *
 * const idempotency = new Idempotency({ store, waitTimeoutMs: IDEMPOTENCY_DEFAULTS.waitTimeoutMs * 2 });
 * ```
 */
export const IDEMPOTENCY_DEFAULTS = Object.freeze({
  /** A claim holds 30 s without a heartbeat. */
  leaseMs: 30_000,
  /** Completed responses are replayed for 24 h. */
  ttlMs: 24 * 60 * 60 * 1000,
  /** Duplicates wait up to 10 s for a running owner. */
  waitTimeoutMs: 10_000,
  /** Waiting duplicates first poll after 50 ms. */
  pollIntervalMs: 50,
});
/**
 * Smallest accepted lease; anything lower is almost certainly seconds passed as milliseconds.
 *
 * @example
 * ```ts
 * import { MIN_LEASE_MS } from 'steadycall';
 *
 * const leaseMs = Math.max(MIN_LEASE_MS, Number(process.env.LEASE_MS ?? 30_000));
 * ```
 */
export const MIN_LEASE_MS = 100;
/**
 * Smallest accepted retention of a completed response.
 *
 * @example
 * ```ts
 * import { MIN_TTL_MS } from 'steadycall';
 *
 * const ttlMs = Math.max(MIN_TTL_MS, 6 * 60 * 60 * 1000); // keep replays for 6 h
 * ```
 */
export const MIN_TTL_MS = 60_000;
/**
 * Waiters' poll interval doubles up to this.
 *
 * @example
 * ```ts
 * import { MAX_POLL_INTERVAL_MS } from 'steadycall';
 *
 * // Polls 50, 100, 200, 400, 800, 1000, 1000, ... ms apart with the default pollIntervalMs.
 * console.log(`duplicates poll at most every ${MAX_POLL_INTERVAL_MS} ms`);
 * ```
 */
export const MAX_POLL_INTERVAL_MS = 1_000;

/**
 * Per-call timings of {@link Idempotency.execute}; every value is in milliseconds.
 *
 * @example
 * ```ts
 * const timings: IdempotencyTimings = { leaseMs: 60_000, waitTimeoutMs: 0 };
 * await idempotency.execute(key, body, () => placeCall(body), timings);
 * ```
 */
export interface IdempotencyTimings {
  /** How long a claim holds without a heartbeat before a duplicate may take over (>= 100). */
  leaseMs?: number;
  /** How long a completed response is replayed (>= 60 000 and >= leaseMs). */
  ttlMs?: number;
  /** How long a duplicate waits for a running owner before a 409 (>= 0; 0 = do not wait). */
  waitTimeoutMs?: number;
}

/**
 * Options of {@link Idempotency}. All durations are in milliseconds.
 *
 * @example
 * ```ts
 * const options: IdempotencyOptions = { store: stores.idempotency, leaseMs: 15_000, logger };
 * const idempotency = new Idempotency(options);
 * ```
 */
export interface IdempotencyOptions extends IdempotencyTimings {
  /** Where claims and responses are kept; share it between instances. */
  store: IdempotencyStore;
  /** Time source for leases, TTLs and waits. Default: the system clock. */
  clock?: Clock;
  /** Produces owner tokens. Default: random UUIDs. */
  ids?: IdGenerator;
  /** Receives takeovers and lost claims. Default: silent. */
  logger?: Logger;
  /** First poll interval of a waiting duplicate; doubles up to 1 000 ms. Default 50. */
  pollIntervalMs?: number;
}

/**
 * What the handler receives.
 *
 * @example
 * ```ts
 * await idempotency.execute(key, body, async (ctx: IdempotentContext) => {
 *   if (ctx.takeover) logger.warn({ attempt: ctx.attempt }, 'previous owner died; running again');
 *   return placeCall(body, { signal: ctx.signal });
 * });
 * ```
 */
export interface IdempotentContext {
  /** Aborted if the claim is lost (another owner took over after a missed heartbeat). */
  signal: AbortSignal;
  /** 1 for the first claim, +1 for every takeover of a dead owner's claim. */
  attempt: number;
  /** True when this run took over the claim of an owner whose lease expired. */
  takeover: boolean;
}

/**
 * Result of {@link Idempotency.execute}.
 *
 * @example
 * ```ts
 * const result: IdempotentResult<{ callId: string }> = await idempotency.execute(key, body, () => start(body));
 * return Response.json(result.response, { status: result.replayed ? 200 : 201 });
 * ```
 */
export interface IdempotentResult<R> {
  /** The handler's response, from this run or replayed from the first one. */
  response: R;
  /** True when the response is a stored one from an earlier run (the handler did not run now). */
  replayed: boolean;
}

type Timings = Required<IdempotencyTimings> & { pollIntervalMs: number };

/**
 * Runs a handler at most once per idempotency key, across processes sharing the store.
 *
 * The first caller claims the key and runs the handler, heartbeating its lease every `leaseMs / 3`;
 * the response is stored and replayed to duplicates for `ttlMs`. Concurrent duplicates wait (with
 * backoff, up to `waitTimeoutMs`) and then replay, or get an {@link IdempotencyConflictError} (409).
 * If the handler throws, the claim is released so a retry can run; if the owner dies, its lease
 * expires and the next duplicate takes over. The same key with another payload is an
 * {@link IdempotencyKeyReuseError} (422). Responses must be JSON-serialisable.
 *
 * @example
 * ```ts
 * const idempotency = new Idempotency({ store: new MemoryIdempotencyStore() });
 * const key = twilioWebhookIdempotencyKey(request.headers, params);
 * const { response } = await idempotency.execute(key, params, async ({ signal }) => applyStatus(params, signal));
 * ```
 */
export class Idempotency {
  readonly #store: IdempotencyStore;
  readonly #clock: Clock;
  readonly #ids: IdGenerator;
  readonly #log: Logger;
  readonly #timings: Timings;
  /** In-process wake-ups for duplicates waiting on a key this instance owns (an optimisation only). */
  readonly #waiters = new Map<string, Set<() => void>>();

  constructor(options: IdempotencyOptions) {
    if (!options?.store) {
      throw new ValidationError('Idempotency needs a store', [{ path: 'store', message: 'is required' }]);
    }
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    this.#ids = options.ids ?? randomId;
    const logger = options.logger ?? silentLogger;
    this.#log = logger.child?.({ component: 'idempotency' }) ?? logger;
    this.#timings = validateTimings({
      leaseMs: options.leaseMs ?? IDEMPOTENCY_DEFAULTS.leaseMs,
      ttlMs: options.ttlMs ?? IDEMPOTENCY_DEFAULTS.ttlMs,
      waitTimeoutMs: options.waitTimeoutMs ?? IDEMPOTENCY_DEFAULTS.waitTimeoutMs,
      pollIntervalMs: options.pollIntervalMs ?? IDEMPOTENCY_DEFAULTS.pollIntervalMs,
    });
  }

  /**
   * Runs `handler` once for `key`, or replays its stored response.
   *
   * @throws {IdempotencyKeyReuseError} the key was used with another payload.
   * @throws {IdempotencyConflictError} another run of the key did not finish within `waitTimeoutMs`.
   * @throws {StorageUnavailableError} the store failed; nothing was recorded as applied.
   * @throws the handler's own error, unchanged, after releasing the claim.
   * @example
   * ```ts
   * const { response, replayed } = await idempotency.execute('tenant-1:abc', body, () => createCall(body), {
   *   waitTimeoutMs: 0, // answer 409 at once instead of waiting for a running duplicate
   * });
   * ```
   */
  async execute<R>(
    key: string,
    payload: unknown,
    handler: (ctx: IdempotentContext) => Promise<R>,
    options: IdempotencyTimings = {},
  ): Promise<IdempotentResult<R>> {
    const timings = validateTimings({ ...this.#timings, ...definedOnly(options) });
    if (typeof key !== 'string' || key === '') {
      throw new ValidationError('Idempotency key must be a non-empty string', [
        { path: 'key', message: 'must be a non-empty string' },
      ]);
    }
    const fingerprint = await fingerprintPayload(payload);
    const deadline = this.#clock.now() + timings.waitTimeoutMs;
    let delay = timings.pollIntervalMs;

    for (;;) {
      const ownerToken = this.#ids();
      const now = this.#clock.now();
      const claim = await this.#call('claim', () =>
        this.#store.claim<R>({
          key,
          fingerprint,
          ownerToken,
          leaseMs: timings.leaseMs,
          ttlMs: timings.ttlMs,
          now,
        }),
      );
      switch (claim.status) {
        case 'claimed':
          return this.#run(key, ownerToken, claim, handler, timings);
        case 'completed':
          return { response: claim.record.response as R, replayed: true };
        case 'mismatch':
          throw new IdempotencyKeyReuseError();
        case 'in_progress': {
          const remaining = deadline - this.#clock.now();
          if (remaining <= 0) {
            // Suggest a short retry: the owner usually finishes long before its lease runs out.
            const leaseLeft = (claim.record.leaseExpiresAt ?? now) - now;
            throw new IdempotencyConflictError(Math.max(1, Math.min(MAX_POLL_INTERVAL_MS, leaseLeft)));
          }
          await this.#wait(key, Math.min(delay, remaining));
          delay = Math.min(delay * 2, Math.max(MAX_POLL_INTERVAL_MS, timings.pollIntervalMs));
        }
      }
    }
  }

  /**
   * Deletes every record whose retention has passed; returns how many. Run it periodically.
   *
   * @example
   * ```ts
   * const purged = await idempotency.purgeExpired();
   * ```
   */
  purgeExpired(): Promise<number> {
    return this.#call('purgeExpired', () => this.#store.purgeExpired(this.#clock.now()));
  }

  async #run<R>(
    key: string,
    ownerToken: string,
    claim: Extract<ClaimResult<R>, { status: 'claimed' }>,
    handler: (ctx: IdempotentContext) => Promise<R>,
    timings: Timings,
  ): Promise<IdempotentResult<R>> {
    const controller = new AbortController();
    const heartbeat = this.#startHeartbeat(key, ownerToken, timings.leaseMs, controller);
    let response: R;
    try {
      response = await handler({
        signal: controller.signal,
        attempt: claim.record.attempts,
        takeover: claim.takeover,
      });
    } catch (err) {
      heartbeat.stop();
      await this.#releaseAfterFailure(key, ownerToken);
      this.#notify(key);
      throw err;
    }
    heartbeat.stop();
    try {
      const stored = await this.#call('complete', () =>
        this.#store.complete(key, ownerToken, response, this.#clock.now(), timings.ttlMs),
      );
      if (!stored) {
        // Our lease lapsed and another owner took over; its result wins, ours is not replayed.
        this.#warn({ key }, 'idempotency claim was taken over before completion; response not stored');
      }
    } finally {
      this.#notify(key);
    }
    return { response, replayed: false };
  }

  /** Extends the lease every `leaseMs / 3` until stopped; aborts the handler if the claim is lost. */
  #startHeartbeat(
    key: string,
    ownerToken: string,
    leaseMs: number,
    controller: AbortController,
  ): { stop(): void } {
    const every = Math.max(1, Math.floor(leaseMs / 3));
    let stopped = false;
    let inFlight = false;
    let handle: TimerHandle | undefined;
    const stop = () => {
      stopped = true;
      if (handle !== undefined) this.#clock.clearTimeout(handle);
    };
    const beat = () => {
      if (stopped) return;
      // Schedule first, so a slow store cannot stretch the interval; skip a beat if one is in flight.
      handle = this.#clock.setTimeout(beat, every);
      if (inFlight) return;
      inFlight = true;
      this.#call('extendLease', () => this.#store.extendLease(key, ownerToken, leaseMs, this.#clock.now()))
        .then(
          (owned) => {
            if (owned || stopped) return;
            stop();
            this.#warn({ key }, 'idempotency claim lost to another owner; aborting the handler');
            controller.abort(new IdempotencyConflictError());
          },
          (err: unknown) => {
            // Keep trying: the lease still covers us for a while, and a lost claim shows up later.
            if (!stopped) this.#warn({ key, err }, 'idempotency lease heartbeat failed');
          },
        )
        .finally(() => {
          inFlight = false;
        });
    };
    handle = this.#clock.setTimeout(beat, every);
    return { stop };
  }

  async #releaseAfterFailure(key: string, ownerToken: string): Promise<void> {
    try {
      await this.#store.release(key, ownerToken);
    } catch (err) {
      // The handler's error matters more; the lease will expire and a duplicate will take over.
      this.#warn({ key, err }, 'could not release idempotency claim after handler failure');
    }
  }

  /** Sleeps `ms` on the clock, or less if the local owner of `key` finishes first. */
  #wait(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.#waiters.get(key);
      if (!set) {
        set = new Set();
        this.#waiters.set(key, set);
      }
      const waiters = set;
      const done = () => {
        waiters.delete(wake);
        if (waiters.size === 0 && this.#waiters.get(key) === waiters) this.#waiters.delete(key);
        resolve();
      };
      const handle = this.#clock.setTimeout(done, ms);
      const wake = () => {
        this.#clock.clearTimeout(handle);
        done();
      };
      waiters.add(wake);
    });
  }

  #notify(key: string): void {
    const waiters = this.#waiters.get(key);
    if (waiters) for (const wake of [...waiters]) wake();
  }

  /** Store errors surface as steadycall errors (StorageUnavailableError unless already one). */
  async #call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isSteadyCallError(err)) throw err;
      throw new StorageUnavailableError(`Idempotency store failed during ${op}`, { cause: err });
    }
  }

  #warn(fields: Record<string, unknown>, msg: string): void {
    this.#log.warn(redact(fields) as Record<string, unknown>, msg);
  }
}

function definedOnly(options: IdempotencyTimings): IdempotencyTimings {
  return Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v !== undefined));
}

/** Rejects impossible timings early; the messages name the unit because seconds-for-ms is the usual bug. */
function validateTimings(t: Timings): Timings {
  const issues: ValidationIssue[] = [];
  const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
  if (!isInt(t.leaseMs) || t.leaseMs < MIN_LEASE_MS) {
    issues.push({
      path: 'leaseMs',
      message: `must be an integer >= ${MIN_LEASE_MS} milliseconds (got ${String(t.leaseMs)}); durations are in milliseconds, not seconds`,
    });
  }
  if (!isInt(t.ttlMs) || t.ttlMs < MIN_TTL_MS) {
    issues.push({
      path: 'ttlMs',
      message: `must be an integer >= ${MIN_TTL_MS} milliseconds (got ${String(t.ttlMs)})`,
    });
  } else if (isInt(t.leaseMs) && t.ttlMs < t.leaseMs) {
    issues.push({ path: 'ttlMs', message: `must be >= leaseMs (${t.leaseMs} milliseconds)` });
  }
  if (typeof t.waitTimeoutMs !== 'number' || !Number.isFinite(t.waitTimeoutMs) || t.waitTimeoutMs < 0) {
    issues.push({
      path: 'waitTimeoutMs',
      message: `must be a finite number >= 0 milliseconds (got ${String(t.waitTimeoutMs)})`,
    });
  }
  if (!isInt(t.pollIntervalMs) || t.pollIntervalMs < 1) {
    issues.push({
      path: 'pollIntervalMs',
      message: `must be an integer >= 1 millisecond (got ${String(t.pollIntervalMs)})`,
    });
  }
  if (issues.length > 0) {
    const summary = issues.map((i) => `${i.path} ${i.message}`).join('; ');
    throw new ValidationError(`Invalid idempotency options: ${summary}`, issues);
  }
  return t;
}
