import type {
  ClaimRequest,
  ClaimResult,
  IdempotencyRecord,
  IdempotencyStore,
} from '../../idempotency/store.js';

/**
 * In-memory {@link IdempotencyStore} for tests, demos and single-process deployments.
 *
 * Every operation runs synchronously inside its async method, so it is atomic with respect to other
 * calls (JavaScript never interleaves synchronous code). Rows are stored and returned as deep
 * copies, like a database would, so callers can never mutate stored state by accident.
 *
 * @example
 * ```ts
 * const idempotency = new Idempotency({ store: new MemoryIdempotencyStore() });
 * const { response, replayed } = await idempotency.execute(key, body, async () => applyStatus(body));
 * ```
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #rows = new Map<string, IdempotencyRecord>();

  async claim<R = unknown>(request: ClaimRequest): Promise<ClaimResult<R>> {
    const { key, fingerprint, ownerToken, leaseMs, ttlMs, now } = request;
    const row = this.#rows.get(key);

    // A missing or expired row (whatever its state or fingerprint) is claimed afresh.
    if (!row || row.expiresAt <= now) {
      const fresh: IdempotencyRecord = {
        key,
        fingerprint,
        state: 'in_progress',
        ownerToken,
        leaseExpiresAt: now + leaseMs,
        response: null,
        createdAt: now,
        updatedAt: now,
        expiresAt: now + ttlMs,
        attempts: 1,
      };
      this.#rows.set(key, structuredClone(fresh));
      return { status: 'claimed', record: copy<R>(fresh), takeover: false };
    }

    if (row.fingerprint !== fingerprint) return { status: 'mismatch', record: copy<R>(row) };
    if (row.state === 'completed') return { status: 'completed', record: copy<R>(row) };

    // The owner stopped heartbeating (crashed or hung): its lease passed, so take the claim over.
    if (row.leaseExpiresAt === null || row.leaseExpiresAt <= now) {
      row.ownerToken = ownerToken;
      row.leaseExpiresAt = now + leaseMs;
      row.updatedAt = now;
      row.expiresAt = now + ttlMs;
      row.attempts += 1;
      return { status: 'claimed', record: copy<R>(row), takeover: true };
    }

    return { status: 'in_progress', record: copy<R>(row) };
  }

  async complete<R = unknown>(
    key: string,
    ownerToken: string,
    response: R,
    now: number,
    ttlMs: number,
  ): Promise<boolean> {
    const row = this.#owned(key, ownerToken);
    if (!row) return false;
    // Clone first: if the response cannot be cloned, nothing changes.
    const stored = structuredClone(response);
    row.state = 'completed';
    row.response = stored;
    row.ownerToken = null;
    row.leaseExpiresAt = null;
    row.updatedAt = now;
    row.expiresAt = now + ttlMs;
    return true;
  }

  async release(key: string, ownerToken: string): Promise<boolean> {
    if (!this.#owned(key, ownerToken)) return false;
    this.#rows.delete(key);
    return true;
  }

  async extendLease(key: string, ownerToken: string, leaseMs: number, now: number): Promise<boolean> {
    const row = this.#owned(key, ownerToken);
    if (!row) return false;
    row.leaseExpiresAt = now + leaseMs;
    row.updatedAt = now;
    // A heartbeating claim must never expire under its owner (a fresh claim would replace it).
    row.expiresAt = Math.max(row.expiresAt, row.leaseExpiresAt);
    return true;
  }

  async get<R = unknown>(key: string): Promise<IdempotencyRecord<R> | null> {
    const row = this.#rows.get(key);
    return row ? copy<R>(row) : null;
  }

  async purgeExpired(now: number): Promise<number> {
    let purged = 0;
    for (const [key, row] of this.#rows) {
      if (row.expiresAt <= now) {
        this.#rows.delete(key);
        purged++;
      }
    }
    return purged;
  }

  /** The row if it is in progress and owned by `ownerToken` (its lease may have passed). */
  #owned(key: string, ownerToken: string): IdempotencyRecord | undefined {
    const row = this.#rows.get(key);
    return row && row.state === 'in_progress' && row.ownerToken === ownerToken ? row : undefined;
  }
}

function copy<R>(row: IdempotencyRecord): IdempotencyRecord<R> {
  return structuredClone(row) as IdempotencyRecord<R>;
}
