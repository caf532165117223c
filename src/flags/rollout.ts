import { fnv1a32 } from '../core/hash.js';
import type { RolloutRule } from './store.js';

/**
 * Rollout buckets: one bucket is 0.01% of targeting keys.
 *
 * @example
 * ```ts
 * import { ROLLOUT_BUCKETS, rolloutBucket } from 'steadycall';
 *
 * const share = rolloutBucket('ai.provider.preferred', undefined, callId) / ROLLOUT_BUCKETS; // in [0, 1)
 * ```
 */
export const ROLLOUT_BUCKETS = 10_000;

/**
 * The bucket, in `[0, 10000)`, a targeting key falls in for a flag. Depends only on its inputs, so
 * every instance (and every later call) puts the same caller in the same bucket.
 *
 * @example
 * ```ts
 * rolloutBucket('ai.provider.preferred', undefined, 'tenant-42'); // e.g. 6187, always
 * ```
 */
export function rolloutBucket(flagKey: string, salt: string | undefined, targetingKey: string): number {
  return fnv1a32(`${salt ?? flagKey}:${targetingKey}`) % ROLLOUT_BUCKETS;
}

/**
 * Whether a targeting key is inside a percentage rollout. Buckets below `percentage * 100` are in,
 * so raising the percentage (same salt) only ever adds keys and never drops one that was in.
 *
 * @example
 * ```ts
 * inRollout({ percentage: 25, value: 'openai' }, 'ai.provider.preferred', callId);
 * ```
 */
export function inRollout(
  rule: Pick<RolloutRule, 'percentage' | 'salt'>,
  flagKey: string,
  targetingKey: string,
): boolean {
  const threshold = rolloutThreshold(rule.percentage);
  if (threshold <= 0) return false;
  return rolloutBucket(flagKey, rule.salt, targetingKey) < threshold;
}

/** Number of buckets that are in, for a percentage. Rounded so 0.07% is 7 buckets, not 8. */
function rolloutThreshold(percentage: number): number {
  if (typeof percentage !== 'number' || Number.isNaN(percentage)) return 0;
  // Rounding is monotonic, so it keeps the "raising never drops anyone" guarantee.
  return Math.min(ROLLOUT_BUCKETS, Math.max(0, Math.round(percentage * 100)));
}
