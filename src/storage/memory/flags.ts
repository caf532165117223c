import type { FlagRecord, FlagStore, FlagWrite } from '../../flags/store.js';

/**
 * A seed row: like a {@link FlagWrite}, with an optional `updatedAt` (default 0).
 *
 * @example
 * ```ts
 * const seed: FlagSeed[] = [{ key: 'ai.enabled', value: true, tenantOverrides: { trial: false }, updatedAt: 0 }];
 * const store = new MemoryFlagStore(seed);
 * ```
 */
export type FlagSeed = FlagWrite & {
  /** The row's `updatedAt`, epoch ms. Default 0. */
  updatedAt?: number;
};

/**
 * In-memory `feature_flags` table: the embedded default. Every method runs synchronously before
 * its first `await`, so each is atomic; rows go in and out as deep copies.
 *
 * @example
 * ```ts
 * const store = new MemoryFlagStore([{ key: 'ai.provider.preferred', value: 'openai' }]);
 * const flags = new FlagResolver({ store });
 * ```
 */
export class MemoryFlagStore implements FlagStore {
  readonly #rows = new Map<string, FlagRecord>();

  /** @param seed - Rows the store starts with. Default none. */
  constructor(seed: Iterable<FlagSeed> = []) {
    for (const row of seed) this.#write(row, row.updatedAt ?? 0);
  }

  async list(): Promise<FlagRecord[]> {
    return [...this.#rows.keys()].sort(compareKeys).map((key) => structuredClone(this.#rows.get(key)!));
  }

  async get(key: string): Promise<FlagRecord | null> {
    const row = this.#rows.get(key);
    return row ? structuredClone(row) : null;
  }

  async set(write: FlagWrite, now: number): Promise<FlagRecord> {
    return structuredClone(this.#write(write, now));
  }

  async setTenantOverride(
    key: string,
    tenantId: string,
    value: unknown,
    now: number,
    defaultValue: unknown = null,
  ): Promise<FlagRecord | null> {
    const existing = this.#rows.get(key);
    if (!existing && value === undefined) return null;
    // fromEntries defines own properties, so even a tenant id like "__proto__" stays plain data.
    const others = Object.entries(existing?.tenantOverrides ?? {}).filter(([t]) => t !== tenantId);
    const tenantOverrides = Object.fromEntries(value === undefined ? others : [...others, [tenantId, value]]);
    return structuredClone(
      this.#write({ key, value: existing ? existing.value : defaultValue, tenantOverrides }, now),
    );
  }

  async delete(key: string): Promise<boolean> {
    return this.#rows.delete(key);
  }

  #write(write: FlagWrite, now: number): FlagRecord {
    const existing = this.#rows.get(write.key);
    // Fields left out of the write keep their stored value; a new row starts empty.
    const row: FlagRecord = structuredClone({
      key: write.key,
      value: write.value ?? null,
      tenantOverrides: write.tenantOverrides ?? existing?.tenantOverrides ?? {},
      rollout: write.rollout !== undefined ? write.rollout : (existing?.rollout ?? null),
      description: write.description !== undefined ? write.description : (existing?.description ?? null),
      updatedAt: now,
    });
    this.#rows.set(write.key, row);
    return row;
  }
}

// Code-unit order, like PostgreSQL's COLLATE "C": the same on every runtime and locale.
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
