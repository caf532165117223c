// The provider must answer exactly what the resolver answers itself, for any context: same value,
// reason and variant (sticky rollouts included), and for a read of the wrong type a TYPE_MISMATCH.
import { ErrorCode, OpenFeature } from '@openfeature/server-sdk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunbookFlagKey } from '../../src/flags/catalog.js';
import { SteadyCallProvider } from '../../src/openfeature/index.js';
import { setup } from '../flags/helpers.js';
import { resetOpenFeatureAfterEach } from './helpers.js';

resetOpenFeatureAfterEach();

const TENANTS = ['acme', 'globex', 'initech'] as const;
const KEYS: RunbookFlagKey[] = [
  'calls.outbound.enabled',
  'sms.enabled',
  'ai.enabled',
  'ai.provider.preferred',
  'ai.openai.enabled',
  'ai.gemini.enabled',
  'healthchecks.enabled',
];

const context = fc.record(
  {
    targetingKey: fc.string({ maxLength: 24 }),
    tenantId: fc.oneof(fc.constantFrom(...TENANTS), fc.string({ maxLength: 12 })),
    callId: fc.uuid(),
  },
  { requiredKeys: [] },
);

describe('SteadyCallProvider parity with FlagResolver', () => {
  it('answers every flag like the resolver, for random contexts', async () => {
    const { flags } = setup([
      { key: 'ai.provider.preferred', value: 'gemini', rollout: { percentage: 37.5, value: 'openai' } },
      {
        key: 'calls.outbound.enabled',
        value: true,
        tenantOverrides: { acme: false },
        rollout: { percentage: 50, value: false, salt: 'outbound-2' },
      },
      { key: 'sms.enabled', value: false, tenantOverrides: { globex: true } },
      { key: 'ai.openai.enabled', value: 'not a boolean' },
      { key: 'healthchecks.enabled', value: true, rollout: { percentage: 0.5, value: false } },
    ]);
    await OpenFeature.setProviderAndWait(new SteadyCallProvider(flags));
    const client = OpenFeature.getClient();
    const seen = new Set<string>();

    await fc.assert(
      fc.asyncProperty(context, fc.constantFrom(...KEYS), async (ctx, key) => {
        const own = await flags.resolve(key, ctx);
        seen.add(`${own.reason}/${own.variant}`);
        const isString = typeof own.value === 'string';
        const details = isString
          ? await client.getStringDetails(key, 'caller-default', ctx)
          : await client.getBooleanDetails(key, false, ctx);
        if (own.reason === 'ERROR') {
          expect(details).toMatchObject({ reason: 'ERROR', errorCode: own.errorCode });
          expect(details.value).toBe(isString ? 'caller-default' : false);
        } else {
          expect(details).toMatchObject({ value: own.value, reason: own.reason, variant: own.variant });
          expect(details.errorCode).toBeUndefined();
        }
        // Reading it as the other type is a type mismatch, whatever the context.
        const wrong = isString
          ? await client.getBooleanDetails(key, true, ctx)
          : await client.getStringDetails(key, 'x', ctx);
        if (own.reason !== 'ERROR') expect(wrong.errorCode).toBe(ErrorCode.TYPE_MISMATCH);
      }),
      { numRuns: 300 },
    );
    // Every path was exercised, not just the defaults.
    for (const path of [
      'STATIC/stored',
      'DEFAULT/default',
      'TARGETING_MATCH/tenant-override',
      'ERROR/default',
    ]) {
      expect(seen).toContain(path);
    }
    expect(seen).toContain('SPLIT/rollout');
    expect(seen).toContain('SPLIT/base');
  });

  it('puts a targeting key in the same rollout bucket as the resolver does', async () => {
    const { flags } = setup([
      { key: 'ai.provider.preferred', value: 'gemini', rollout: { percentage: 20, value: 'openai' } },
    ]);
    await OpenFeature.setProviderAndWait(new SteadyCallProvider(flags));
    const client = OpenFeature.getClient();
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), async (targetingKey) => {
        const own = await flags.getValue('ai.provider.preferred', { targetingKey });
        // Asked twice: sticky.
        for (let i = 0; i < 2; i++) {
          expect(await client.getStringValue('ai.provider.preferred', 'gemini', { targetingKey })).toBe(own);
        }
      }),
      { numRuns: 200 },
    );
  });
});
