// A whole phone call, offline: the app under test (e.g. the Express example) on a loopback port,
// the fake Twilio placing the call and posting signed webhooks, a fake Twilio media stream playing
// the caller's speech, and a fake realtime model answering. Node only (ships in steadycall/testing).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type TwilioSDK from 'twilio';
import type { BridgeSession, FailoverEvent, TurnMetrics } from '../realtime/bridge.js';
import { FakeGeminiLiveServer } from './fake-gemini-live.js';
import { FAKE_OPENAI_API_KEY, FakeOpenAILiveServer } from './fake-openai-live.js';
import { FakeOpenAIRealtimeServer } from './fake-openai-realtime.js';
import { FAKE_AUTH_TOKEN, FakeTwilio } from './fake-twilio/index.js';
import type { FakeCall } from './fake-twilio/types.js';
import { FakeTwilioMediaClient } from './fake-twilio-media.js';
import { silence, speechLike } from './speech-audio.js';

interface Hooks {
  whileAnswered: ((call: FakeCall, signal: AbortSignal) => Promise<void>) | null;
}

/**
 * What the simulator needs from the app under test.
 *
 * @example
 * ```ts
 * import type { SimulatedApp } from 'steadycall/testing';
 *
 * const built = createApp(env, { twilioClient }); // e.g. the Express example
 * const app: SimulatedApp = {
 *   handler: built.app,
 *   attachMedia: (server, options) => built.attachMedia(server, options),
 * };
 * ```
 */
export interface SimulatedApp {
  /** The HTTP handler (an Express app is one). */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** Serves media streams on the server; `onBridge` lets the simulator read turn metrics. */
  attachMedia?(
    server: Server,
    options: { onBridge?: (bridge: BridgeSession) => void },
  ): {
    /** Stops serving media streams and closes their sockets. */
    close(): Promise<void>;
  };
}

/**
 * Builds the app from environment variables, with the official Twilio client pointed at the fake.
 * The simulator passes `PUBLIC_BASE_URL`, `TWILIO_AUTH_TOKEN`, `OPENAI_VOICE_URL`, `API_TOKEN`,
 * `OPS_TOKEN` and the rest of the app's configuration in `env`.
 *
 * @example
 * ```ts
 * import type { SimulatedAppFactory } from 'steadycall/testing';
 *
 * const exampleApp: SimulatedAppFactory = (env, deps) => {
 *   const built = createApp(env, { twilioClient: deps.twilioClient });
 *   return { handler: built.app, attachMedia: (server, options) => built.attachMedia(server, options) };
 * };
 * ```
 */
export type SimulatedAppFactory = (
  env: Record<string, string>,
  deps: { twilioClient: TwilioSDK.Twilio },
) => SimulatedApp | Promise<SimulatedApp>;

/**
 * One caller turn: speak for `speakMs`, then stay silent for `pauseMs` (the model answers then).
 *
 * @example
 * ```ts
 * import type { CallerTurn } from 'steadycall/testing';
 *
 * const turns: CallerTurn[] = [
 *   { speakMs: 1000, pauseMs: 3500 },
 *   { speakMs: 900, bargeInAfterMs: 300 }, // talks over the answer to the first turn
 * ];
 * const report = await sim.runCall(turns);
 * ```
 */
export interface CallerTurn {
  /** How long the caller speaks (speech-like audio), in ms. */
  speakMs: number;
  /** Silence after speaking, in ms, while the model answers. Default 2500. */
  pauseMs?: number;
  /** Start speaking `bargeInAfterMs` after the model's reply to the previous turn began, interrupting it. */
  bargeInAfterMs?: number;
}

/**
 * Options of {@link CallSimulator.start}.
 *
 * @example
 * ```ts
 * import type { CallSimulatorOptions } from 'steadycall/testing';
 *
 * const options: CallSimulatorOptions = {
 *   app: exampleApp,
 *   api: 'live',
 *   tool: { turn: 1, name: 'get_time' },
 *   gemini: true, // a second provider to fail over to
 * };
 * ```
 */
export interface CallSimulatorOptions {
  /** Builds the app under test. */
  app: SimulatedAppFactory;
  /** Which OpenAI voice API the fake model speaks. Default 'realtime'. */
  api?: 'live' | 'realtime';
  /** A tool call the model makes on a turn (it must be one the app declares). Default: none. */
  tool?: {
    /** 1-based caller turn. */
    turn: number;
    /** The tool's name. */
    name: string;
    /** The call's arguments. Default `{}`. */
    arguments?: Record<string, unknown>;
  };
  /** Length of each model answer. Default 1200 ms. */
  responseAudioMs?: number;
  /** Extra copies of each status callback, shuffled and concurrent. Default 2. */
  statusDuplicates?: number;
  /** Extra environment for the app (overrides the simulator's). Default: none. */
  env?: Record<string, string>;
  /** Also run a fake Gemini Live server and configure the app with it (for failover). Default false. */
  gemini?: boolean;
  /**
   * The provider calls start on (sets `ai.provider.preferred` through the ops API); `'gemini'`
   * also starts the fake Gemini server. Default: the app's own choice.
   */
  prefer?: 'openai' | 'gemini';
}

