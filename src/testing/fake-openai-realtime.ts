/**
 * A loopback stand-in for OpenAI's Realtime API WebSocket (`/v1/realtime`), for tests and offline
 * demos (Node only). It checks the bearer key, applies `session.update` (mu-law only), detects the
 * caller's turns from input energy, answers with generated mu-law audio and transcripts, honours
 * `response.cancel` and `conversation.item.truncate` (rejecting an end beyond the audio it produced,
 * like the real server), runs a tool round trip on a configured turn, and can stall or drop.
 *
 * @module
 */

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { encodeMulaw } from '../realtime/audio/mulaw.js';
import type { EnergyVadOptions } from './energy-vad.js';
import { FakeRealtimeConnection } from './fake-openai-realtime-connection.js';
import { closeUpgradeServer, listenLoopback } from './loopback.js';

/**
 * A turn on which the fake answers with a function call instead of audio.
 *
 * @example
 * ```ts
 * import { FakeOpenAIRealtimeServer, type FakeRealtimeToolTurn } from 'steadycall/testing';
 *
 * const lookup: FakeRealtimeToolTurn = { turn: 1, name: 'lookup_order', arguments: { orderId: '42' } };
 * const fake = await FakeOpenAIRealtimeServer.start({ tools: [lookup] });
 * // after the first caller turn: fake.lastSession?.functionOutputs
 * ```
 */
export interface FakeRealtimeToolTurn {
  /** 1-based caller turn (counted at each `speech_stopped`). */
  turn: number;
  /** Must be one of the session's declared tools, as the real model would. */
  name: string;
  /** The call's arguments, sent as JSON. Default `{}`. */
  arguments?: Record<string, unknown>;
}

/**
 * Options of {@link FakeOpenAIRealtimeServer.start}.
 *
 * @example
 * ```ts
 * import { FakeOpenAIRealtimeServer, type FakeOpenAIRealtimeOptions } from 'steadycall/testing';
 *
 * const options: FakeOpenAIRealtimeOptions = { apiKey: 'sk-test', accelerated: true, responseAudioMs: 600 };
 * const fake = await FakeOpenAIRealtimeServer.start(options);
 * ```
 */
export interface FakeOpenAIRealtimeOptions {
  /** Default 0: any free port on 127.0.0.1. */
  port?: number;
  /** The bearer key it accepts. Default: any non-empty bearer. */
  apiKey?: string;
  /** Length of each spoken answer. Default 1200 ms (60 deltas of 20 ms). */
  responseAudioMs?: number;
  /**
   * The transcript of each spoken answer.
   * Default 'Thanks for calling. This is the fake assistant speaking.'.
   */
  voiceText?: string;
  /**
   * Turns answered with a function call (the response after its output is spoken as usual).
   * Default: none.
   */
  tools?: readonly FakeRealtimeToolTurn[];
  /** Send audio deltas as fast as possible (like the real server) instead of every 20 ms. Default false. */
  accelerated?: boolean;
  /** Energy VAD tuning (frames are 20 ms). Default: the {@link EnergyVad} defaults. */
  vad?: EnergyVadOptions;
  /** Keep every appended chunk in the session record. Default true. */
  recordAudio?: boolean;
}

/**
 * A client event as received (appends carry `audioBytes` instead of their base64).
 *
 * @example
 * ```ts
 * import type { FakeRealtimeReceivedEvent } from 'steadycall/testing';
 *
 * const events: FakeRealtimeReceivedEvent[] = fake.lastSession?.events ?? [];
 * const cancels = events.filter((e) => e.type === 'response.cancel');
 * ```
 */
export interface FakeRealtimeReceivedEvent {
  /** The event's `type`, e.g. `session.update`. */
  type: string;
  /** The whole event as parsed. */
  event: Record<string, unknown>;
}

/**
 * Everything one connection did, for assertions.
 *
 * @example
 * ```ts
 * import type { FakeRealtimeSessionRecord } from 'steadycall/testing';
 *
 * const record: FakeRealtimeSessionRecord | undefined = fake.lastSession;
 * expect(record?.cancels).toHaveLength(1); // one barge-in
 * expect(record?.truncations.every((t) => t.accepted)).toBe(true); // cut within the audio sent
 * ```
 */
