/** A sticky percentage rollout: `percentage`% of targeting keys get `value`. */
export interface RolloutRule {
  /** 0..100, fractional allowed (0.5 = one in two hundred). */
  percentage: number;
  value: unknown;
  /** Changing the salt reshuffles who is in; keep it to keep people in while raising the percentage. */
  salt?: string;
}

/** One row of `feature_flags`. `value` and override values are JSON. */
export interface FlagRecord {
  key: string;
  value: unknown;
  /** Per-tenant values, winning over everything else. */
  tenantOverrides: Record<string, unknown>;
  rollout: RolloutRule | null;
  description?: string | null;
  updatedAt: number;
}

export type FlagWrite = Pick<FlagRecord, 'key' | 'value'> &
  Partial<Pick<FlagRecord, 'tenantOverrides' | 'rollout' | 'description'>>;

/**
 * Port for the `feature_flags` table. `list()` returns every flag in one round trip: the resolver
 * caches it for a TTL, so reading flags costs at most one round trip per TTL.
 * Contract: `test/contracts/flags.contract.ts`.
 */
export interface FlagStore {
  list(): Promise<FlagRecord[]>;
  get(key: string): Promise<FlagRecord | null>;
  /** Upsert; fields left out of `write` keep their stored value (new rows: none). */
  set(write: FlagWrite, now: number): Promise<FlagRecord>;
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