/**
 * What happened during a simulated call.
 *
 * @example
 * ```ts
 * import type { CallReport } from 'steadycall/testing';
 *
 * const report: CallReport = await sim.runCall([{ speakMs: 1000 }]);
 * expect(report.statusCallbacks).toEqual({ delivered: 12, distinct: 4 }); // each applied once
 * for (const { atMs, event } of report.timeline) console.log(atMs, event);
 * ```
 */
export interface CallReport {
  /** The Twilio call SID. */
  callSid: string;
  /** The app's call id (from `POST /calls-start`). */
  callId: string;
  /** The provider the voice webhook connected the stream to, if it did. */
  provider: string | undefined;
  /** What happened, in order, in ms since the call was placed. */
  timeline: {
    /** Ms since the call was placed. */
    atMs: number;
    /** What happened. */
    event: string;
  }[];
  /** Per-turn latency measured by the bridge. */
  turns: TurnMetrics[];
  /** Mid-call provider switches (reconnects included), with the gap the caller heard. */
  failovers: FailoverEvent[];
  /** Barge-ins the bridge handled. */
  bargeIns: number;
  /** `conversation.item.truncate` events the fake model received (Realtime API only). */
  truncations: {
    /** The item truncated. */
    itemId: string;
    /** Where it was cut, in ms of its audio. */
    audioEndMs: number;
    /** Whether the fake model accepted it. */
    accepted: boolean;
  }[];
  /** Tool outputs the fake model received. */
  toolOutputs: {
    /** The function call answered. */
    callId: string;
    /** The output, as sent (JSON text). */
    output: string;
  }[];
  /** Caller frames the bridge forwarded to the model. */
  framesToModel: number;
  /** Model frames the bridge sent to Twilio. */
  framesFromModel: number;
  /** Status callbacks sent for the call. */
  statusCallbacks: {
    /** Deliveries, duplicates included. */
    delivered: number;
    /** Distinct events (idempotency tokens). */
    distinct: number;
  };
  /** Why the bridge ended (e.g. `twilio_stop`), if a bridge ran. */
  endReason: string | undefined;
}

/**
 * The API bearer token the simulator configures the app with (`API_TOKEN`).
 *
 * @example
 * ```ts
 * import { SIMULATOR_API_TOKEN } from 'steadycall/testing';
 *
 * const res = await fetch(`${sim.baseUrl}/openai-realtime-status`, {
 *   headers: { authorization: `Bearer ${SIMULATOR_API_TOKEN}` },
 * });
 * ```
 */
export const SIMULATOR_API_TOKEN = 'sim-api-token-0123456789';
/**
 * The ops bearer token the simulator configures the app with (`OPS_TOKEN`).
 *
 * @example
 * ```ts
 * import { SIMULATOR_OPS_TOKEN } from 'steadycall/testing';
 *
 * const res = await fetch(`${sim.baseUrl}/ops/calls`, {
 *   headers: { authorization: `Bearer ${SIMULATOR_OPS_TOKEN}` },
 * });
 * ```
 */
export const SIMULATOR_OPS_TOKEN = 'sim-ops-token-0123456789';

/**
 * Runs whole calls against an app, offline and deterministic enough for CI: the app on a loopback
 * port, a {@link FakeTwilio} placing the call and posting signed webhooks, a
 * {@link FakeTwilioMediaClient} playing the caller, and a fake realtime model answering.
 *
 * @example
 * ```ts
 * import { CallSimulator } from 'steadycall/testing';
 *
 * const sim = await CallSimulator.start({ app: (env, deps) => createApp(env, deps) });
 * const report = await sim.runCall([{ speakMs: 1200, pauseMs: 2500 }, { speakMs: 800, bargeInAfterMs: 300 }]);
 * await sim.close();
 * ```
 */
export class CallSimulator {
  /** The app's `http://127.0.0.1:<port>` (its `PUBLIC_BASE_URL`). */
  readonly baseUrl: string;
  /** The fake Twilio the app talks to. */
  readonly twilio: FakeTwilio;
  /** The fake OpenAI model (Live or Realtime API, per `options.api`). */
  readonly model: FakeOpenAILiveServer | FakeOpenAIRealtimeServer;
  /** The fake Gemini Live server, when `options.gemini` or `prefer: 'gemini'`; otherwise `null`. */
  readonly gemini: FakeGeminiLiveServer | null;
  readonly #server: Server;
  readonly #media: { close(): Promise<void> } | undefined;
  readonly #bridges: { bridge: BridgeSession; turns: TurnMetrics[]; failovers: FailoverEvent[] }[];
  readonly #hooks: Hooks;

