import { ValidationError, type ValidationIssue } from '../core/errors.js';
import type { BreakerPolicy } from './types.js';

/**
 * The default thresholds: open after 5 consecutive failures, or when at least half of 20+ calls in a
 * minute failed; cool down 30 s, doubling per re-open up to 10 min, with +-20% jitter; one probe at a
 * time, whose lease lapses after 15 s if it never reports back.
 *
 * @example
 * ```ts
 * import { defaultBreakerPolicy } from 'steadycall';
 *
 * const patient = { ...defaultBreakerPolicy, consecutiveFailures: 10 };
 * ```
 */
export const defaultBreakerPolicy: Readonly<BreakerPolicy> = Object.freeze({
  consecutiveFailures: 5,
  failureRateThreshold: 0.5,
  minimumCalls: 20,
  windowMs: 60_000,
  baseCooldownMs: 30_000,
  maxCooldownMs: 600_000,
  jitter: 0.2,
  halfOpenMaxProbes: 1,
  probeLeaseMs: 15_000,
});

type IntRule = { key: keyof BreakerPolicy; min: number };

const INTEGER_RULES: readonly IntRule[] = [
  { key: 'consecutiveFailures', min: 0 },
  { key: 'minimumCalls', min: 1 },
  { key: 'windowMs', min: 1 },
  { key: 'baseCooldownMs', min: 0 },
  { key: 'maxCooldownMs', min: 0 },
  { key: 'halfOpenMaxProbes', min: 1 },
  { key: 'probeLeaseMs', min: 1 },
];

/**
 * Merges `partial` over {@link defaultBreakerPolicy} and validates the result.
 * Keys set to `undefined` keep their default.
 *
 * @throws ValidationError listing every invalid field.
 * @example
 * ```ts
 * const policy = resolveBreakerPolicy({ consecutiveFailures: 3, baseCooldownMs: 10_000 });
 * ```
 */
export function resolveBreakerPolicy(partial: Partial<BreakerPolicy> = {}): BreakerPolicy {
  const policy: BreakerPolicy = { ...defaultBreakerPolicy };
  for (const key of Object.keys(defaultBreakerPolicy) as (keyof BreakerPolicy)[]) {
    const value = partial[key];
    if (value !== undefined) policy[key] = value;
  }

  const issues: ValidationIssue[] = [];
  for (const { key, min } of INTEGER_RULES) {
    const value = policy[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      issues.push({ path: key, message: `must be an integer >= ${min}` });
    }
  }
  for (const key of ['failureRateThreshold', 'jitter'] as const) {
    const value = policy[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
      issues.push({ path: key, message: 'must be a number between 0 and 1' });
    }
  }
  if (
    Number.isInteger(policy.baseCooldownMs) &&
    Number.isInteger(policy.maxCooldownMs) &&
    policy.baseCooldownMs > policy.maxCooldownMs
  ) {
    issues.push({ path: 'baseCooldownMs', message: 'must not exceed maxCooldownMs' });
  }
  if (issues.length > 0) {
    const summary = issues.map((i) => `${i.path} ${i.message}`).join('; ');
    throw new ValidationError(`Invalid breaker policy: ${summary}`, issues);
  }
  return policy;
}