export interface FakeRealtimeSessionRecord {
  /** The session id the fake sent in `session.created` (`sess_<n>`). */
  readonly id: string;
  /** `model` query parameter of the upgrade. */
  readonly model: string | null;
  /** Upgrade request headers, `authorization` removed. */
  readonly headers: Record<string, string | string[] | undefined>;
  /** Every client event received, in order. */
  readonly events: FakeRealtimeReceivedEvent[];
  /** The `session` object of every `session.update` received (accepted or not), in order. */
  readonly sessionUpdates: Record<string, unknown>[];
  /** `input_audio_buffer.append` received before a successful `session.update` (wrong format). */
  appendsBeforeUpdate: number;
  /** Caller audio received, in bytes of mu-law. */
  audioBytes: number;
  /** The caller audio chunks received, in order (empty when `recordAudio` is false). */
  readonly audioChunks: Uint8Array[];
  /** Every response the fake started, in order. */
  readonly responses: {
    /** The response's id (`resp_<n>`). */
    id: string;
    /** Its output item's id: what `conversation.item.truncate` names. */
    itemId: string;
    /** Spoken audio, or a function call (a tool turn). */
    kind: 'audio' | 'function_call';
    /** Its status: `cancelled` after an accepted `response.cancel`. */
    status: 'in_progress' | 'completed' | 'cancelled';
    /** Audio sent for it, in bytes of mu-law. */
    audioBytes: number;
    /** The `response.instructions` of the `response.create` that started it, if any. */
    instructions?: string | undefined;
  }[];
  /** Every `conversation.item.truncate` received, in order. */
  readonly truncations: {
    /** The item named. */
    itemId: string;
    /** The content index named (the fake accepts only 0). */
    contentIndex: number;
    /** Where the client cut the item, in ms of its audio. */
    audioEndMs: number;
    /** False when rejected with an `error` (unknown item, or an end beyond the audio produced). */
    accepted: boolean;
  }[];
  /** Every `response.cancel` received, in order. */
  readonly cancels: {
    /** The response named, if any. */
    responseId: string | undefined;
    /** False when no (such) response was active: answered with `response_cancel_not_active`. */
    accepted: boolean;
  }[];
  /** Every `function_call_output` item the client created, in order. */
  readonly functionOutputs: {
    /** The function call answered. */
    callId: string;
    /** The output, as sent. */
    output: string;
  }[];
  /** `error` events sent to the client. */
  readonly errors: {
    /** The error code, e.g. `invalid_value` or `response_cancel_not_active`. */
    code: string;
    /** The error message. */
    message: string;
  }[];
  /** True once the connection ended. */
  closed: boolean;
}

const DEFAULT_TEXT = 'Thanks for calling. This is the fake assistant speaking.';

/**
 * A fake OpenAI Realtime API server on 127.0.0.1.
 *
 * @example
 * ```ts
 * import { OpenAiRealtimeSession } from 'steadycall';
 * import { wsSocketFactory } from 'steadycall/node';
 * import { FakeOpenAIRealtimeServer } from 'steadycall/testing';
 *
 * const fake = await FakeOpenAIRealtimeServer.start({ apiKey: 'sk-test', accelerated: true });
 * const session = new OpenAiRealtimeSession({
 *   apiKey: 'sk-test', url: fake.url, socketFactory: wsSocketFactory(),
 * });
 * await session.connect();
 * // ... speak, then: fake.sessions[0].truncations
 * await fake.close();
 * ```
 */
export class FakeOpenAIRealtimeServer {
  /** Every connection accepted, in order. */
  readonly sessions: FakeRealtimeSessionRecord[] = [];
  /** Upgrades refused (wrong key, path, or `failHandshake`). */
  readonly rejectedUpgrades: {
    /** The HTTP status answered (401, 404, 503 or the `failHandshake` status). */
    status: number;
    /** The path requested. */
    path: string;
  }[] = [];
  readonly #server: Server;
  readonly #wss: WebSocketServer;
  readonly #options: FakeOpenAIRealtimeOptions;
  readonly #connections = new Set<FakeRealtimeConnection>();
  readonly #responseAudio: Uint8Array;
  #port = 0;
  #stalled = false;
  #failHandshake: { status: number; remaining: number } | undefined;
  #closing: Promise<void> | undefined;

