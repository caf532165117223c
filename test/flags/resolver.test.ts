import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { FakeClock } from '../../src/core/clock.js';
import { isValidationError } from '../../src/core/errors.js';
import { runbookFlags } from '../../src/flags/catalog.js';
import { defineFlag, defineFlags } from '../../src/flags/define.js';
import { type FlagChangeEvent, FlagResolver, type FlagSetOptions } from '../../src/flags/resolver.js';
import { inRollout } from '../../src/flags/rollout.js';
import { MemoryFlagStore } from '../../src/storage/memory/flags.js';
import { rejection, setup } from './helpers.js';

describe('FlagResolver reads', () => {
  it('serves the runbook defaults from an empty store', async () => {
    const { flags } = setup();
    expect(await flags.resolve('ai.provider.preferred')).toEqual({
      flagKey: 'ai.provider.preferred',
      value: 'gemini',
      reason: 'DEFAULT',
      variant: 'default',
    });
    expect(await flags.isEnabled('calls.outbound.enabled')).toBe(true);
  });

  it('serves stored values, overrides and rollouts, typed', async () => {
    const { flags } = setup([
      { key: 'ai.provider.preferred', value: 'openai', tenantOverrides: { t1: 'gemini' } },
      { key: 'sms.enabled', value: false },
      { key: 'ai.enabled', value: true, rollout: { percentage: 100, value: false } },
    ]);
    const preferred = await flags.getValue('ai.provider.preferred');
    expectTypeOf(preferred).toEqualTypeOf<'gemini' | 'openai'>();
    expect(preferred).toBe('openai');
    expect(await flags.resolve('ai.provider.preferred', { tenantId: 't1' })).toMatchObject({
      value: 'gemini',
      reason: 'TARGETING_MATCH',
    });
    expect(await flags.isEnabled('sms.enabled')).toBe(false);
    expect(await flags.resolve('ai.enabled', { targetingKey: 'call-1' })).toMatchObject({
      value: false,
      reason: 'SPLIT',
      variant: 'rollout',
    });
  });

  it('serves the default with ERROR when the store holds a wrong-typed value', async () => {
    const { flags } = setup([{ key: 'ai.enabled', value: 'yes' }]);
    expect(await flags.resolve('ai.enabled')).toMatchObject({
      value: true,
      reason: 'ERROR',
      errorCode: 'TYPE_MISMATCH',
    });
  });

  it('rejects unknown keys with a ValidationError (and a type error)', async () => {
    const { flags, counter } = setup();
    // @ts-expect-error not a registered flag
    const err = await rejection(flags.getValue('nope.enabled'));
    expect(isValidationError(err)).toBe(true);
    // @ts-expect-error ai.provider.preferred is not a boolean flag
    await flags.isEnabled('ai.provider.preferred').catch(() => {});
    expect(await rejection(flags.resolve('toString' as 'ai.enabled'))).toMatchObject({
      code: 'validation_failed',
    });
    expect(counter.byMethod.list ?? 0).toBeLessThanOrEqual(1);
  });

  it('lists every flag resolved, sorted, with descriptions and defaults', async () => {
    const { flags } = setup([{ key: 'sms.enabled', value: false }]);
    const rows = await flags.list({ tenantId: 't1' });
    expect(rows.map((r) => r.flagKey)).toEqual([...Object.keys(runbookFlags)].sort());
    expect(rows.find((r) => r.flagKey === 'sms.enabled')).toMatchObject({
      value: false,
      reason: 'STATIC',
      defaultValue: true,
      description: 'Enable/disable SMS sending',
    });
  });

  it('ignores rows the resolver has no definition for', async () => {
    const { flags } = setup([{ key: 'legacy.flag', value: 1 }]);
    expect((await flags.list()).map((r) => r.flagKey)).not.toContain('legacy.flag');
  });
});

