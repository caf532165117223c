import {
  type Client,
  ErrorCode,
  type EvaluationDetails,
  type FlagValue,
  type JsonValue,
  type EvaluationContext as OpenFeatureContext,
  StandardResolutionReasons,
} from '@openfeature/server-sdk';
import { type Clock, systemClock } from '../core/clock.js';
import { StorageUnavailableError } from '../core/errors.js';
import { canonicalJson } from '../core/hash.js';
import { type Logger, silentLogger } from '../core/logger.js';
import { runbookFlags } from '../flags/catalog.js';
import type { FlagDefinition, FlagDefinitions } from '../flags/define.js';
import type { FlagRecord, FlagStore, FlagWrite } from '../flags/store.js';
import { ReadOnlyFlagStoreError } from './errors.js';
import { valueTypeOf } from './resolution.js';

/**
 * What {@link OpenFeatureFlagStore} needs of an OpenFeature client: the four typed detail reads
 * (and, for error messages, the provider's name). Any `OpenFeature.getClient()` is one.
 *
 * @example
 * ```ts
 * import { OpenFeature } from '@openfeature/server-sdk';
 *
 * const client: OpenFeatureFlagClient = OpenFeature.getClient('steadycall');
 * ```
 */
export type OpenFeatureFlagClient = Pick<
  Client,
  'getBooleanDetails' | 'getStringDetails' | 'getNumberDetails' | 'getObjectDetails'
> &
  Partial<Pick<Client, 'metadata'>>;

/**
 * Options of {@link OpenFeatureFlagStore}.
 *
 * @example
 * ```ts
 * const options: OpenFeatureFlagStoreOptions = {
 *   client: OpenFeature.getClient(),
 *   flags: { ...runbookFlags, ...defineFlags([greeting]) },
 *   context: { targetingKey: 'steadycall', service: 'voice' },
 *   tenants: ['acme', 'globex'],
 * };
 * const store = new OpenFeatureFlagStore(options);
 * ```
 */
export interface OpenFeatureFlagStoreOptions {
  /** The OpenFeature client the flags are read through (its provider: LaunchDarkly, flagd, ...). */
  client: OpenFeatureFlagClient;
  /**
   * The flags to read, as the resolver knows them: each is read with the OpenFeature type of its
   * default value (boolean, string, number, else object). Default `runbookFlags`.
   */
  flags?: FlagDefinitions;
  /** The context every shared value is evaluated with. Default `{}`. */
  context?: OpenFeatureContext;
  /**
   * Tenants whose values are evaluated too, and kept as tenant overrides where they differ from
   * the shared value, so the backend's per-tenant targeting applies. Default none.
   */
  tenants?: readonly string[];
  /** The context one tenant is evaluated with. Default `{ ...context, targetingKey: tenantId, tenantId }`. */
  tenantContext?: (tenantId: string) => OpenFeatureContext;
  /** Stamps `updatedAt` when a flag's value changes. Default: the system clock. */
  clock?: Clock;
  /** Warned once when a flag's value in the backend is unusable (wrong type, bad context). Default: silent. */
  logger?: Logger;
}

type Outcome = { kind: 'value'; value: unknown } | { kind: 'missing' } | { kind: 'unusable'; reason: string };

