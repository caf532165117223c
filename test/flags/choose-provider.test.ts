import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CircuitState } from '../../src/breaker/types.js';
import { FakeClock } from '../../src/core/clock.js';
import type { AiProvider } from '../../src/core/types.js';
import { runbookFlags } from '../../src/flags/catalog.js';
import { type BreakerView, chooseAiProvider } from '../../src/flags/choose-provider.js';
import { defineFlag, defineFlags } from '../../src/flags/define.js';
import { FlagResolver } from '../../src/flags/resolver.js';
import type { FlagSeed } from '../../src/storage/memory/flags.js';
import { MemoryFlagStore } from '../../src/storage/memory/flags.js';

function resolver(seed: FlagSeed[] = []) {
  return new FlagResolver({ store: new MemoryFlagStore(seed), clock: new FakeClock() });
}

function view(state: CircuitState, retryAfterMs = 0): BreakerView & { peeks: number } {
  const v = {
    peeks: 0,
    peek: async () => {
      v.peeks++;
      return { state, retryAfterMs };
    },
  };
  return v;
}

const none = () => undefined;

describe('chooseAiProvider', () => {
  it('picks the preferred provider (gemini by default)', async () => {
    expect(await chooseAiProvider({ flags: resolver(), breakers: none })).toEqual({
      provider: 'gemini',
      order: ['gemini', 'openai'],
      skipped: [],
      breakerErrors: [],
    });
  });

  it('follows ai.provider.preferred, per tenant too', async () => {
    const flags = resolver([
      { key: 'ai.provider.preferred', value: 'openai', tenantOverrides: { t1: 'gemini' } },
    ]);
    const a = await chooseAiProvider({ flags, breakers: none });
    expect(a).toMatchObject({ provider: 'openai', order: ['openai', 'gemini'] });
    const b = await chooseAiProvider({ flags, breakers: none, context: { tenantId: 't1' } });
    expect(b.provider).toBe('gemini');
  });

  it('falls back to the other provider when the preferred one is disabled by flag', async () => {
    const flags = resolver([{ key: 'ai.gemini.enabled', value: false }]);
    expect(await chooseAiProvider({ flags, breakers: none })).toEqual({
      provider: 'openai',
      order: ['gemini', 'openai'],
      skipped: [{ provider: 'gemini', reason: 'flag_disabled' }],
      breakerErrors: [],
    });
  });

  it('falls back when the preferred breaker is open and cooling down', async () => {
    const breakers: Record<AiProvider, BreakerView> = {
      gemini: view('open', 20_000),
      openai: view('closed'),
    };
    expect(await chooseAiProvider({ flags: resolver(), breakers: (p) => breakers[p] })).toMatchObject({
      provider: 'openai',
      skipped: [{ provider: 'gemini', reason: 'circuit_open' }],
    });
  });

  it('keeps a half-open breaker, or an open one whose cooldown passed, eligible (it may probe)', async () => {
    for (const gemini of [view('half_open'), view('open', 0)]) {
      const choice = await chooseAiProvider({
        flags: resolver(),
        breakers: (p) => (p === 'gemini' ? gemini : undefined),
      });
      expect(choice).toMatchObject({ provider: 'gemini', skipped: [] });
    }
  });

  it('skips a half-open breaker whose probe slot is taken (it would refuse the session)', async () => {
    const breakers: Record<AiProvider, BreakerView> = {
      gemini: view('half_open', 12_000),
      openai: view('closed'),
    };
    expect(await chooseAiProvider({ flags: resolver(), breakers: (p) => breakers[p] })).toMatchObject({
      provider: 'openai',
      skipped: [{ provider: 'gemini', reason: 'circuit_open' }],
    });
  });

  it('answers no_provider_available when both are disabled', async () => {
    const flags = resolver([
      { key: 'ai.gemini.enabled', value: false },
      { key: 'ai.openai.enabled', value: false },
    ]);
    expect(await chooseAiProvider({ flags, breakers: none })).toEqual({
      provider: null,
      reason: 'no_provider_available',
      order: ['gemini', 'openai'],
      skipped: [
        { provider: 'gemini', reason: 'flag_disabled' },
        { provider: 'openai', reason: 'flag_disabled' },
      ],
      breakerErrors: [],
    });
  });

  it('answers no_provider_available when one is disabled and the other open', async () => {
    const flags = resolver([
      { key: 'ai.provider.preferred', value: 'openai' },
      { key: 'ai.gemini.enabled', value: false },
    ]);
    const openai = view('open', 5_000);
    const choice = await chooseAiProvider({
      flags,
      breakers: (p) => (p === 'openai' ? openai : view('closed')),
    });
    expect(choice).toMatchObject({
      provider: null,
      reason: 'no_provider_available',
      skipped: [
        { provider: 'openai', reason: 'circuit_open' },
        { provider: 'gemini', reason: 'flag_disabled' },
      ],
    });
  });

  it('answers ai_disabled without looking at breakers when ai.enabled is false', async () => {
    const gemini = view('closed');
    const flags = resolver([{ key: 'ai.enabled', value: false }]);
    expect(await chooseAiProvider({ flags, breakers: () => gemini })).toEqual({
      provider: null,
      reason: 'ai_disabled',
      order: [],
      skipped: [],
      breakerErrors: [],
    });
    expect(gemini.peeks).toBe(0);
  });

  it('does not read the fallback breaker when the preferred provider is available', async () => {
    const gemini = view('closed');
    const openai = view('closed');
    await chooseAiProvider({ flags: resolver(), breakers: (p) => (p === 'gemini' ? gemini : openai) });
    expect([gemini.peeks, openai.peeks]).toEqual([1, 0]);
  });

  it('treats a breaker that cannot be read as available (fail-open) and notes it', async () => {
    const warnings: unknown[] = [];
    const failing: BreakerView = {
      peek: async () => {
        throw new Error('store down');
      },
    };
    const choice = await chooseAiProvider({
      flags: resolver(),
      breakers: () => failing,
      logger: { debug() {}, info() {}, warn: (a: unknown) => warnings.push(a), error() {} },
    });
    expect(choice).toMatchObject({ provider: 'gemini', breakerErrors: ['gemini'], skipped: [] });
    expect(warnings).toHaveLength(1);
  });

  it('works with a resolver that has extra flags', async () => {
    const extra = defineFlag({ key: 'x.limit', schema: z.number(), defaultValue: 1, description: '' });
    const flags = new FlagResolver({
      store: new MemoryFlagStore([{ key: 'ai.provider.preferred', value: 'openai' }]),
      flags: { ...runbookFlags, ...defineFlags([extra]) },
      clock: new FakeClock(),
    });
    expect((await chooseAiProvider({ flags, breakers: none })).provider).toBe('openai');
  });

  it('still chooses (from defaults) while the flag store is unreachable', async () => {
    const flags = new FlagResolver({
      store: {
        list: async () => {
          throw new Error('down');
        },
        get: async () => null,
        set: async () => {
          throw new Error('down');
        },
        delete: async () => false,
      },
      clock: new FakeClock(),
    });
    expect((await chooseAiProvider({ flags, breakers: none })).provider).toBe('gemini');
  });
});
