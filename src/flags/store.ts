/**
 * A sticky percentage rollout: `percentage`% of targeting keys get `value`.
 *
 * @example
 * ```ts
 * const rollout: RolloutRule = { percentage: 10, value: 'openai', salt: 'openai-trial-2' };
 * await flagStore.set({ key: 'ai.provider.preferred', value: 'gemini', rollout }, Date.now());
 * ```
 */
export interface RolloutRule {
  /** 0..100, fractional allowed (0.5 = one in two hundred). */
  percentage: number;
  /** The value served to keys inside the rollout (JSON; checked against the flag's schema). */
  value: unknown;
  /** Changing the salt reshuffles who is in; keep it to keep people in while raising the percentage. */
  salt?: string;
}

/**
 * One row of `feature_flags`. `value` and override values are JSON.
 *
 * @example
 * ```ts
 * const row: FlagRecord | null = await stores.flags.get('ai.provider.preferred');
 * console.log(row?.value, row?.tenantOverrides, row?.rollout);
 * ```
 */
export interface FlagRecord {
  /** The flag's key. */
  key: string;
  /** The value for everyone without an override or rollout (JSON). */
  value: unknown;
  /** Per-tenant values, winning over everything else. */
  tenantOverrides: Record<string, unknown>;
  /** A percentage rollout of another value; null when none. */
  rollout: RolloutRule | null;
  /** Free-text description stored with the row. */
  description?: string | null;
  /** When the row was last written, epoch ms. */
  updatedAt: number;
}

/**
 * What {@link FlagStore.set} takes: `key` and `value`, plus any of `tenantOverrides`, `rollout` and
 * `description` to change.
 *
 * @example
 * ```ts
 * const write: FlagWrite = { key: 'ai.enabled', value: true, tenantOverrides: { 'tenant-7': false } };
 * await stores.flags.set(write, Date.now());
 * ```
 */
export type FlagWrite = Pick<FlagRecord, 'key' | 'value'> &
  Partial<Pick<FlagRecord, 'tenantOverrides' | 'rollout' | 'description'>>;

/**
 * Port for the `feature_flags` table. `list()` returns every flag in one round trip: the resolver
 * caches it for a TTL, so reading flags costs at most one round trip per TTL.
 * Contract: `test/contracts/flags.contract.ts`.
 *
 * @example
 * ```ts
 * import { FlagResolver, MemoryFlagStore, type FlagStore } from 'steadycall';
 *
 * const store: FlagStore = new MemoryFlagStore(); // or createPostgresStores(...).flags
 * const flags = new FlagResolver({ store });
 * ```
 */
export interface FlagStore {
  /** Every row, in one round trip. */
  list(): Promise<FlagRecord[]>;
  /** One row, or null when the flag was never written. */
  get(key: string): Promise<FlagRecord | null>;
  /** Upsert; fields left out of `write` keep their stored value (new rows: none). */
  set(write: FlagWrite, now: number): Promise<FlagRecord>;
  /** Deletes a row (the flag falls back to its default); false when there was none. */
  delete(key: string): Promise<boolean>;
  /**
   * Optional: sets (or with `undefined` removes) one tenant's override in ONE atomic operation,
   * creating the row with `defaultValue` if it is missing. Without it the resolver reads then
   * writes the row, and two overrides written at the same moment could lose one.
   */
  setTenantOverride?(
    key: string,
    tenantId: string,
    value: unknown,
    now: number,
    defaultValue?: unknown,
  ): Promise<FlagRecord | null>;
}
