import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runbookFlags } from '../../src/flags/catalog.js';
import { defineFlag } from '../../src/flags/define.js';
import { evaluateFlag } from '../../src/flags/evaluate.js';
import { inRollout } from '../../src/flags/rollout.js';
import type { FlagRecord } from '../../src/flags/store.js';

const preferred = runbookFlags['ai.provider.preferred'];
const aiEnabled = runbookFlags['ai.enabled'];

function record(partial: Partial<FlagRecord> & Pick<FlagRecord, 'key' | 'value'>): FlagRecord {
  return { tenantOverrides: {}, rollout: null, updatedAt: 1, ...partial };
}

/** Finds targeting keys inside and outside a rollout, so tests do not depend on hash values. */
function targets(flagKey: string, percentage: number, salt?: string): { inside: string; outside: string } {
  const keys = Array.from({ length: 1000 }, (_, i) => `call-${i}`);
  const inside = keys.find((k) => inRollout({ percentage, salt }, flagKey, k));
  const outside = keys.find((k) => !inRollout({ percentage, salt }, flagKey, k));
  if (!inside || !outside) throw new Error('no suitable keys');
  return { inside, outside };
}

describe('evaluateFlag', () => {
  it('serves the default when there is no row', () => {
    expect(evaluateFlag(preferred, null, {})).toEqual({
      flagKey: 'ai.provider.preferred',
      value: 'gemini',
      reason: 'DEFAULT',
      variant: 'default',
    });
    expect(evaluateFlag(preferred, undefined).reason).toBe('DEFAULT');
  });

  it('serves the stored value as STATIC', () => {
    const r = evaluateFlag(preferred, record({ key: preferred.key, value: 'openai' }), { tenantId: 't1' });
    expect(r).toEqual({ flagKey: preferred.key, value: 'openai', reason: 'STATIC', variant: 'stored' });
  });

  it('lets a tenant override win over everything', () => {
    const row = record({
      key: aiEnabled.key,
      value: true,
      tenantOverrides: { t1: false },
      rollout: { percentage: 100, value: true },
    });
    expect(evaluateFlag(aiEnabled, row, { tenantId: 't1', targetingKey: 'call-1' })).toEqual({
      flagKey: 'ai.enabled',
      value: false,
      reason: 'TARGETING_MATCH',
      variant: 'tenant-override',
    });
    expect(evaluateFlag(aiEnabled, row, { tenantId: 't2', targetingKey: 'call-1' }).variant).toBe('rollout');
  });

  it('ignores inherited property names as tenant ids', () => {
    const row = record({ key: aiEnabled.key, value: true });
    expect(evaluateFlag(aiEnabled, row, { tenantId: 'toString' }).reason).toBe('STATIC');
    expect(evaluateFlag(aiEnabled, row, { tenantId: '__proto__' }).reason).toBe('STATIC');
  });

  it('splits a rollout by targeting key: rollout value inside, base value outside', () => {
    const { inside, outside } = targets(preferred.key, 40);
    const row = record({ key: preferred.key, value: 'gemini', rollout: { percentage: 40, value: 'openai' } });
    expect(evaluateFlag(preferred, row, { targetingKey: inside })).toEqual({
      flagKey: preferred.key,
      value: 'openai',
      reason: 'SPLIT',
      variant: 'rollout',
    });
    expect(evaluateFlag(preferred, row, { targetingKey: outside })).toEqual({
      flagKey: preferred.key,
      value: 'gemini',
      reason: 'SPLIT',
      variant: 'base',
    });
  });

  it('buckets by tenant when there is no targeting key, and skips the rollout with neither', () => {
    const { inside, outside } = targets(preferred.key, 50, 's');
    const row = record({
      key: preferred.key,
      value: 'gemini',
      rollout: { percentage: 50, value: 'openai', salt: 's' },
    });
    expect(evaluateFlag(preferred, row, { tenantId: inside }).variant).toBe('rollout');
    expect(evaluateFlag(preferred, row, { tenantId: outside }).variant).toBe('base');
    expect(evaluateFlag(preferred, row, { callId: 'c1' })).toMatchObject({
      reason: 'STATIC',
      variant: 'stored',
    });
  });

  it.each([
    ['stored value', record({ key: 'ai.provider.preferred', value: 'anthropic' }), {}],
    [
      'override',
      record({ key: 'ai.provider.preferred', value: 'openai', tenantOverrides: { t1: 7 } }),
      { tenantId: 't1' },
    ],
    [
      'rollout value',
      record({ key: 'ai.provider.preferred', value: 'openai', rollout: { percentage: 100, value: null } }),
      { targetingKey: 'k' },
    ],
    [
      'base value outside a rollout',
      record({ key: 'ai.provider.preferred', value: { x: 1 }, rollout: { percentage: 0, value: 'openai' } }),
      { targetingKey: 'k' },
    ],
  ])('falls back to the default with ERROR / TYPE_MISMATCH for a bad %s', (_label, row, context) => {
    const r = evaluateFlag(preferred, row, context);
    expect(r).toMatchObject({
      value: 'gemini',
      reason: 'ERROR',
      variant: 'default',
      errorCode: 'TYPE_MISMATCH',
    });
    expect(r.errorMessage).toContain('ai.provider.preferred');
  });

  it('turns a throwing schema into ERROR / GENERAL', () => {
    const flag = defineFlag({
      key: 'weird',
      schema: z.number().refine((n) => {
        if (n === 13) throw new Error('unlucky');
        return true;
      }),
      defaultValue: 1,
      description: '',
    });
    expect(evaluateFlag(flag, record({ key: 'weird', value: 13 }))).toMatchObject({
      value: 1,
      reason: 'ERROR',
      errorCode: 'GENERAL',
    });
  });

  it('hands out copies of object values', () => {
    const flag = defineFlag({
      key: 'limits',
      schema: z.object({ max: z.number() }),
      defaultValue: { max: 1 },
      description: '',
    });
    const row = record({ key: 'limits', value: { max: 5 } });
    const a = evaluateFlag(flag, row);
    a.value.max = 99;
    expect(evaluateFlag(flag, row).value).toEqual({ max: 5 });
    expect(row.value).toEqual({ max: 5 });
    const d = evaluateFlag(flag, null);
    d.value.max = 99;
    expect(flag.defaultValue).toEqual({ max: 1 });
  });
});