  private constructor(options: FakeOpenAIRealtimeOptions) {
    this.#options = options;
    this.#responseAudio = answerAudio(options.responseAudioMs ?? 1200);
    this.#wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    this.#server = createServer((_req, res) => {
      res.writeHead(404).end();
    });
    this.#server.on('upgrade', (req, socket, head) => this.#upgrade(req, socket, head));
  }

  /** Starts listening on 127.0.0.1 (port 0 = any free port). */
  static async start(options: FakeOpenAIRealtimeOptions = {}): Promise<FakeOpenAIRealtimeServer> {
    const fake = new FakeOpenAIRealtimeServer(options);
    fake.#port = await listenLoopback(fake.#server, options.port);
    return fake;
  }

  /** The port it listens on. */
  get port(): number {
    return this.#port;
  }

  /** `ws://127.0.0.1:<port>/v1/realtime?model=<model>`: pass it as the session's `url`. */
  urlFor(model = 'gpt-realtime-2'): string {
    return `ws://127.0.0.1:${this.#port}/v1/realtime?model=${encodeURIComponent(model)}`;
  }

  /** {@link urlFor} the default model (`gpt-realtime-2`). */
  get url(): string {
    return this.urlFor();
  }

  /** The most recent connection's record. */
  get lastSession(): FakeRealtimeSessionRecord | undefined {
    return this.sessions.at(-1);
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Stop sending anything (handshake included) until {@link resume}; sockets stay open. */
  stall(): void {
    this.#stalled = true;
  }

  /** Undo {@link stall} and {@link failHandshake}. */
  resume(): void {
    this.#stalled = false;
    this.#failHandshake = undefined;
  }

  /** Cut every open connection without a close frame (the client sees 1006). */
  drop(): void {
    for (const client of this.#wss.clients) client.terminate();
  }

  /** Refuse the next `times` upgrades (default: all until {@link resume}) with an HTTP `status` (default 503). */
  failHandshake(options: { status?: number; times?: number } = {}): void {
    this.#failHandshake = {
      status: options.status ?? 503,
      remaining: options.times ?? Number.POSITIVE_INFINITY,
    };
  }

  /** Sends raw text (e.g. malformed JSON) or an event to every open connection. */
  inject(message: string | Record<string, unknown>): void {
    for (const connection of this.#connections) connection.send(message);
  }

  /** Closes every connection and the listener; releases every timer. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= closeUpgradeServer(this.#wss, this.#server, this.#connections);
    return this.#closing;
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = new URL(req.url ?? '/', 'http://fake-openai.invalid');
    if (this.#closing) return this.#refuse(socket, 503, url.pathname);
    if (url.pathname !== '/v1/realtime') return this.#refuse(socket, 404, url.pathname);
    const fail = this.#failHandshake;
    if (fail && fail.remaining > 0) {
      fail.remaining--;
      return this.#refuse(socket, fail.status, url.pathname);
    }
    const auth = req.headers.authorization ?? '';
    const key = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
    const expected = this.#options.apiKey;
    if (key === '' || (expected !== undefined && key !== expected))
      return this.#refuse(socket, 401, url.pathname);
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const { authorization: _omitted, ...headers } = req.headers;
      const record: FakeRealtimeSessionRecord = {
        id: `sess_${this.sessions.length + 1}`,
        model: url.searchParams.get('model'),
        headers,
        events: [],
        sessionUpdates: [],
        appendsBeforeUpdate: 0,
        audioBytes: 0,
        audioChunks: [],
        responses: [],
        truncations: [],
        cancels: [],
        functionOutputs: [],
        errors: [],
        closed: false,
      };
      this.sessions.push(record);
      const connection = new FakeRealtimeConnection(ws, this.#host(), record);
      this.#connections.add(connection);
      ws.on('close', () => this.#connections.delete(connection));
    });
  }

  #host() {
    return {
      responseAudio: this.#responseAudio,
      voiceText: this.#options.voiceText ?? DEFAULT_TEXT,
      toolTurns: this.#options.tools ?? [],
      accelerated: this.#options.accelerated ?? false,
      vad: this.#options.vad ?? {},
      recordAudio: this.#options.recordAudio ?? true,
      stalled: () => this.#stalled,
    };
  }

  #refuse(socket: Duplex, status: number, path: string) {
    this.rejectedUpgrades.push({ status, path });
    const body =
      status === 401
        ? JSON.stringify({
            error: {
              type: 'invalid_request_error',
              code: 'invalid_api_key',
              message: 'Incorrect API key provided',
            },
          })
        : JSON.stringify({ error: { type: 'server_error', message: `HTTP ${status}` } });
    socket.end(
      `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Error'}\r\nConnection: close\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
}

/** The spoken answer: a gently modulated 220 Hz tone, as mu-law, `ms` long. */
function answerAudio(ms: number): Uint8Array {
  const samples = Math.max(0, Math.round(ms)) * 8;
  const pcm = new Int16Array(samples);
  for (let i = 0; i < samples; i++) {
    const t = i / 8000;
    pcm[i] = Math.round(6000 * Math.sin(2 * Math.PI * 220 * t) * (0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t)));
  }
  return encodeMulaw(pcm);
}
