import { type Clock, systemClock, type TimerHandle } from '../core/clock.js';
import { type Disposable, EventSource } from '../core/disposable.js';
import { ValidationError, type ValidationIssue } from '../core/errors.js';
import { canonicalJson } from '../core/hash.js';
import { type Logger, silentLogger } from '../core/logger.js';
import { redact } from '../core/redact.js';
import { type RunbookFlags, runbookFlags } from './catalog.js';
import {
  type BooleanFlagKey,
  checkFlagValue,
  type FlagDefinition,
  type FlagDefinitions,
  type FlagValue,
} from './define.js';
import { type EvaluationContext, errorResolution, evaluateFlag, type FlagResolution } from './evaluate.js';
import type { FlagRecord, FlagStore, FlagWrite, RolloutRule } from './store.js';

/**
 * Options of {@link FlagResolver}.
 *
 * @example
 * ```ts
 * const options: FlagResolverOptions<RunbookFlags> = { store: stores.flags, cacheTtlMs: 10_000, logger };
 * const flags = new FlagResolver(options);
 * ```
 */
export interface FlagResolverOptions<Defs extends FlagDefinitions> {
  /** Where the `feature_flags` rows live. */
  store: FlagStore;
  /** The flags this resolver knows; default {@link runbookFlags}. */
  flags?: Defs;
  /** Time source for the cache and timeouts. Default: the system clock. */
  clock?: Clock;
  /** Warned (at most once per `warnIntervalMs`) when the store is unreachable. Default: silent. */
  logger?: Logger;
  /** How long one `store.list()` serves every read. Default 5000. */
  cacheTtlMs?: number;
  /** After a failed load, wait this long before asking the store again. Default min(cacheTtlMs, 1000). */
  retryAfterFailureMs?: number;
  /** A load slower than this serves the last known table (or defaults) meanwhile. Default 2000. */
  loadTimeoutMs?: number;
  /** At most one "store unreachable" warning per this interval. Default 60000. */
  warnIntervalMs?: number;
}

/**
 * Extra fields for {@link FlagResolver.set}; omitted ones keep their stored value.
 *
 * @example
 * ```ts
 * const options: FlagSetOptions<boolean> = { tenantOverrides: { vip: true }, rollout: null }; // null removes the rollout
 * await flags.set('ai.enabled', false, options);
 * ```
 */
export interface FlagSetOptions<T> {
  /** Replaces every tenant override (each checked against the schema). */
  tenantOverrides?: Record<string, T>;
  /** Sets a percentage rollout (see {@link RolloutRule}), or removes it with `null`. */
  rollout?: {
    /** Share of targeting keys that get `value`, 0..100 (fractions allowed). */
    percentage: number;
    /** The value served inside the rollout. */
    value: T;
    /** Reshuffles who is in; keep it to keep everyone in while raising the percentage. Default: the flag key. */
    salt?: string;
  } | null;
  /** Sets (or with `null` clears) the stored description. */
  description?: string | null;
}

/**
 * Emitted when a refresh sees flags whose value, overrides, rollout or updatedAt changed.
 *
 * @example
 * ```ts
 * flags.onChange((e: FlagChangeEvent) => logger.info({ flags: e.flagsChanged }, 'flags changed'));
 * ```
 */
export interface FlagChangeEvent {
  /** Keys of the flags that changed, sorted. */
  flagsChanged: string[];
}

/**
 * One row of {@link FlagResolver.list}: a resolution plus what an ops UI shows next to it.
 *
 * @example
 * ```ts
 * const entries: FlagListEntry[] = await flags.list({ tenantId: 't1' });
 * for (const e of entries) console.log(e.flagKey, e.value, e.defaultValue, e.description);
 * ```
 */
export type FlagListEntry = FlagResolution<unknown> & {
  /** The flag definition's description. */
  description: string;
  /** The flag definition's default value. */
  defaultValue: unknown;
};

type Table = Map<string, FlagRecord>;

/**
 * Reads typed flags from a {@link FlagStore}. The whole table is loaded with one `list()` at most
 * once per TTL (concurrent readers share one load). Reads never throw on store trouble: the last
 * known table is served with reason STALE, or, if nothing was ever loaded, the defaults with
 * errorCode PROVIDER_NOT_READY. Unknown keys are a type error, and a `ValidationError` at runtime.
 *
 * @example
 * ```ts
 * const flags = new FlagResolver({ store: new MemoryFlagStore() });
 * const provider = await flags.getValue('ai.provider.preferred', { tenantId: 't1' }); // 'gemini' | 'openai'
 * await flags.set('ai.enabled', false, { tenantOverrides: { vip: true } });
 * ```
 */
