import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fnv1a32 } from '../../src/core/hash.js';
import { inRollout, ROLLOUT_BUCKETS, rolloutBucket } from '../../src/flags/rollout.js';

const key = fc.string({ minLength: 1, maxLength: 40 });
const percentage = fc.double({ min: 0, max: 100, noNaN: true });

describe('rolloutBucket', () => {
  it('hashes "<salt or flag key>:<targeting key>" into [0, 10000)', () => {
    expect(rolloutBucket('ai.enabled', undefined, 'call-1')).toBe(fnv1a32('ai.enabled:call-1') % 10_000);
    expect(rolloutBucket('ai.enabled', 'v2', 'call-1')).toBe(fnv1a32('v2:call-1') % 10_000);
    fc.assert(
      fc.property(key, fc.option(key, { nil: undefined }), key, (flag, salt, target) => {
        const b = rolloutBucket(flag, salt, target);
        return Number.isInteger(b) && b >= 0 && b < ROLLOUT_BUCKETS;
      }),
    );
  });
});

describe('inRollout', () => {
  it('takes nobody at 0% and everybody at 100%', () => {
    fc.assert(
      fc.property(key, key, (flag, target) => {
        expect(inRollout({ percentage: 0 }, flag, target)).toBe(false);
        expect(inRollout({ percentage: 100 }, flag, target)).toBe(true);
      }),
    );
  });

  it('treats nonsense percentages safely', () => {
    expect(inRollout({ percentage: Number.NaN }, 'f', 'k')).toBe(false);
    expect(inRollout({ percentage: -5 }, 'f', 'k')).toBe(false);
    expect(inRollout({ percentage: 500 }, 'f', 'k')).toBe(true);
  });

  it('is sticky: the same inputs always give the same answer', () => {
    fc.assert(
      fc.property(key, key, percentage, fc.option(key, { nil: undefined }), (flag, target, p, salt) => {
        const first = inRollout({ percentage: p, salt }, flag, target);
        for (let i = 0; i < 3; i++) expect(inRollout({ percentage: p, salt }, flag, target)).toBe(first);
      }),
    );
  });

  it('is monotonic: in at p means in at every q >= p', () => {
    fc.assert(
      fc.property(key, key, percentage, percentage, (flag, target, a, b) => {
        const [p, q] = a <= b ? [a, b] : [b, a];
        if (inRollout({ percentage: p }, flag, target))
          expect(inRollout({ percentage: q }, flag, target)).toBe(true);
      }),
    );
  });

  it('lets roughly the requested share in', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 24 }), { minLength: 10_000, maxLength: 10_000 }),
        (targets) => {
          const share = targets.filter((t) =>
            inRollout({ percentage: 30 }, 'ai.provider.preferred', t),
          ).length;
          expect(share / targets.length).toBeGreaterThanOrEqual(0.27);
          expect(share / targets.length).toBeLessThanOrEqual(0.33);
        },
      ),
      { numRuns: 5 },
    );
  });

  it('reshuffles with the salt but keeps roughly the share', () => {
    const targets = Array.from({ length: 10_000 }, (_, i) => `call-${i}`);
    const a = targets.filter((t) => inRollout({ percentage: 20 }, 'f', t));
    const b = targets.filter((t) => inRollout({ percentage: 20, salt: 'v2' }, 'f', t));
    expect(a).not.toEqual(b);
    expect(b.length / targets.length).toBeGreaterThan(0.17);
    expect(b.length / targets.length).toBeLessThan(0.23);
  });

  it('counts fractional percentages in whole 0.01% buckets', () => {
    const targets = Array.from({ length: 20_000 }, (_, i) => `k${i}`);
    expect(targets.some((t) => rolloutBucket('f', undefined, t) === 7)).toBe(true);
    // Only buckets 0..6 are in at 0.07% (not 0..7, as 0.07 * 100 = 7.000000000000001 would suggest).
    for (const t of targets) {
      expect(inRollout({ percentage: 0.07 }, 'f', t)).toBe(rolloutBucket('f', undefined, t) < 7);
    }
  });
});
