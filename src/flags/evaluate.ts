import type { FlagDefinition } from './define.js';
import { inRollout } from './rollout.js';
import type { FlagRecord } from './store.js';

/**
 * Who a flag is evaluated for. `targetingKey` (a call id, a caller, a tenant) picks the rollout
 * bucket; without one, `tenantId` is used, and without either a rollout is not applied.
 *
 * @example
 * ```ts
 * const context: EvaluationContext = { tenantId: 'acme', targetingKey: callId, callId };
 * const preferred = await flags.getValue('ai.provider.preferred', context);
 * ```
 */
export interface EvaluationContext {
  /** The tenant: selects its override, and is the rollout key when `targetingKey` is absent. */
  tenantId?: string;
  /** Picks the sticky rollout bucket (a call id, a caller, a tenant). */
  targetingKey?: string;
  /** The call being served (context for logs; not used for bucketing unless it is the `targetingKey`). */
  callId?: string;
  /** Anything else your own code wants to pass along. */
  [extra: string]: unknown;
}

/**
 * Why a flag has its value (OpenFeature's resolution reasons).
 *
 * `STATIC`: the stored value; `DEFAULT`: no row (or the store never answered); `TARGETING_MATCH`: a
 * tenant override; `SPLIT`: a rollout decided; `STALE`: served from the last table because the store
 * is failing; `ERROR`: the stored value was unusable, so the default was served.
 *
 * @example
 * ```ts
 * const { value, reason } = await flags.resolve('ai.enabled');
 * if (reason === 'STALE') metrics.increment('flags_stale');
 * ```
 */
export type FlagReason = 'STATIC' | 'DEFAULT' | 'TARGETING_MATCH' | 'SPLIT' | 'STALE' | 'ERROR';

/**
 * Why a resolution fell back (OpenFeature's error codes).
 *
 * `TYPE_MISMATCH`: a stored value fails the schema; `PARSE_ERROR`: it could not be parsed; `GENERAL`:
 * the schema threw; `FLAG_NOT_FOUND`: no such flag; `PROVIDER_NOT_READY`: the store never answered.
 *
 * @example
 * ```ts
 * const r = await flags.resolve('ai.provider.preferred');
 * if (r.errorCode === 'TYPE_MISMATCH') logger.warn(r.errorMessage!);
 * ```
 */
export type FlagErrorCode =
  | 'TYPE_MISMATCH'
  | 'PARSE_ERROR'
  | 'GENERAL'
  | 'FLAG_NOT_FOUND'
  | 'PROVIDER_NOT_READY';

/**
 * A flag's value with OpenFeature-style details. `value` always passes the flag's schema.
 * Variants: `tenant-override`, `rollout`, `base` (outside a rollout), `stored`, `default`.
 *
 * @example
 * ```ts
 * const r: FlagResolution<boolean> = await flags.resolve('calls.outbound.enabled', { tenantId: 't1' });
 * console.log(r.value, r.reason, r.variant); // true 'DEFAULT' 'default'
 * ```
 */
export interface FlagResolution<T = unknown> {
  /** The flag's key. */
  flagKey: string;
  /** The value to use; always passes the flag's schema. */
  value: T;
  /** Why the flag has this value. */
  reason: FlagReason;
  /** Which value was picked: `tenant-override`, `rollout`, `base`, `stored` or `default`. */
  variant: string;
  /** Set when the resolution fell back to the default because of a problem. */
  errorCode?: FlagErrorCode;
  /** What the problem was (no secrets). */
  errorMessage?: string;
}

/**
 * Evaluates one flag against its stored row (pure; no I/O). Order: the tenant's override
 * (TARGETING_MATCH), then a rollout when there is a targeting key (SPLIT), then the stored value
 * (STATIC), then the definition's default (DEFAULT). A candidate that fails the schema yields the
 * default with reason ERROR / TYPE_MISMATCH: a wrong-typed value never comes out.
 *
 * @example
 * ```ts
 * const r = evaluateFlag(runbookFlags['ai.enabled'], await store.get('ai.enabled'), { tenantId: 't1' });
 * if (!r.value) console.log(`AI off (${r.reason}/${r.variant})`);
 * ```
 */
export function evaluateFlag<T>(
  definition: FlagDefinition<string, T>,
  record: FlagRecord | null | undefined,
  context: EvaluationContext = {},
): FlagResolution<T> {
  const flagKey = definition.key;
  if (!record)
    return { flagKey, value: copy(definition.defaultValue), reason: 'DEFAULT', variant: 'default' };

  const { tenantId } = context;
  const overrides = record.tenantOverrides;
  if (typeof tenantId === 'string' && overrides && Object.hasOwn(overrides, tenantId)) {
    return candidate(definition, overrides[tenantId], 'TARGETING_MATCH', 'tenant-override');
  }

  const targetingKey = typeof context.targetingKey === 'string' ? context.targetingKey : tenantId;
  if (record.rollout && typeof targetingKey === 'string') {
    return inRollout(record.rollout, flagKey, targetingKey)
      ? candidate(definition, record.rollout.value, 'SPLIT', 'rollout')
      : candidate(definition, record.value, 'SPLIT', 'base');
  }

  return candidate(definition, record.value, 'STATIC', 'stored');
}

function candidate<T>(
  definition: FlagDefinition<string, T>,
  raw: unknown,
  reason: FlagReason,
  variant: string,
): FlagResolution<T> {
  const flagKey = definition.key;
  try {
    const parsed = definition.schema.safeParse(raw);
    if (parsed.success) return { flagKey, value: copy(parsed.data), reason, variant };
    const detail = parsed.error.issues[0]?.message ?? 'invalid value';
    return errorResolution(
      definition,
      'TYPE_MISMATCH',
      `Stored ${variant} value of "${flagKey}" is invalid: ${detail}`,
    );
  } catch (err) {
    // A user schema's refinement may throw; that must not escape an evaluation either.
    const message = err instanceof Error ? err.message : String(err);
    return errorResolution(definition, 'GENERAL', `Evaluating "${flagKey}" failed: ${message}`);
  }
}

/**
 * The flag's default as an error resolution (reason ERROR unless told otherwise).
 *
 * @example
 * ```ts
 * import { errorResolution, runbookFlags } from 'steadycall';
 *
 * const r = errorResolution(runbookFlags['ai.enabled'], 'PROVIDER_NOT_READY', 'Flag store unreachable', 'DEFAULT');
 * // { flagKey: 'ai.enabled', value: true, reason: 'DEFAULT', variant: 'default', errorCode: 'PROVIDER_NOT_READY', ... }
 * ```
 */
export function errorResolution<T>(
  definition: FlagDefinition<string, T>,
  errorCode: FlagErrorCode,
  errorMessage: string,
  reason: FlagReason = 'ERROR',
): FlagResolution<T> {
  return {
    flagKey: definition.key,
    value: copy(definition.defaultValue),
    reason,
    variant: 'default',
    errorCode,
    errorMessage,
  };
}

/** Callers get their own copy, so mutating a returned object cannot corrupt a cache or a default. */
function copy<T>(value: T): T {
  return value !== null && typeof value === 'object' ? structuredClone(value) : value;
}