describe('FlagResolver with user flags', () => {
  const maxMinutes = defineFlag({
    key: 'calls.max_minutes',
    schema: z.number().int().positive(),
    defaultValue: 30,
    description: 'Hang up after this long',
  });

  it('keeps the runbook flags and types the new ones', async () => {
    const store = new MemoryFlagStore([{ key: 'calls.max_minutes', value: 12 }]);
    const flags = new FlagResolver({
      store,
      clock: new FakeClock(),
      flags: { ...runbookFlags, ...defineFlags([maxMinutes]) },
    });
    const minutes = await flags.getValue('calls.max_minutes');
    expectTypeOf(minutes).toEqualTypeOf<number>();
    expect(minutes).toBe(12);
    expect(await flags.getValue('ai.provider.preferred')).toBe('gemini');
    await flags.set('calls.max_minutes', 45);
    expect(await flags.getValue('calls.max_minutes')).toBe(45);
    expect(isValidationError(await rejection(flags.set('calls.max_minutes', -3)))).toBe(true);
  });

  it('refuses a map whose key does not match the definition', () => {
    const store = new MemoryFlagStore();
    expect(() => new FlagResolver({ store, flags: { 'other.key': maxMinutes } })).toThrow(/does not match/);
  });
});

describe('FlagResolver cache', () => {
  it('loads the table once per TTL', async () => {
    const { flags, counter, clock, memory } = setup([{ key: 'sms.enabled', value: false }]);
    for (let i = 0; i < 10; i++) await flags.isEnabled('sms.enabled');
    await flags.list();
    expect(counter.total).toBe(1);

    await memory.set({ key: 'sms.enabled', value: true }, clock.now());
    await clock.advance(4_999);
    expect(await flags.isEnabled('sms.enabled')).toBe(false); // still cached
    expect(counter.total).toBe(1);

    await clock.advance(1);
    expect(await flags.isEnabled('sms.enabled')).toBe(true);
    expect(counter.total).toBe(2);
  });

  it('shares one store call between 100 concurrent cold reads', async () => {
    const { flags, counter } = setup();
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        flags.resolve(i % 2 ? 'ai.enabled' : 'sms.enabled', { tenantId: `t${i}` }),
      ),
    );
    expect(results.every((r) => r.value === true)).toBe(true);
    expect(counter.total).toBe(1);
    expect(counter.byMethod.list).toBe(1);
  });

  it('writes through and updates the cache without another load', async () => {
    const { flags, counter } = setup();
    await flags.getValue('ai.enabled');
    counter.reset();
    const row = await flags.set('ai.enabled', false, { tenantOverrides: { vip: true } });
    expect(row).toMatchObject({
      key: 'ai.enabled',
      value: false,
      tenantOverrides: { vip: true },
      updatedAt: 1_000,
    });
    expect(await flags.isEnabled('ai.enabled')).toBe(false);
    expect(await flags.isEnabled('ai.enabled', { tenantId: 'vip' })).toBe(true);
    expect(counter.byMethod).toEqual({ set: 1 });
  });

  it('refresh() reloads at once, ignoring the TTL', async () => {
    const { flags, counter, memory } = setup();
    expect(await flags.getValue('ai.provider.preferred')).toBe('gemini');
    await memory.set({ key: 'ai.provider.preferred', value: 'openai' }, 2_000);
    expect(await flags.refresh()).toBe(true);
    expect(await flags.getValue('ai.provider.preferred')).toBe('openai');
    expect(counter.byMethod.list).toBe(2);
  });
});

