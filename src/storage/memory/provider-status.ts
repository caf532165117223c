import {
  applyOutcome,
  claimProbe,
  forceOpenStatus,
  initialProviderStatus,
  resetStatus,
  type StateChange,
  withHealth,
} from '../../breaker/state.js';
import type { ProviderStatusStore } from '../../breaker/store.js';
import type {
  BreakerPolicy,
  BreakerUpdate,
  HealthSnapshot,
  OutcomeInput,
  ProbeClaimResult,
  ProviderStatus,
} from '../../breaker/types.js';
import type { ProviderName } from '../../core/types.js';

/**
 * In-memory `provider_status`: the embedded default, shared by every breaker in one process.
 * Each operation runs synchronously before its promise is returned, so it is one critical section
 * (no interleaving between read and write). Rows are stored and returned as deep copies, so
 * callers can never mutate stored state.
 *
 * @example
 * ```ts
 * const store = new MemoryProviderStatusStore();
 * const twilio = new CircuitBreaker({ provider: 'twilio', store });
 * ```
 */
export class MemoryProviderStatusStore implements ProviderStatusStore {
  readonly #rows = new Map<ProviderName, ProviderStatus>();

  async get(provider: ProviderName): Promise<ProviderStatus | null> {
    const row = this.#rows.get(provider);
    return row === undefined ? null : structuredClone(row);
  }

  async list(): Promise<ProviderStatus[]> {
    return [...this.#rows.values()]
      .sort((a, b) => (a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : 0))
      .map((row) => structuredClone(row));
  }

  async recordOutcome(
    provider: ProviderName,
    outcome: OutcomeInput,
    policy: BreakerPolicy,
    now: number,
  ): Promise<BreakerUpdate> {
    return this.#update(provider, now, (row) => applyOutcome(row, outcome, policy, now));
  }

  async claimProbe(
    provider: ProviderName,
    token: string,
    policy: BreakerPolicy,
    now: number,
  ): Promise<ProbeClaimResult> {
    const row = this.#rows.get(provider) ?? initialProviderStatus(provider, now);
    const claim = claimProbe(row, token, policy, now);
    // An unknown provider is closed: nothing to write, and no row is created by a refused claim.
    if (claim.status !== row) this.#rows.set(provider, structuredClone(claim.status));
    const result: ProbeClaimResult = { granted: claim.granted, status: structuredClone(claim.status) };
    if (claim.transition) result.transition = { ...claim.transition };
    return result;
  }

  async reset(provider: ProviderName, now: number): Promise<BreakerUpdate> {
    return this.#update(provider, now, (row) => resetStatus(row, now));
  }

  async forceOpen(provider: ProviderName, until: number, now: number): Promise<BreakerUpdate> {
    return this.#update(provider, now, (row) => forceOpenStatus(row, until, now));
  }

  async recordHealth(provider: ProviderName, health: HealthSnapshot, now: number): Promise<BreakerUpdate> {
    return this.#update(provider, now, (row) => ({ status: withHealth(row, health, now) }));
  }

  /** Test helper: drops every row. */
  clear(): void {
    this.#rows.clear();
  }

  #update(provider: ProviderName, now: number, reduce: (row: ProviderStatus) => StateChange): BreakerUpdate {
    const previous = this.#rows.get(provider) ?? initialProviderStatus(provider, now);
    const change = reduce(previous);
    this.#rows.set(provider, structuredClone(change.status));
    const update: BreakerUpdate = {
      previous: structuredClone(previous),
      current: structuredClone(change.status),
    };
    if (change.transition) update.transition = { ...change.transition };
    return update;
  }
}
