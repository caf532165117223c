/** `idempotency_keys.state`. */
export type IdempotencyState = 'in_progress' | 'completed';

/** One row of `idempotency_keys`. Times are epoch milliseconds. */
export interface IdempotencyRecord<R = unknown> {
  key: string;
  /** Hex SHA-256 of the canonical payload. */
  fingerprint: string;
  state: IdempotencyState;
  /** Token of the claimant currently running the handler (in_progress only). */
  ownerToken: string | null;
  /** An in_progress claim whose lease passed may be taken over. */
  leaseExpiresAt: number | null;
  /** The stored response (completed only), replayed to duplicates. */
  response: R | null;
  createdAt: number;
  updatedAt: number;
  /** The row may be purged after this. */
  expiresAt: number;
  /** How many times the claim changed owner (1 for the first claim). */
  attempts: number;
}

export interface ClaimRequest {
  key: string;
  fingerprint: string;
  ownerToken: string;
  /** How long the claim holds before another claimant may take over. Must be > 0. */
  leaseMs: number;
  /** Retention of the row (24 h by default). */
  ttlMs: number;
  now: number;
}

/**
 * Outcome of an atomic claim:
 * - `claimed`: the caller owns the key (new row, a released/expired claim taken over, or an expired
 *   completed row re-run);
 * - `completed`: replay `record.response`;
 * - `in_progress`: someone else holds an unexpired lease; wait and claim again;
 * - `mismatch`: the key exists with another fingerprint (key reuse).
 */
export type ClaimResult<R = unknown> =
  | { status: 'claimed'; record: IdempotencyRecord<R>; takeover: boolean }
  | { status: 'completed'; record: IdempotencyRecord<R> }
  | { status: 'in_progress'; record: IdempotencyRecord<R> }
  | { status: 'mismatch'; record: IdempotencyRecord<R> };

/**
 * Port for the `idempotency_keys` table. Each method is one atomic store operation
 * (`INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING` in PostgreSQL).
 * Contract: `test/contracts/idempotency.contract.ts`.
 */
export interface IdempotencyStore {
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
  get<R = unknown>(key: string): Promise<IdempotencyRecord<R> | null>;
  /** Deletes rows whose `expiresAt` <= now; returns how many. */
  purgeExpired(now: number): Promise<number>;
}
