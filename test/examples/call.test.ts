import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../examples/express/app.js';
import { CallSimulator, type SimulatedAppFactory } from '../../src/testing/call-simulator.js';

/** The Express example, as the simulator boots it. */
const exampleApp: SimulatedAppFactory = (env, deps) => {
  const built = createApp(env, { twilioClient: deps.twilioClient });
  return { handler: built.app, attachMedia: (server, options) => built.attachMedia(server, options) };
};

// A whole call, offline: the Express example, the fake Twilio (REST, webhooks, media stream) and the
// fake OpenAI Realtime model. Real sockets on loopback, real time (about 15 s).
describe('a simulated call through the Express example', () => {
  let sim: CallSimulator;
  beforeAll(async () => {
    sim = await CallSimulator.start({
      api: 'realtime',
      tool: { turn: 1, name: 'get_time' },
      app: exampleApp,
    });
  }, 30_000);
  afterAll(async () => {
    await sim?.close();
  });

  it('bridges two caller turns, a tool call and a barge-in, and applies every status once', async () => {
    const report = await sim.runCall([
      { speakMs: 1000, pauseMs: 3500 },
      { speakMs: 900, bargeInAfterMs: 300, pauseMs: 2500 },
    ]);
    expect(report.provider).toBe('openai');
    expect(report.endReason).toBe('twilio_stop');
    expect(report.framesToModel).toBeGreaterThan(200);
    expect(report.framesFromModel).toBeGreaterThan(0);
    // Turn 1 called get_time; its output went back to the model.
    expect(report.toolOutputs.map((o) => JSON.parse(o.output))).toEqual([{ now: expect.any(String) }]);
    // Turn 2 interrupted the reply: Twilio was cleared and the item truncated at what was heard.
    expect(report.bargeIns).toBeGreaterThanOrEqual(1);
    expect(report.truncations.length).toBeGreaterThanOrEqual(1);
    expect(report.truncations.every((t) => t.accepted)).toBe(true);
    expect(report.turns.length).toBeGreaterThanOrEqual(1);
    for (const t of report.turns) expect(t.speechEndToFirstAudioMs).toBeGreaterThanOrEqual(0);
    // 4 events x 3 copies, each applied once: the call ends completed.
    expect(report.statusCallbacks).toEqual({ delivered: 12, distinct: 4 });
    const calls = await fetch(`${sim.baseUrl}/ops/calls`, {
      headers: { authorization: 'Bearer sim-ops-token-0123456789' },
    }).then((r) => r.json() as Promise<{ calls: { id: string; status: string }[] }>);
    expect(calls.calls.find((c) => c.id === report.callId)?.status).toBe('completed');
  }, 60_000);
});

describe('a simulated call on the OpenAI Live API', () => {
  let sim: CallSimulator;
  beforeAll(async () => {
    sim = await CallSimulator.start({
      api: 'live',
      tool: { turn: 1, name: 'get_time' },
      app: exampleApp,
    });
  }, 30_000);
  afterAll(async () => {
    await sim?.close();
  });

  it('passes mu-law through both ways, runs the tool through delegation, never truncates', async () => {
    const report = await sim.runCall([
      { speakMs: 1000, pauseMs: 3500 },
      { speakMs: 900, pauseMs: 2500 },
    ]);
    expect(report.provider).toBe('openai');
    expect(report.endReason).toBe('twilio_stop');
    expect(report.framesFromModel).toBeGreaterThan(0);
    expect(report.truncations).toEqual([]);
    expect(report.statusCallbacks).toEqual({ delivered: 12, distinct: 4 });
    const record = sim.model.sessions.at(-1) as { events: { type: string }[] } | undefined;
    expect(record?.events.some((e) => e.type === 'response.item.create')).toBe(true);
  }, 60_000);
});
