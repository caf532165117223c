// A model that refuses the call's first session: the call must move on (reconnect, then the other
// provider) instead of leaving the caller in silence, and the refusals must count on the breaker.
import { afterEach, describe, expect, it } from 'vitest';
import { runCall } from '../../bench/load/call.js';
import { type Harness, startHarness } from '../../bench/load/harness.js';
import { NO_FAULTS, planCalls } from '../../bench/load/plan.js';
import { createMemoryStores } from '../../src/storage/memory/index.js';

describe('a refused model handshake at the start of a call', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it.each(['outbound', 'inbound'] as const)(
    'fails the %s call over to the other provider',
    async (direction) => {
      h = await startHarness({ stores: createMemoryStores(), seed: 3, rates: NO_FAULTS });
      // Gemini (the runbook's default preferred provider) refuses every socket for the whole test.
      h.proxies.gemini.outage(60_000);
      const plan = { ...planCalls(1, 3, NO_FAULTS)[0]!, direction, finalStatus: 'completed' as const };
      const trace = await runCall(h, plan, 3);

      expect(trace.error).toBeNull();
      expect(trace.fallbackAtVoice).toBe(false);
      expect(trace.fallbackMidCall).toBe(false);
      expect(trace.audioFrames).toBeGreaterThan(0);
      const record = await h.stores.calls.getBySid(trace.callSid!);
      expect(record?.aiProvider).toBe('openai');
      expect(record?.metadata.aiProviders).toEqual([
        expect.objectContaining({ provider: 'gemini', reason: 'chosen' }),
        expect.objectContaining({
          provider: 'gemini',
          reason: expect.stringMatching(/^reconnect after connect failed/),
        }),
        expect.objectContaining({
          provider: 'openai',
          reason: expect.stringMatching(/^failover from gemini/),
        }),
      ]);
      expect(h.proxies.gemini.counts.outage_refused).toBeGreaterThanOrEqual(2);
      const failovers = await h.stores.incidents.query({ code: 'ai_failover', callId: record!.id });
      expect(failovers.length).toBeGreaterThanOrEqual(1);
    },
  );
});