describe('FlagResolver writes', () => {
  it('validates every value against the schema before writing', async () => {
    const { flags, counter } = setup();
    const bad = [
      // @ts-expect-error wrong type on purpose
      flags.set('ai.provider.preferred', 'anthropic'),
      // @ts-expect-error wrong type on purpose
      flags.set('ai.enabled', true, { tenantOverrides: { t1: 'no' } }),
      // @ts-expect-error wrong type on purpose
      flags.set('ai.enabled', true, { rollout: { percentage: 10, value: 1 } }),
      flags.set('ai.enabled', true, { rollout: { percentage: 101, value: false } }),
      flags.set('ai.enabled', true, { rollout: { percentage: Number.NaN, value: false } }),
      // @ts-expect-error wrong type on purpose
      flags.setTenantOverride('ai.enabled', 't1', 'off'),
    ];
    for (const p of bad) {
      const err = await rejection(p);
      expect(isValidationError(err)).toBe(true);
    }
    // A JavaScript caller (no type checking) may send anything.
    const loose = { tenantOverrides: { t1: 'no' }, rollout: { percentage: 200, value: 1 } };
    const err = await rejection(flags.set('ai.enabled', true, loose as unknown as FlagSetOptions<boolean>));
    expect(isValidationError(err) && err.issues.map((i) => i.path)).toEqual([
      'tenantOverrides.t1',
      'rollout.value',
      'rollout.percentage',
    ]);
    expect(counter.total).toBe(0);
  });

  it('sets a rollout that splits by targeting key', async () => {
    const { flags } = setup();
    await flags.set('ai.provider.preferred', 'gemini', {
      rollout: { percentage: 25, value: 'openai', salt: 'exp1' },
    });
    for (let i = 0; i < 50; i++) {
      const callId = `call-${i}`;
      const expected = inRollout({ percentage: 25, salt: 'exp1' }, 'ai.provider.preferred', callId)
        ? 'openai'
        : 'gemini';
      expect(await flags.getValue('ai.provider.preferred', { targetingKey: callId })).toBe(expected);
    }
  });

  it('sets and removes one tenant override, keeping the others', async () => {
    const { flags, memory } = setup();
    const created = await flags.setTenantOverride('ai.enabled', 't1', false);
    expect(created).toMatchObject({ value: true, tenantOverrides: { t1: false } });
    await flags.setTenantOverride('ai.enabled', 't2', false);
    expect(await flags.isEnabled('ai.enabled', { tenantId: 't1' })).toBe(false);
    await flags.setTenantOverride('ai.enabled', 't1', undefined);
    expect((await memory.get('ai.enabled'))?.tenantOverrides).toEqual({ t2: false });
    expect(await flags.isEnabled('ai.enabled', { tenantId: 't1' })).toBe(true);
    expect(await flags.setTenantOverride('sms.enabled', 't1', undefined)).toBeNull();
    expect(await memory.get('sms.enabled')).toBeNull();
  });
});

describe('FlagResolver tenant ids', () => {
  it('stores a "__proto__" tenant as plain data', async () => {
    const { flags, memory } = setup();
    await flags.setTenantOverride('ai.enabled', '__proto__', false);
    const row = await memory.get('ai.enabled');
    expect(Object.hasOwn(row?.tenantOverrides ?? {}, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(row?.tenantOverrides)).toBe(Object.prototype);
    expect(await flags.isEnabled('ai.enabled', { tenantId: 'someone' })).toBe(true);
  });
});

describe('FlagResolver.onChange', () => {
  it('fires when a refresh sees a changed row, and on writes through the resolver', async () => {
    const { flags, memory, clock } = setup([{ key: 'sms.enabled', value: true }]);
    const events: FlagChangeEvent[] = [];
    const sub = flags.onChange((e) => events.push(e));
    await flags.getValue('sms.enabled'); // first load: the baseline, no event
    expect(events).toEqual([]);

    await clock.advance(5_000);
    await flags.getValue('sms.enabled'); // nothing changed
    expect(events).toEqual([]);

    await memory.set({ key: 'sms.enabled', value: false }, clock.now());
    await memory.set({ key: 'ai.enabled', value: true }, clock.now());
    await memory.set({ key: 'unknown.flag', value: 1 }, clock.now());
    await clock.advance(5_000);
    await flags.getValue('sms.enabled');
    expect(events).toEqual([{ flagsChanged: ['ai.enabled', 'sms.enabled'] }]);

    await flags.set('healthchecks.enabled', false);
    expect(events.at(-1)).toEqual({ flagsChanged: ['healthchecks.enabled'] });

    await memory.delete('ai.enabled');
    await flags.refresh();
    expect(events.at(-1)).toEqual({ flagsChanged: ['ai.enabled'] });

    sub.dispose();
    await memory.set({ key: 'sms.enabled', value: true }, clock.now());
    await flags.refresh();
    expect(events).toHaveLength(3);
  });
});