export class FlagResolver<Defs extends FlagDefinitions = RunbookFlags> {
  readonly #store: FlagStore;
  readonly #defs: Defs;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #ttlMs: number;
  readonly #retryMs: number;
  readonly #loadTimeoutMs: number;
  readonly #warnIntervalMs: number;
  readonly #changes = new EventSource<FlagChangeEvent>();

  #table: Table | null = null;
  #failing = false;
  /** Before this time, reads are served from memory without asking the store. */
  #freshUntil = Number.NEGATIVE_INFINITY;
  #inflight: Promise<boolean> | null = null;
  #inflightWait: Promise<void> = Promise.resolve();
  #lastWarnAt = Number.NEGATIVE_INFINITY;
  #suppressedWarnings = 0;

  constructor(options: FlagResolverOptions<Defs>) {
    this.#store = options.store;
    this.#defs = options.flags ?? (runbookFlags as unknown as Defs);
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#ttlMs = Math.max(0, options.cacheTtlMs ?? 5_000);
    this.#retryMs = Math.max(0, options.retryAfterFailureMs ?? Math.min(this.#ttlMs, 1_000));
    this.#loadTimeoutMs = Math.max(0, options.loadTimeoutMs ?? 2_000);
    this.#warnIntervalMs = Math.max(0, options.warnIntervalMs ?? 60_000);
    for (const [key, def] of Object.entries(this.#defs)) {
      if (def.key !== key) {
        throw new ValidationError(`Flag map key "${key}" does not match its definition key "${def.key}"`);
      }
    }
  }

  /** The definitions this resolver knows, by key. */
  get definitions(): Defs {
    return this.#defs;
  }

  /**
   * Resolves a flag with OpenFeature-style details. Never rejects because of the store.
   *
   * @example
   * ```ts
   * const r = await flags.resolve('ai.enabled', { tenantId: 't1' });
   * // { flagKey: 'ai.enabled', value: true, reason: 'DEFAULT', variant: 'default' }
   * ```
   */
  async resolve<K extends keyof Defs & string>(
    key: K,
    context: EvaluationContext = {},
  ): Promise<FlagResolution<FlagValue<Defs, K>>> {
    const definition = this.#definition(key);
    await this.#ensureLoaded();
    return this.#evaluate(definition, context) as FlagResolution<FlagValue<Defs, K>>;
  }

  /** The flag's value for a context. @example `await flags.getValue('ai.provider.preferred')` */
  async getValue<K extends keyof Defs & string>(
    key: K,
    context: EvaluationContext = {},
  ): Promise<FlagValue<Defs, K>> {
    return (await this.resolve(key, context)).value;
  }

  /** A boolean flag's value. @example `if (await flags.isEnabled('sms.enabled')) sendSms();` */
  async isEnabled<K extends BooleanFlagKey<Defs>>(key: K, context: EvaluationContext = {}): Promise<boolean> {
    const value: unknown = (await this.resolve(key, context)).value;
    return value === true;
  }

  /**
   * Every known flag resolved for a context, sorted by key (for an ops UI).
   *
   * @example
   * ```ts
   * for (const f of await flags.list({ tenantId })) console.log(f.flagKey, f.value, f.reason);
   * ```
   */
  async list(context: EvaluationContext = {}): Promise<FlagListEntry[]> {
    await this.#ensureLoaded();
    return Object.keys(this.#defs)
      .sort()
      .map((key) => {
        const definition = this.#defs[key]!;
        return {
          ...this.#evaluate(definition, context),
          description: definition.description,
          defaultValue: structuredCloneIfObject(definition.defaultValue),
        };
      });
  }

  /**
   * Writes a flag's value (and optionally its tenant overrides and rollout) through to the store.
   * Every value is checked against the flag's schema first (`ValidationError`); store errors reject.
   *
   * @example
   * ```ts
   * await flags.set('ai.provider.preferred', 'gemini', { rollout: { percentage: 10, value: 'openai' } });
   * ```
   */
  async set<K extends keyof Defs & string>(
    key: K,
    value: FlagValue<Defs, K>,
    options: FlagSetOptions<FlagValue<Defs, K>> = {},
  ): Promise<FlagRecord> {
    const definition = this.#definition(key);
    const issues: ValidationIssue[] = [...checkFlagValue(definition, value, 'value')];
    const write: FlagWrite = { key, value };
    if (options.tenantOverrides !== undefined) {
      for (const [tenant, v] of Object.entries(options.tenantOverrides)) {
        issues.push(...checkFlagValue(definition, v, `tenantOverrides.${tenant}`));
      }
      write.tenantOverrides = options.tenantOverrides;
    }
    if (options.rollout !== undefined) {
      if (options.rollout !== null) issues.push(...checkRollout(definition, options.rollout));
      write.rollout = options.rollout as RolloutRule | null;
    }
    if (options.description !== undefined) write.description = options.description;
    if (issues.length > 0) throw new ValidationError(`Invalid value for flag "${key}"`, issues);
    return this.#applyWrite(await this.#store.set(write, this.#clock.now()));
  }

  /**
   * Sets (or, with `undefined`, removes) one tenant's override. A flag with no row yet gets one with
   * the default as its value. Read-merge-write: concurrent writes to the same flag are last-writer-wins.
   *
   * @example
   * ```ts
   * await flags.setTenantOverride('ai.enabled', 'tenant-7', false);
   * await flags.setTenantOverride('ai.enabled', 'tenant-7', undefined); // back to the shared value
   * ```
   */
  async setTenantOverride<K extends keyof Defs & string>(
    key: K,
    tenantId: string,
    value: FlagValue<Defs, K> | undefined,
  ): Promise<FlagRecord | null> {
    const definition = this.#definition(key);
    if (value !== undefined) {
      const issues = checkFlagValue(definition, value, `tenantOverrides.${tenantId}`);
      if (issues.length > 0) throw new ValidationError(`Invalid override for flag "${key}"`, issues);
    }
    if (this.#store.setTenantOverride) {
      const row = await this.#store.setTenantOverride(
        key,
        tenantId,
        value,
        this.#clock.now(),
        definition.defaultValue,
      );
      return row ? this.#applyWrite(row) : null;
    }
    const existing = await this.#store.get(key);
    if (!existing && value === undefined) return null;
    // fromEntries defines own properties, so even a tenant id like "__proto__" stays plain data.
    const others = Object.entries(existing?.tenantOverrides ?? {}).filter(([t]) => t !== tenantId);
    const tenantOverrides = Object.fromEntries(value === undefined ? others : [...others, [tenantId, value]]);
    const write: FlagWrite = {
      key,
      value: existing ? existing.value : definition.defaultValue,
      tenantOverrides,
    };
    return this.#applyWrite(await this.#store.set(write, this.#clock.now()));
  }

  /** Reloads the table now, ignoring the TTL. Resolves `true` when the store answered. */
  refresh(): Promise<boolean> {
    return this.#inflight ?? this.#load();
  }

  /**
   * Listens for flag changes seen by a refresh (or a write through this resolver).
   *
   * @example
   * ```ts
   * const sub = flags.onChange(({ flagsChanged }) => console.log('changed', flagsChanged));
   * sub.dispose();
   * ```
   */
  onChange(listener: (event: FlagChangeEvent) => void): Disposable {
    return this.#changes.on(listener);
  }

  #definition(key: string): FlagDefinition<string, unknown> {
    const definition = Object.hasOwn(this.#defs, key) ? this.#defs[key] : undefined;
    if (!definition) {
      throw new ValidationError(`Unknown flag "${key}"`, [{ path: 'key', message: 'not a registered flag' }]);
    }
    return definition;
  }

  #evaluate(
    definition: FlagDefinition<string, unknown>,
    context: EvaluationContext,
  ): FlagResolution<unknown> {
    if (!this.#table) {
      return this.#failing
        ? errorResolution(definition, 'PROVIDER_NOT_READY', 'Flag store unreachable', 'DEFAULT')
        : evaluateFlag(definition, null, context);
    }
    const resolution = evaluateFlag(definition, this.#table.get(definition.key), context);
    // A type mismatch stays an ERROR; anything else served from an old table is STALE.
    return this.#failing && resolution.reason !== 'ERROR' ? { ...resolution, reason: 'STALE' } : resolution;
  }

  async #ensureLoaded(): Promise<void> {
    if (this.#clock.now() < this.#freshUntil) return;
    if (!this.#inflight) this.#load();
    await this.#inflightWait;
  }

  /** Starts one load; `#inflightWait` settles when it ends or when waiting longer is pointless. */
  #load(): Promise<boolean> {
    const attempt = (async () => {
      try {
        // Inside the try: a store that throws synchronously or returns garbage is a failed load.
        this.#onLoaded(await this.#store.list());
        return true;
      } catch (err) {
        this.#onFailure(err, true);
        return false;
      }
    })();
    this.#inflight = attempt;
    this.#inflightWait = attempt.then(() => undefined);
    const timeoutMs = this.#loadTimeoutMs;
    if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
      // A hung store must not hang every reader: after the timeout they get the fallback, and
      // readers joining this same load later do not wait again.
      let handle: TimerHandle | undefined;
      const timedOut = new Promise<void>((resolve) => {
        handle = this.#clock.setTimeout(() => {
          if (this.#inflight === attempt) {
            this.#onFailure(new Error(`Flag store list() took longer than ${timeoutMs} ms`), false);
          }
          resolve();
        }, timeoutMs);
      });
      this.#inflightWait = Promise.race([this.#inflightWait, timedOut]);
      void attempt.then(() => {
        if (handle !== undefined) this.#clock.clearTimeout(handle);
      });
    }
    void attempt.then(() => {
      if (this.#inflight === attempt) this.#inflight = null;
    });
    return attempt;
  }

  #onLoaded(rows: FlagRecord[]): void {
    const next: Table = new Map();
    for (const row of rows) if (Object.hasOwn(this.#defs, row.key)) next.set(row.key, row);
    const previous = this.#table;
    this.#table = next;
    this.#freshUntil = this.#clock.now() + this.#ttlMs;
    if (this.#failing) this.#log('info', { component: 'flags' }, 'Flag store reachable again');
    this.#failing = false;
    if (previous) this.#emitChanges(previous, next);
  }

  /** `finished`: the load failed; otherwise it is still running but too slow to wait for. */
  #onFailure(err: unknown, finished: boolean): void {
    const now = this.#clock.now();
    this.#failing = true;
    // Back off: the next callers get the fallback at once instead of each waiting on the store.
    this.#freshUntil = finished ? now + this.#retryMs : Math.max(this.#freshUntil, now + this.#retryMs);
    if (now - this.#lastWarnAt < this.#warnIntervalMs) {
      this.#suppressedWarnings++;
      return;
    }
    const suppressed = this.#suppressedWarnings;
    this.#lastWarnAt = now;
    this.#suppressedWarnings = 0;
    this.#log(
      'warn',
      redact({
        component: 'flags',
        err,
        serving: this.#table ? 'stale' : 'defaults',
        ...(suppressed > 0 ? { suppressedWarnings: suppressed } : {}),
      }) as Record<string, unknown>,
      'Flag store unreachable; serving last known flags or defaults',
    );
  }

  #log(level: 'info' | 'warn', fields: Record<string, unknown>, msg: string): void {
    try {
      this.#logger[level](fields, msg);
    } catch {
      // A broken logger must not turn a served fallback into a thrown error.
    }
  }

  #applyWrite(record: FlagRecord): FlagRecord {
    // Without a loaded table, patching one row would make every other flag look unset. (A load
    // already in flight may still bring back the older row; that lasts one TTL at most.)
    if (this.#table && Object.hasOwn(this.#defs, record.key)) {
      const previous = new Map(this.#table);
      this.#table.set(record.key, structuredClone(record));
      this.#emitChanges(previous, this.#table);
    }
    return record;
  }

  #emitChanges(previous: Table, next: Table): void {
    const flagsChanged: string[] = [];
    for (const key of new Set([...previous.keys(), ...next.keys()])) {
      if (fingerprint(previous.get(key)) !== fingerprint(next.get(key))) flagsChanged.push(key);
    }
    if (flagsChanged.length > 0) this.#changes.emit({ flagsChanged: flagsChanged.sort() });
  }
}

function checkRollout(
  definition: FlagDefinition<string, unknown>,
  rollout: { percentage: number; value: unknown; salt?: string },
): ValidationIssue[] {
  const issues = checkFlagValue(definition, rollout.value, 'rollout.value');
  const p = rollout.percentage;
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 100) {
    issues.push({ path: 'rollout.percentage', message: 'must be a number from 0 to 100' });
  }
  if (rollout.salt !== undefined && typeof rollout.salt !== 'string') {
    issues.push({ path: 'rollout.salt', message: 'must be a string' });
  }
  return issues;
}

function fingerprint(record: FlagRecord | undefined): string {
  if (!record) return '';
  const { value, tenantOverrides, rollout, updatedAt } = record;
  return canonicalJson({ value, tenantOverrides, rollout, updatedAt });
}

function structuredCloneIfObject<T>(value: T): T {
  return value !== null && typeof value === 'object' ? structuredClone(value) : value;
}
