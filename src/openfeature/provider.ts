import {
  ErrorCode,
  type FlagValueType,
  type JsonValue,
  type EvaluationContext as OpenFeatureContext,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import type { Disposable } from '../core/disposable.js';
import type { RunbookFlags } from '../flags/catalog.js';
import type { FlagDefinitions } from '../flags/define.js';
import type { EvaluationContext } from '../flags/evaluate.js';
import type { FlagResolver } from '../flags/resolver.js';
import { toSteadyCallContext } from './context.js';
import { errorDetails, toResolutionDetails } from './resolution.js';

/**
 * Options of {@link SteadyCallProvider}.
 *
 * @example
 * ```ts
 * const options: SteadyCallProviderOptions = {
 *   // This app's contexts name the tenant "org"; steadycall's overrides are keyed by tenantId.
 *   mapContext: (ctx) => ({ ...toSteadyCallContext(ctx), tenantId: typeof ctx.org === 'string' ? ctx.org : undefined }),
 * };
 * await OpenFeature.setProviderAndWait(new SteadyCallProvider(flags, options));
 * ```
 */
export interface SteadyCallProviderOptions {
  /** Turns an OpenFeature evaluation context into steadycall's. Default {@link toSteadyCallContext}. */
  mapContext?: (context: OpenFeatureContext) => EvaluationContext;
}

/**
 * An OpenFeature server provider serving steadycall's flags from a `FlagResolver`: the same
 * values, tenant overrides and sticky rollouts as the resolver's own reads, with its reasons
 * (STATIC, DEFAULT, TARGETING_MATCH, SPLIT, STALE) and variants. An unknown key answers
 * FLAG_NOT_FOUND, a read of the wrong type TYPE_MISMATCH (both with the caller's default); a store
 * outage serves the resolver's fallback (STALE or DEFAULT, `flagMetadata.storeUnreachable`). Flag
 * changes the resolver sees are emitted as `ConfigurationChanged` events.
 *
 * @example
 * ```ts
 * import { OpenFeature } from '@openfeature/server-sdk';
 * import { SteadyCallProvider } from 'steadycall/openfeature';
 *
 * await OpenFeature.setProviderAndWait(new SteadyCallProvider(orchestrator.flags));
 * const client = OpenFeature.getClient();
 * const on = await client.getBooleanValue('calls.outbound.enabled', false, { targetingKey: callId, tenantId });
 * ```
 */
export class SteadyCallProvider<Defs extends FlagDefinitions = RunbookFlags> implements Provider {
  /** The provider's name in OpenFeature metadata and events. */
  readonly metadata: {
    /** Always `steadycall`. */
    readonly name: 'steadycall';
  } = { name: 'steadycall' };
  /** A server-side provider: the OpenFeature SDK refuses to run it in a web (client) paradigm. */
  readonly runsOn = 'server' as const;
  /** Where `ConfigurationChanged` events are emitted (the OpenFeature SDK listens to it). */
  readonly events = new OpenFeatureEventEmitter();

  readonly #flags: FlagResolver<FlagDefinitions>;
  readonly #mapContext: (context: OpenFeatureContext) => EvaluationContext;
  #subscription: Disposable | null = null;

  /**
   * @param flags - The resolver whose flags are served (e.g. `orchestrator.flags`).
   * @param options - How OpenFeature contexts map to steadycall's.
   */
  constructor(flags: FlagResolver<Defs>, options: SteadyCallProviderOptions = {}) {
    // Reads go through string keys; the resolver's definitions decide which exist.
    this.#flags = flags as unknown as FlagResolver<FlagDefinitions>;
    this.#mapContext = options.mapContext ?? toSteadyCallContext;
  }

  /**
   * Called by the OpenFeature SDK when the provider is registered: starts forwarding flag changes
   * and loads the flag table. Never rejects on store trouble: the resolver serves its fallback.
   */
  async initialize(): Promise<void> {
    this.#subscription ??= this.#flags.onChange(({ flagsChanged }) =>
      this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged }),
    );
    // list() (not refresh()) waits at most the resolver's loadTimeoutMs for a hung store.
    await this.#flags.list();
  }

  /** Called by the OpenFeature SDK when the provider is replaced or closed: stops forwarding changes. */
  async onClose(): Promise<void> {
    this.#subscription?.dispose();
    this.#subscription = null;
  }

  /** Resolves a boolean flag (TYPE_MISMATCH for a flag of another type). */
  resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: OpenFeatureContext,
  ): Promise<ResolutionDetails<boolean>> {
    return this.#resolve(flagKey, 'boolean', defaultValue, context);
  }

  /** Resolves a string flag, e.g. `ai.provider.preferred` (TYPE_MISMATCH for a flag of another type). */
  resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    context: OpenFeatureContext,
  ): Promise<ResolutionDetails<string>> {
    return this.#resolve(flagKey, 'string', defaultValue, context);
  }

  /** Resolves a number flag (TYPE_MISMATCH for a flag of another type). */
  resolveNumberEvaluation(
    flagKey: string,
    defaultValue: number,
    context: OpenFeatureContext,
  ): Promise<ResolutionDetails<number>> {
    return this.#resolve(flagKey, 'number', defaultValue, context);
  }

  /** Resolves an object, array or null flag (TYPE_MISMATCH for a flag of another type). */
  resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: OpenFeatureContext,
  ): Promise<ResolutionDetails<T>> {
    return this.#resolve(flagKey, 'object', defaultValue, context);
  }

  async #resolve<T>(
    flagKey: string,
    requested: FlagValueType,
    defaultValue: T,
    context: OpenFeatureContext,
  ): Promise<ResolutionDetails<T>> {
    if (!Object.hasOwn(this.#flags.definitions, flagKey)) {
      return errorDetails(defaultValue, ErrorCode.FLAG_NOT_FOUND, `No steadycall flag "${flagKey}"`);
    }
    const resolution = await this.#flags.resolve(flagKey, this.#mapContext(context ?? {}));
    return toResolutionDetails(resolution, requested, defaultValue);
  }
}