/**
 * A read-only `FlagStore` whose flags come from an OpenFeature client, so steadycall follows the
 * flags of an existing OpenFeature backend (LaunchDarkly, flagd, ...). `FlagResolver` still caches
 * the table for its TTL, checks every value against the flag's schema (an invalid one serves the
 * default, reason ERROR) and serves the last known table (STALE) while the backend fails.
 *
 * The `FlagStore` port carries no evaluation context: values are evaluated once per load with
 * `context` (and per listed tenant with `tenantContext`), not per call. Targeting on anything else
 * (per-call rollouts, callers) stays with the backend's rules for that context. A flag the backend
 * does not know (or has disabled) is served its steadycall default; a backend that cannot evaluate
 * (not ready, fatal, general error) fails the load, so the resolver serves its last known table.
 * Writes reject with {@link ReadOnlyFlagStoreError}: change flags in the backend.
 *
 * A load costs flags × (1 + tenants) evaluations, run through the client's hooks. The client merges
 * OpenFeature's global and transaction context into each one, and a load runs inside whichever read
 * found the cache expired: keep per-request attributes out of the transaction context, or pin them
 * in `context` (`{ tenantId: null }`), or the shared values are evaluated for that request.
 *
 * @example
 * ```ts
 * import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
 * import { OpenFeatureFlagStore } from 'steadycall/openfeature';
 *
 * await OpenFeature.setProviderAndWait(launchDarklyProvider);
 * const client = OpenFeature.getClient();
 * const orchestrator = new CallOrchestrator({
 *   stores: { ...createMemoryStores(), flags: new OpenFeatureFlagStore({ client, tenants: ['acme'] }) },
 *   publicBaseUrl: 'https://voice.example.com',
 *   streamTokenSecret: process.env.STREAM_TOKEN_SECRET!,
 * });
 * // Follow backend changes at once instead of after the resolver's TTL.
 * client.addHandler(ProviderEvents.ConfigurationChanged, () => void orchestrator.flags.refresh());
 * ```
 */
export class OpenFeatureFlagStore implements FlagStore {
  readonly #client: OpenFeatureFlagClient;
  readonly #defs: FlagDefinitions;
  readonly #context: OpenFeatureContext;
  readonly #tenants: readonly string[];
  readonly #tenantContext: (tenantId: string) => OpenFeatureContext;
  readonly #clock: Clock;
  readonly #logger: Logger;
  /** Last value seen per flag, so `updatedAt` only moves when the value does. */
  readonly #seen = new Map<string, { json: string; updatedAt: number }>();
  readonly #warned = new Set<string>();

