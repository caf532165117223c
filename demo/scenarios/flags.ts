import {
  type AiProvider,
  CircuitBreaker,
  chooseAiProvider,
  FlagResolver,
  MemoryFlagStore,
  MemoryProviderStatusStore,
} from '../../src/index.js';
import { FakeClock } from '../../src/testing/index.js';
import type { Report } from '../report.js';

/** Flags and breakers choose the AI provider of each call. */
export async function flagsScenario(report: Report, t0: number): Promise<boolean> {
  report.section('4. Feature flags switch the AI provider at runtime');
  const clock = new FakeClock(t0);
  const flags = new FlagResolver({ store: new MemoryFlagStore(), clock, cacheTtlMs: 0 });
  const store = new MemoryProviderStatusStore();
  const breakers: Record<AiProvider, CircuitBreaker> = {
    gemini: new CircuitBreaker({ provider: 'gemini', store, clock }),
    openai: new CircuitBreaker({ provider: 'openai', store, clock }),
  };
  const rows: string[][] = [['situation', 'chosen', 'skipped']];
  const choose = async (situation: string, context = {}) => {
    const choice = await chooseAiProvider({ flags, breakers: (p) => breakers[p], context });
    const skipped = choice.skipped.map((s) => `${s.provider}: ${s.reason}`).join(', ') || '-';
    rows.push([situation, choice.provider ?? `none -> fallback TwiML (${choice.reason})`, skipped]);
    return choice.provider;
  };

  const picks: (AiProvider | null)[] = [];
  picks.push(await choose('runbook defaults'));
  await breakers.gemini.forceOpen(clock.now() + 60_000);
  picks.push(await choose('gemini circuit forced open'));
  await breakers.gemini.reset();
  await flags.set('ai.provider.preferred', 'openai');
  picks.push(await choose("ai.provider.preferred = 'openai'"));
  await flags.setTenantOverride('ai.provider.preferred', 'acme', 'gemini');
  picks.push(await choose("tenant 'acme' overrides to gemini", { tenantId: 'acme' }));
  await flags.set('ai.openai.enabled', false);
  picks.push(await choose('ai.openai.enabled = false'));
  await flags.set('ai.gemini.enabled', false);
  picks.push(await choose('both providers disabled'));
  report.table(rows);
  const expected = ['gemini', 'openai', 'openai', 'gemini', 'gemini', null];
  return report.check(
    JSON.stringify(picks) === JSON.stringify(expected),
    'each switch took effect on the next call, no redeploy',
  );
}
