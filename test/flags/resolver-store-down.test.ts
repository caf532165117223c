import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import type { Logger } from '../../src/core/logger.js';
import { FlagResolver } from '../../src/flags/resolver.js';
import type { FlagRecord, FlagStore } from '../../src/flags/store.js';
import { rejection, setup } from './helpers.js';

describe('FlagResolver when the store is down', () => {
  it('serves defaults with PROVIDER_NOT_READY when nothing was ever loaded, and never throws', async () => {
    const { flags, fault, warnings } = setup([{ key: 'sms.enabled', value: false }]);
    fault.down = true;
    expect(await flags.resolve('sms.enabled')).toMatchObject({
      value: true,
      reason: 'DEFAULT',
      variant: 'default',
      errorCode: 'PROVIDER_NOT_READY',
    });
    expect(await flags.isEnabled('sms.enabled')).toBe(true);
    expect((await flags.list()).every((r) => r.errorCode === 'PROVIDER_NOT_READY')).toBe(true);
    expect(await flags.refresh()).toBe(false);
    expect(warnings).toHaveLength(1);
  });

  it('serves the last known table as STALE, retries after a backoff, and recovers', async () => {
    const { flags, fault, counter, clock, memory } = setup([{ key: 'sms.enabled', value: false }]);
    expect(await flags.resolve('sms.enabled')).toMatchObject({ value: false, reason: 'STATIC' });

    fault.down = true;
    await clock.advance(5_000);
    expect(await flags.resolve('sms.enabled')).toMatchObject({
      value: false,
      reason: 'STALE',
      variant: 'stored',
    });
    expect(fault.rejected).toBe(1);

    // Within the backoff, no call reaches the store.
    await clock.advance(999);
    for (let i = 0; i < 20; i++) expect(await flags.isEnabled('sms.enabled')).toBe(false);
    expect(fault.rejected).toBe(1);

    await clock.advance(1);
    await flags.resolve('sms.enabled');
    expect(fault.rejected).toBe(2);

    fault.down = false;
    await memory.set({ key: 'sms.enabled', value: true }, clock.now());
    await clock.advance(1_000);
    expect(await flags.resolve('sms.enabled')).toMatchObject({ value: true, reason: 'STATIC' });
    expect(counter.byMethod.list).toBe(4);
  });

  it('keeps a type mismatch an ERROR even when stale', async () => {
    const { flags, fault, clock } = setup([{ key: 'ai.enabled', value: 3 }]);
    await flags.resolve('ai.enabled');
    fault.down = true;
    await clock.advance(5_000);
    expect(await flags.resolve('ai.enabled')).toMatchObject({
      value: true,
      reason: 'ERROR',
      errorCode: 'TYPE_MISMATCH',
    });
  });

  it('recovers a resolver that never loaded once the store is back', async () => {
    const { flags, fault, clock } = setup([{ key: 'ai.provider.preferred', value: 'openai' }]);
    fault.down = true;
    expect(await flags.getValue('ai.provider.preferred')).toBe('gemini');
    fault.down = false;
    await clock.advance(1_000);
    expect(await flags.resolve('ai.provider.preferred')).toMatchObject({ value: 'openai', reason: 'STATIC' });
  });

  it('rate-limits its warnings', async () => {
    const { flags, fault, clock, warnings } = setup();
    fault.down = true;
    for (let i = 0; i < 30; i++) {
      await flags.resolve('ai.enabled');
      await clock.advance(1_000);
    }
    expect(fault.rejected).toBe(30);
    expect(warnings).toHaveLength(1);
    await clock.advance(60_000);
    await flags.resolve('ai.enabled');
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatchObject({ suppressedWarnings: 29, serving: 'defaults' });
  });

  it('survives a store that throws synchronously', async () => {
    const broken: FlagStore = {
      list: () => {
        throw new Error('boom');
      },
      get: async () => null,
      set: async () => {
        throw new Error('boom');
      },
      delete: async () => false,
    };
    const flags = new FlagResolver({ store: broken, clock: new FakeClock() });
    expect(await flags.resolve('ai.enabled')).toMatchObject({ value: true, errorCode: 'PROVIDER_NOT_READY' });
    // Writes do report store failures.
    expect(await rejection(flags.set('ai.enabled', false))).toMatchObject({ message: 'boom' });
  });

  it('survives a store answering garbage and a logger that throws', async () => {
    const garbage = { list: async () => null } as unknown as FlagStore;
    const explode = () => {
      throw new Error('logger broke');
    };
    const logger: Logger = { debug: explode, info: explode, warn: explode, error: explode };
    const flags = new FlagResolver({ store: garbage, clock: new FakeClock(), logger });
    expect(await flags.resolve('sms.enabled')).toMatchObject({
      value: true,
      errorCode: 'PROVIDER_NOT_READY',
    });
  });

  it('stops waiting for a hung store after loadTimeoutMs', async () => {
    const clock = new FakeClock(0);
    let release: (rows: FlagRecord[]) => void = () => {};
    let calls = 0;
    const hung: FlagStore = {
      list: () => {
        calls++;
        return new Promise<FlagRecord[]>((resolve) => {
          release = resolve;
        });
      },
      get: async () => null,
      set: async () => {
        throw new Error('unused');
      },
      delete: async () => false,
    };
    const flags = new FlagResolver({ store: hung, clock, loadTimeoutMs: 2_000 });
    const pending = flags.resolve('ai.provider.preferred');
    await clock.advance(2_000);
    expect(await pending).toMatchObject({ value: 'gemini', errorCode: 'PROVIDER_NOT_READY' });
    // During the backoff, callers get the fallback at once and share the still-running load.
    expect(await flags.getValue('ai.provider.preferred')).toBe('gemini');
    expect(calls).toBe(1);
    // After the backoff, readers joining the same hung load do not wait for it again.
    await clock.advance(1_000);
    expect(await flags.resolve('ai.provider.preferred')).toMatchObject({ errorCode: 'PROVIDER_NOT_READY' });
    expect(calls).toBe(1);
    release([
      { key: 'ai.provider.preferred', value: 'openai', tenantOverrides: {}, rollout: null, updatedAt: 0 },
    ]);
    await clock.advance(0);
    expect(await flags.resolve('ai.provider.preferred')).toMatchObject({ value: 'openai', reason: 'STATIC' });
    expect(clock.pendingTimers).toBe(0);
  });
});
