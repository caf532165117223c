import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../examples/express/app.js';
import {
  CallSimulator,
  SIMULATOR_OPS_TOKEN,
  type SimulatedAppFactory,
} from '../../src/testing/call-simulator.js';

const exampleApp: SimulatedAppFactory = (env, deps) => {
  const built = createApp(env, { twilioClient: deps.twilioClient });
  return { handler: built.app, attachMedia: (server, options) => built.attachMedia(server, options) };
};

// OpenAI goes down in the middle of a call: the call continues on Gemini (real @google/genai
// client against a loopback fake), the caller's leg never drops, and the ops view shows why.
describe('mid-call failover through the Express example', () => {
  let sim: CallSimulator;
  beforeAll(async () => {
    sim = await CallSimulator.start({ api: 'realtime', gemini: true, prefer: 'openai', app: exampleApp });
  }, 30_000);
  afterAll(async () => {
    await sim?.close();
  });

  const ops = (path: string) =>
    fetch(`${sim.baseUrl}${path}`, { headers: { authorization: `Bearer ${SIMULATOR_OPS_TOKEN}` } }).then(
      (r) => r.json() as Promise<Record<string, unknown>>,
    );

  it('continues on Gemini when OpenAI dies, with the transcript carried over', async () => {
    const report = await sim.runCall(
      [
        { speakMs: 1000, pauseMs: 2500 },
        { speakMs: 900, pauseMs: 3000 },
      ],
      { failProviderAfterTurn: { turn: 1, provider: 'openai' } },
    );
    expect(report.provider).toBe('openai');
    expect(report.endReason).toBe('twilio_stop'); // the caller hung up; the bridge never dropped the leg
    const last = report.failovers.at(-1);
    expect(last?.to.provider).toBe('gemini');
    expect(last?.gapMs).toBeLessThan(5000);
    // Gemini got the conversation so far (the first turn's transcript), then the caller's audio.
    const geminiSession = sim.gemini?.sessions.at(-1);
    expect(JSON.stringify(geminiSession?.clientContents ?? [])).toContain('Thanks for calling');
    expect(geminiSession?.audioBytes ?? 0).toBeGreaterThan(0);
    const incidents = (await ops('/ops/incidents?limit=50')) as {
      incidents: { code: string; provider: string }[];
    };
    expect(incidents.incidents.some((i) => i.code === 'ai_failover' && i.provider === 'openai')).toBe(true);
    const calls = (await ops('/ops/calls')) as {
      calls: {
        id: string;
        aiProvider: string;
        status: string;
        metadata: { aiProviders: { provider: string }[] };
      }[];
    };
    const record = calls.calls.find((c) => c.id === report.callId);
    expect(record).toMatchObject({ aiProvider: 'gemini', status: 'completed' });
    // The record says which providers served the call, in order.
    const served = record?.metadata.aiProviders.map((p) => p.provider) ?? [];
    expect(served.at(0)).toBe('openai');
    expect(served.at(-1)).toBe('gemini');
    const providers = (await ops('/ops/providers')) as {
      providers: { provider: string; failureCount: number }[];
    };
    expect(providers.providers.find((p) => p.provider === 'openai')?.failureCount).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
