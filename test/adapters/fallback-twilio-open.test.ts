// The fallback redirect is a live call's last chance to hear anything: with the twilio circuit open
// (e.g. calls.create failing during a Twilio REST outage) it is still attempted once, bounded by a
// short timeout, and its outcome still counts on the breaker.
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { ProviderError } from '../../src/core/errors.js';
import { CallOrchestrator } from '../../src/orchestrator/orchestrator.js';
import { createMemoryStores } from '../../src/storage/memory/index.js';
import type { TelephonyProvider } from '../../src/telephony/provider.js';
import { FAKE_AUTH_TOKEN } from '../../src/testing/index.js';

const T0 = 1_700_000_000_000;
const CALL_SID = `CA${'7'.repeat(32)}`;

describe('playFallback while the twilio circuit is open', () => {
  let clock: FakeClock;
  let redirects: string[];
  let redirect: (signal: AbortSignal | undefined) => Promise<void>;
  let orchestrator: CallOrchestrator;

  beforeEach(async () => {
    clock = new FakeClock(T0);
    redirects = [];
    redirect = async () => {};
    const telephony: TelephonyProvider = {
      createCall: async () => ({ callSid: CALL_SID, status: 'queued' }),
      hangUp: async () => {},
      redirect: async (callSid, twiml, options) => {
        redirects.push(`${callSid} ${twiml}`);
        await redirect(options?.signal);
      },
      sendSms: async () => ({ messageSid: 'SM1', status: 'queued' }),
      fetchAccount: async () => ({ accountSid: 'AC1', status: 'active' }),
    };
    orchestrator = new CallOrchestrator({
      stores: createMemoryStores(),
      publicBaseUrl: 'https://voice.example.com',
      streamTokenSecret: 'stream-secret-0123456789abcdef',
      twilio: { telephony, authTokens: FAKE_AUTH_TOKEN },
      fallback: { message: 'We will call you back.' },
      clock,
    });
    await orchestrator.forceOpenBreaker('twilio', T0 + 60_000);
  });

  const twilioRow = async () => (await orchestrator.breaker('twilio').peek()).status;

  it('still redirects the call to the fallback message, leaving the circuit as it was', async () => {
    await expect(orchestrator.breaker('twilio').execute(async () => 'x')).rejects.toMatchObject({
      code: 'circuit_open',
    });
    await orchestrator.playFallback(CALL_SID);
    expect(redirects).toHaveLength(1);
    expect(redirects[0]).toContain(CALL_SID);
    expect(redirects[0]).toContain('<Say>We will call you back.</Say>');
    // A success past the open circuit is no probe: it does not close it.
    expect(await twilioRow()).toMatchObject({ circuit: 'open', failureCount: 0 });
  });

  it('counts a failed last-resort redirect once and never throws', async () => {
    redirect = async () => {
      throw new ProviderError('twilio', 'Service unavailable', { status: 503 });
    };
    await expect(orchestrator.playFallback(CALL_SID)).resolves.toBeUndefined();
    expect(redirects).toHaveLength(1);
    expect(await twilioRow()).toMatchObject({ circuit: 'open', failureCount: 1 });
  });

  it('does not count a redirect Twilio rejects as our error (the call already ended)', async () => {
    redirect = async () => {
      throw new ProviderError('twilio', 'Call is not in-progress', { status: 400, providerCode: 21220 });
    };
    await orchestrator.playFallback(CALL_SID);
    expect(redirects).toHaveLength(1);
    expect((await twilioRow()).failureCount).toBe(0);
  });

  it('gives up on a hanging redirect after its short timeout, counted as a failure', async () => {
    let aborted: unknown;
    redirect = (signal) =>
      new Promise((_, reject) =>
        signal?.addEventListener('abort', () => {
          aborted = signal.reason;
          reject(signal.reason);
        }),
      );
    const played = orchestrator.playFallback(CALL_SID);
    await clock.advance(3_000);
    await expect(played).resolves.toBeUndefined();
    expect(aborted).toMatchObject({ code: 'timeout' });
    expect(await twilioRow()).toMatchObject({ circuit: 'open', failureCount: 1 });
  });
});