  private constructor(init: {
    baseUrl: string;
    twilio: FakeTwilio;
    model: FakeOpenAILiveServer | FakeOpenAIRealtimeServer;
    server: Server;
    media: { close(): Promise<void> } | undefined;
    bridges: { bridge: BridgeSession; turns: TurnMetrics[]; failovers: FailoverEvent[] }[];
    hooks: Hooks;
    gemini: FakeGeminiLiveServer | null;
  }) {
    this.gemini = init.gemini;
    this.#bridges = init.bridges;
    this.#hooks = init.hooks;
    this.baseUrl = init.baseUrl;
    this.twilio = init.twilio;
    this.model = init.model;
    this.#server = init.server;
    this.#media = init.media;
  }

  /** Starts the fakes and the app (built by `options.app`) on loopback ports. */
  static async start(options: CallSimulatorOptions): Promise<CallSimulator> {
    const api = options.api ?? 'realtime';
    const responseAudioMs = options.responseAudioMs ?? 1200;
    const model =
      api === 'live'
        ? await FakeOpenAILiveServer.start({
            responseAudioMs,
            ...(options.tool
              ? {
                  tools: {
                    callOnTurn: options.tool.turn,
                    name: options.tool.name,
                    arguments: options.tool.arguments ?? {},
                  },
                }
              : {}),
          })
        : await FakeOpenAIRealtimeServer.start({
            apiKey: FAKE_OPENAI_API_KEY,
            responseAudioMs,
            ...(options.tool ? { tools: [options.tool] } : {}),
          });
    const hooks: Hooks = { whileAnswered: null };
    const gemini =
      options.gemini || options.prefer === 'gemini'
        ? await FakeGeminiLiveServer.start({ responseAudioMs })
        : null;
    const duplicates = options.statusDuplicates ?? 2;
    const twilio = await FakeTwilio.start({
      duplicates,
      shuffle: duplicates > 0,
      concurrent: duplicates > 0,
      whileAnswered: (call, signal) => hooks.whileAnswered?.(call, signal) ?? Promise.resolve(),
    });
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const env: Record<string, string> = {
      PUBLIC_BASE_URL: baseUrl,
      STREAM_TOKEN_SECRET: 'simulator-stream-secret-0123456789',
      TWILIO_AUTH_TOKEN: FAKE_AUTH_TOKEN,
      TWILIO_FROM_NUMBER: '+15005550006',
      OPENAI_API_KEY: FAKE_OPENAI_API_KEY,
      OPENAI_VOICE_API: api,
      OPENAI_VOICE_URL: model.url,
      API_TOKEN: SIMULATOR_API_TOKEN,
      OPS_TOKEN: SIMULATOR_OPS_TOKEN,
      LOG_LEVEL: 'silent',
      ...(gemini ? { GEMINI_API_KEY: 'fake-gemini-key-0123456789', GEMINI_VOICE_URL: gemini.baseUrl } : {}),
      ...options.env,
    };
    const app = await options.app(env, { twilioClient: twilio.client({ timeout: 5000 }) });
    server.on('request', app.handler);
    const bridges: { bridge: BridgeSession; turns: TurnMetrics[]; failovers: FailoverEvent[] }[] = [];
    const media = app.attachMedia?.(server, {
      onBridge: (bridge) => {
        const entry = { bridge, turns: [] as TurnMetrics[], failovers: [] as FailoverEvent[] };
        bridge.onTurn((t) => entry.turns.push(t));
        bridge.onFailover((f) => entry.failovers.push(f));
        bridges.push(entry);
      },
    });
    if (options.prefer) {
      await fetch(`${baseUrl}/ops/flags/ai.provider.preferred`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${SIMULATOR_OPS_TOKEN}` },
        body: JSON.stringify({ value: options.prefer }),
      });
    }
    return new CallSimulator({ baseUrl, twilio, model, server, media, bridges, hooks, gemini });
  }

  /**
   * Places a call through `POST /calls-start` and plays `turns` as the caller, then hangs up and
   * waits for the webhooks and the bridge to finish.
   *
   * @param options - `to` (default `+14155550123`); `failProviderAfterTurn` takes that provider
   *   down for good after the given turn and its answer, to exercise failover.
   * @throws Error when `POST /calls-start` does not answer 201.
   */
  async runCall(
    turns: readonly CallerTurn[],
    options: { to?: string; failProviderAfterTurn?: { turn: number; provider: 'openai' | 'gemini' } } = {},
  ): Promise<CallReport> {
    const t0 = Date.now();
    const timeline: CallReport['timeline'] = [];
    const note = (event: string) => timeline.push({ atMs: Date.now() - t0, event });
    let stream: FakeTwilioMediaClient | undefined;
    let provider: string | undefined;
    const bridgesBefore = this.#bridges.length;

    this.#hooks.whileAnswered = (call) =>
      playCaller(call).catch((error: unknown) => {
        note(`media stream failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    const playCaller = async (call: FakeCall) => {
      const url = /<Stream url="([^"]+)"/.exec(call.twiml ?? '')?.[1]?.replace(/&amp;/g, '&');
      if (!url) {
        note('no <Stream> in the TwiML: the call got the fallback');
        return;
      }
      const parameters = Object.fromEntries(
        [...(call.twiml ?? '').matchAll(/<Parameter name="([^"]+)" value="([^"]*)"\/>/g)].map((m) => [
          m[1],
          m[2],
        ]),
      ) as Record<string, string>;
      provider = parameters.provider;
      note(`voice webhook answered <Connect><Stream> to ${provider}`);
      stream = await FakeTwilioMediaClient.connect({
        url: url.replace(/^wss:/, 'ws:'),
        // Twilio signs the stream URL exactly as the TwiML gave it.
        signature: { authToken: FAKE_AUTH_TOKEN, url },
        callSid: call.sid,
        customParameters: parameters,
        realtime: true,
      });
      note('media stream connected');
      for (const [i, turn] of turns.entries()) {
        if (!stream.isOpen) {
          note('media stream closed by the app');
          break;
        }
        const next = turns[i + 1];
        note(`caller speaks (turn ${i + 1}, ${turn.speakMs} ms)`);
        await stream.play(speechLike({ durationMs: turn.speakMs, seed: i + 1 }));
        if (next?.bargeInAfterMs !== undefined) {
          // Let the reply start, then talk over it.
          const heard = stream.received.media.length;
          await stream.waitFor((c) => c.received.media.length > heard, 15_000);
          await stream.play(silence(next.bargeInAfterMs));
          note(`caller interrupts the reply (turn ${i + 2})`);
        } else {
          await stream.play(silence(turn.pauseMs ?? 2500));
        }
        const fail = options.failProviderAfterTurn;
        if (fail && fail.turn === i + 1) {
          // After the turn and its answer, the provider goes down for good: its sockets die and
          // it refuses new ones.
          const server = fail.provider === 'gemini' ? this.gemini : this.model;
          server?.failHandshake();
          server?.drop();
          note(`${fail.provider} goes down`);
        }
      }
      note('caller hangs up');
      if (stream.isOpen) await stream.stop();
    };

    const res = await fetch(`${this.baseUrl}/calls-start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${SIMULATOR_API_TOKEN}` },
      body: JSON.stringify({ to: options.to ?? '+14155550123' }),
    });
    if (res.status !== 201) throw new Error(`calls-start answered ${res.status}: ${await res.text()}`);
    const { call } = (await res.json()) as { call: { id: string; callSid: string } };
    note(`POST /calls-start -> 201, Twilio call ${call.callSid.slice(0, 8)}...`);
    await this.twilio.waitForCall(call.callSid, undefined, 120_000);
    await this.twilio.whenIdle(30_000);
    note('status callbacks delivered');
    const entry = this.#bridges[bridgesBefore];
    const bridge = entry?.bridge;
    const endReason = bridge ? await bridge.done : undefined;
    const turnsMeasured = entry?.turns ?? [];
    const statuses = this.twilio.callEvents(call.callSid).filter((d) => d.kind === 'status');
    const record = this.model.sessions.at(-1);
    const report: CallReport = {
      callSid: call.callSid,
      callId: call.id,
      provider,
      timeline,
      turns: turnsMeasured,
      failovers: entry?.failovers ?? [],
      bargeIns: bridge?.stats.bargeIns ?? 0,
      truncations: record && 'truncations' in record ? [...record.truncations] : [],
      toolOutputs: record && 'functionOutputs' in record ? [...record.functionOutputs] : [],
      framesToModel: bridge?.stats.framesIn ?? 0,
      framesFromModel: bridge?.stats.framesOut ?? 0,
      statusCallbacks: {
        delivered: statuses.length,
        distinct: new Set(statuses.map((s) => s.idempotencyToken)).size,
      },
      endReason,
    };
    return report;
  }

  /** The bridges created so far (one per call), for their events and stats. */
  get bridges(): readonly BridgeSession[] {
    return this.#bridges.map((b) => b.bridge);
  }

  /** Stops the app's media server, the fakes and the app's listener. */
  async close(): Promise<void> {
    await this.#media?.close();
    await this.twilio.close();
    await this.model.close();
    await this.gemini?.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
