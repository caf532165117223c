import type { EvaluationContext as OpenFeatureContext } from '@openfeature/server-sdk';
import type { EvaluationContext } from '../flags/evaluate.js';

/**
 * The default mapping from an OpenFeature evaluation context to steadycall's: `targetingKey`,
 * `tenantId` and `callId` carry over when they are strings (a non-string is dropped rather than
 * guessed at), and every other attribute is passed along as is.
 *
 * @param context - The merged OpenFeature context of one evaluation.
 * @returns The context `FlagResolver.resolve` is given.
 * @example
 * ```ts
 * import { toSteadyCallContext } from 'steadycall/openfeature';
 *
 * toSteadyCallContext({ targetingKey: 'call-1', tenantId: 'acme', plan: 'pro' });
 * // { plan: 'pro', targetingKey: 'call-1', tenantId: 'acme' }
 * ```
 */
export function toSteadyCallContext(context: OpenFeatureContext): EvaluationContext {
  const { targetingKey, tenantId, callId, ...attributes } = context;
  // Spread copies own properties only, so an attribute named "__proto__" stays plain data.
  const out: EvaluationContext = { ...attributes };
  if (typeof targetingKey === 'string') out.targetingKey = targetingKey;
  if (typeof tenantId === 'string') out.tenantId = tenantId;
  if (typeof callId === 'string') out.callId = callId;
  return out;
}
