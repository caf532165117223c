/**
 * `idempotency_keys.state`.
 *
 * @example
 * ```ts
 * const row = await stores.idempotency.get(key);
 * const state: IdempotencyState | undefined = row?.state; // 'completed' once the response is stored
 * ```
 */
export type IdempotencyState = 'in_progress' | 'completed';

/**
 * One row of `idempotency_keys`. Times are epoch milliseconds.
 *
 * @example
 * ```ts
 * const record: IdempotencyRecord | null = await stores.idempotency.get('calls-start:t1:abc');
 * if (record?.state === 'completed') console.log('replaying', record.response);
 * ```
 */
export interface IdempotencyRecord<R = unknown> {
  /** The idempotency key (already scoped, e.g. `calls-start:t1:abc`). */
  key: string;
  /** Hex SHA-256 of the canonical payload. */
  fingerprint: string;
  /** Whether the handler is still running or its response is stored. */
  state: IdempotencyState;
  /** Token of the claimant currently running the handler (in_progress only). */
  ownerToken: string | null;
  /** An in_progress claim whose lease passed may be taken over. */
  leaseExpiresAt: number | null;
  /** The stored response (completed only), replayed to duplicates. */
  response: R | null;
  /** When the key was first claimed, epoch ms. */
  createdAt: number;
  /** When the row last changed, epoch ms. */
  updatedAt: number;
  /** The row may be purged after this. */
  expiresAt: number;
  /** How many times the claim changed owner (1 for the first claim). */
  attempts: number;
}

/**
 * What {@link IdempotencyStore.claim} takes.
 *
 * @example
 * ```ts
 * const request: ClaimRequest = {
 *   key, fingerprint: await fingerprintPayload(body), ownerToken: randomId(),
 *   leaseMs: 30_000, ttlMs: 24 * 60 * 60 * 1000, now: Date.now(),
 * };
 * const result = await stores.idempotency.claim(request);
 * ```
 */
export interface ClaimRequest {
  /** The idempotency key. */
  key: string;
  /** Hex SHA-256 of the canonical payload; another fingerprint for the same key is a `mismatch`. */
  fingerprint: string;
  /** The claimant's token; `complete`, `release` and `extendLease` must present it. */
  ownerToken: string;
  /** How long the claim holds before another claimant may take over. Must be > 0. */
  leaseMs: number;
  /** Retention of the row (24 h by default). */
  ttlMs: number;
  /** The current time, epoch ms. */
  now: number;
}

/**
 * Outcome of an atomic claim:
 * - `claimed`: the caller owns the key (new row, a released/expired claim taken over, or an expired
 *   completed row re-run);
 * - `completed`: replay `record.response`;
 * - `in_progress`: someone else holds an unexpired lease; wait and claim again;
 * - `mismatch`: the key exists with another fingerprint (key reuse).
 *
 * @example
 * ```ts
 * const result: ClaimResult = await stores.idempotency.claim(request);
 * if (result.status === 'completed') return result.record.response;
 * if (result.status === 'mismatch') throw new IdempotencyKeyReuseError();
 * ```
 */
export type ClaimResult<R = unknown> =
  | {
      /** The caller owns the key and runs the handler. */
      status: 'claimed';
      /** The row after the claim. */
      record: IdempotencyRecord<R>;
      /** True when a dead owner's expired claim was taken over. */
      takeover: boolean;
    }
  | {
      /** A response is stored. */
      status: 'completed';
      /** The row; replay its `response`. */
      record: IdempotencyRecord<R>;
    }
  | {
      /** Another claimant holds an unexpired lease. */
      status: 'in_progress';
      /** The row as it stands. */
      record: IdempotencyRecord<R>;
    }
  | {
      /** The key exists with another fingerprint. */
      status: 'mismatch';
      /** The existing row. */
      record: IdempotencyRecord<R>;
    };

/**
 * Port for the `idempotency_keys` table. Each method is one atomic store operation
 * (`INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING` in PostgreSQL).
 * Contract: `test/contracts/idempotency.contract.ts`.
 *
 * @example
 * ```ts
 * import { Idempotency, MemoryIdempotencyStore, type IdempotencyStore } from 'steadycall';
 *
 * const store: IdempotencyStore = new MemoryIdempotencyStore(); // or createPostgresStores(...).idempotency
 * const idempotency = new Idempotency({ store });
 * ```
 */
export interface IdempotencyStore {
  /** Atomically claims the key, or reports who holds it (see {@link ClaimResult}). */
  claim<R = unknown>(request: ClaimRequest): Promise<ClaimResult<R>>;
  /** Stores the response if `ownerToken` still owns the key. False if the claim was lost. */
  complete<R = unknown>(
    key: string,
    ownerToken: string,
    response: R,
    now: number,
    ttlMs: number,
  ): Promise<boolean>;
  /** Drops the claim (the handler failed) if `ownerToken` still owns it, so a retry can run. */
  release(key: string, ownerToken: string): Promise<boolean>;
  /** Extends an owned lease (heartbeat for long handlers). False if the claim was lost. */
  extendLease(key: string, ownerToken: string, leaseMs: number, now: number): Promise<boolean>;
  /** The row of `key`, or null (expired rows may still be returned until purged). */
  get<R = unknown>(key: string): Promise<IdempotencyRecord<R> | null>;
  /** Deletes rows whose `expiresAt` <= now; returns how many. */
  purgeExpired(now: number): Promise<number>;
}