  /** @param options - The client, the flags to read and the contexts to read them with. */
  constructor(options: OpenFeatureFlagStoreOptions) {
    this.#client = options.client;
    this.#defs = options.flags ?? runbookFlags;
    this.#context = options.context ?? {};
    this.#tenants = [...new Set(options.tenants ?? [])];
    this.#tenantContext =
      options.tenantContext ?? ((tenantId) => ({ ...this.#context, targetingKey: tenantId, tenantId }));
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Evaluates every flag through the client; rejects with `StorageUnavailableError` if the backend cannot. */
  async list(): Promise<FlagRecord[]> {
    const rows = await Promise.all(Object.values(this.#defs).map((definition) => this.#row(definition)));
    return rows.filter((row): row is FlagRecord => row !== null);
  }

  /** Evaluates one flag; null when the backend does not have it (or it is not a known flag). */
  async get(key: string): Promise<FlagRecord | null> {
    const definition = Object.hasOwn(this.#defs, key) ? this.#defs[key] : undefined;
    return definition ? this.#row(definition) : null;
  }

  /** Always rejects with {@link ReadOnlyFlagStoreError}: the backend owns the flags. */
  async set(write: FlagWrite): Promise<FlagRecord> {
    throw this.#readOnly(write.key);
  }

  /** Always rejects with {@link ReadOnlyFlagStoreError}: the backend owns the flags. */
  async delete(key: string): Promise<boolean> {
    throw this.#readOnly(key);
  }

  /** Always rejects with {@link ReadOnlyFlagStoreError} (defined so the resolver fails fast, without a read). */
  async setTenantOverride(key: string): Promise<FlagRecord | null> {
    throw this.#readOnly(key);
  }

  async #row(definition: FlagDefinition<string, unknown>): Promise<FlagRecord | null> {
    const { key } = definition;
    const [base, ...perTenant] = await Promise.all([
      this.#evaluate(definition, this.#context, key),
      ...this.#tenants.map((t) => this.#evaluate(definition, this.#tenantContext(t), `${key} (tenant ${t})`)),
    ]);
    if (base?.kind !== 'value') return null;
    const baseJson = canonicalJson(base.value);
    const overrides: [string, unknown][] = [];
    perTenant.forEach((outcome, i) => {
      if (outcome?.kind === 'value' && canonicalJson(outcome.value) !== baseJson) {
        overrides.push([this.#tenants[i]!, outcome.value]);
      }
    });
    // fromEntries defines own properties, so a tenant id like "__proto__" stays plain data.
    const tenantOverrides = Object.fromEntries(overrides);
    return {
      key,
      value: base.value,
      tenantOverrides,
      rollout: null,
      updatedAt: this.#updatedAt(key, canonicalJson({ value: base.value, tenantOverrides })),
    };
  }

  async #evaluate(
    definition: FlagDefinition<string, unknown>,
    context: OpenFeatureContext,
    label: string,
  ): Promise<Outcome> {
    const outcome = classify(definition.key, await this.#details(definition, context));
    if (outcome.kind === 'unusable') {
      // Once per problem, not once per load: the resolver reloads every few seconds.
      if (!this.#warned.has(label)) {
        this.#warned.add(label);
        this.#warn(label, outcome.reason);
      }
    } else {
      this.#warned.delete(label);
    }
    return outcome;
  }

  async #details(
    definition: FlagDefinition<string, unknown>,
    context: OpenFeatureContext,
  ): Promise<EvaluationDetails<FlagValue> | string> {
    const { key, defaultValue } = definition;
    const client = this.#client;
    try {
      switch (valueTypeOf(defaultValue)) {
        case 'boolean':
          return await client.getBooleanDetails(key, defaultValue as boolean, context);
        case 'string':
          return await client.getStringDetails(key, defaultValue as string, context);
        case 'number':
          return await client.getNumberDetails(key, defaultValue as number, context);
        case 'object':
          return await client.getObjectDetails(key, defaultValue as JsonValue, context);
        default:
          return `its default (${typeof defaultValue}) has no OpenFeature type`;
      }
    } catch (err) {
      // OpenFeature clients answer errors as details; a client that throws is a failing backend.
      throw new StorageUnavailableError(`OpenFeature client failed to evaluate "${key}"`, { cause: err });
    }
  }

  #updatedAt(key: string, json: string): number {
    const seen = this.#seen.get(key);
    if (seen?.json === json) return seen.updatedAt;
    const updatedAt = this.#clock.now();
    this.#seen.set(key, { json, updatedAt });
    return updatedAt;
  }

  #warn(label: string, reason: string): void {
    try {
      this.#logger.warn(
        { component: 'flags', flag: label },
        `OpenFeature value of flag ${label} is unusable (${reason}); serving the default`,
      );
    } catch {
      // A broken logger must not fail a flag load.
    }
  }

  #readOnly(key: string): ReadOnlyFlagStoreError {
    return new ReadOnlyFlagStoreError(key, this.#client.metadata?.providerMetadata?.name ?? 'OpenFeature');
  }
}

/** What one OpenFeature evaluation means for the flag table. */
function classify(key: string, details: EvaluationDetails<FlagValue> | string): Outcome {
  if (typeof details === 'string') return { kind: 'unusable', reason: details };
  const { errorCode, errorMessage, reason, value } = details;
  if (!errorCode) {
    // A flag disabled in the backend falls back to steadycall's default, like a missing row.
    return reason === StandardResolutionReasons.DISABLED ? { kind: 'missing' } : { kind: 'value', value };
  }
  switch (errorCode) {
    case ErrorCode.FLAG_NOT_FOUND:
      return { kind: 'missing' };
    case ErrorCode.TYPE_MISMATCH:
    case ErrorCode.PARSE_ERROR:
    case ErrorCode.TARGETING_KEY_MISSING:
    case ErrorCode.INVALID_CONTEXT:
      return { kind: 'unusable', reason: errorMessage ? `${errorCode}: ${errorMessage}` : errorCode };
    default:
      // Not ready, fatal or a general failure: keep the last known table (a kill switch must not
      // flip back to its default because the backend hiccuped).
      throw new StorageUnavailableError(`OpenFeature could not evaluate flag "${key}" (${errorCode})`);
  }
}
