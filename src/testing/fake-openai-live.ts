/**
 * A fake OpenAI Live API (GPT-Live) server on loopback, for tests and offline demos (Node only).
 *
 * @module
 */

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { EnergyVadOptions } from './energy-vad.js';
import { FakeLiveConnection, type FakeLiveHost } from './fake-openai-live-connection.js';
import { closeUpgradeServer, listenLoopback } from './loopback.js';
import { speechLike } from './speech-audio.js';

/**
 * The key {@link FakeOpenAILiveServer} accepts unless told otherwise.
 *
 * @example
 * ```ts
 * import { OpenAiLiveSession } from 'steadycall';
 * import { wsSocketFactory } from 'steadycall/node';
 * import { FAKE_OPENAI_API_KEY, FakeOpenAILiveServer } from 'steadycall/testing';
 *
 * const fake = await FakeOpenAILiveServer.start();
 * const session = new OpenAiLiveSession({
 *   apiKey: FAKE_OPENAI_API_KEY, url: fake.url, socketFactory: wsSocketFactory(),
 * });
 * ```
 */
export const FAKE_OPENAI_API_KEY = 'sk-fake-live-0123456789abcdefTESTKEY';
/**
 * The path the fake serves (the real one: `wss://api.openai.com/v1/live/sessions`).
 *
 * @example
 * ```ts
 * import { FAKE_OPENAI_LIVE_PATH } from 'steadycall/testing';
 *
 * expect(new URL(fake.url).pathname).toBe(FAKE_OPENAI_LIVE_PATH);
 * ```
 */
export const FAKE_OPENAI_LIVE_PATH = '/v1/live/sessions';

/**
 * A tool call the fake makes on a caller turn, through Responses delegation.
 *
 * @example
 * ```ts
 * import { FakeOpenAILiveServer, type FakeLiveToolDemo } from 'steadycall/testing';
 *
 * const lookup: FakeLiveToolDemo = { callOnTurn: 2, name: 'lookup_order', arguments: { orderId: '42' } };
 * const fake = await FakeOpenAILiveServer.start({ tools: lookup, accelerated: true });
 * // after the second caller turn: fake.lastSession?.delegations, then .toolOutputs
 * ```
 */
export interface FakeLiveToolDemo {
  /** 1-based caller turn (counted at each end of caller speech). Default 1. */
  callOnTurn?: number;
  /** Must be a function tool declared in `session.start` (Responses delegation), as for the real model. */
  name: string;
  /** Object (sent as JSON) or a raw string (e.g. invalid JSON, to test the client). Default `{}`. */
  arguments?: unknown;
}

/**
 * Options of {@link FakeOpenAILiveServer.start}.
 *
 * @example
 * ```ts
 * import { FakeOpenAILiveServer, type FakeOpenAILiveOptions } from 'steadycall/testing';
 *
 * const options: FakeOpenAILiveOptions = { accelerated: true, responseAudioMs: 600, voiceText: 'Booked!' };
 * const fake = await FakeOpenAILiveServer.start(options);
 * ```
 */
export interface FakeOpenAILiveOptions {
  /** Default 0: any free port on 127.0.0.1. */
  port?: number;
  /** The only bearer key accepted. Default {@link FAKE_OPENAI_API_KEY}. */
  apiKey?: string;
  /** Length of each spoken answer. Default 1200 ms (60 deltas of 20 ms). */
  responseAudioMs?: number;
  /** Transcript of each spoken answer. Default 'Sure, I can help with that.' */
  voiceText?: string;
  /**
   * Words emitted as `session.input_transcript.delta` while the caller speaks (one per 200 ms).
   * Default 'I would like to book a table for two tonight'.
   */
  callerText?: string;
  /** A tool call to make on a caller turn. Default: none. */
  tools?: FakeLiveToolDemo;
  /** Send audio deltas back to back instead of every 20 ms (real time). Default false. */
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
 * import type { FakeLiveReceivedEvent } from 'steadycall/testing';
 *
 * const events: FakeLiveReceivedEvent[] = fake.lastSession?.events ?? [];
 * expect(events[0]?.type).toBe('session.start');
 * ```
 */
export interface FakeLiveReceivedEvent {
  /** The event's `type`, e.g. `session.start`. */
  type: string;
  /** The whole event as parsed. */
  event: Record<string, unknown>;
}

/**
 * Everything one connection did, for assertions.
 *
 * @example
 * ```ts
 * import type { FakeLiveSessionRecord } from 'steadycall/testing';
 *
 * const record: FakeLiveSessionRecord | undefined = fake.lastSession;
 * expect(record?.turns).toBe(1);
 * expect(record?.responses.at(-1)).toMatchObject({ kind: 'answer', status: 'done' });
 * ```
 */
export interface FakeLiveSessionRecord {
  /** The session id the fake sent in `session.started` (`live_fake_<n>`). */
  readonly id: string;
  /** Upgrade request headers, `authorization` removed. */
  readonly headers: Record<string, string | string[] | undefined>;
  /** The accepted `session.start` configuration. */
  start: Record<string, unknown> | null;
  /** Every client event received, in order. */
  readonly events: FakeLiveReceivedEvent[];
  /** Audio appended before `session.started` (ignored, like the real server). */
  appendsBeforeStart: number;
  /** Caller audio received, in bytes of mu-law. */
  audioBytes: number;
  /** The caller audio chunks received, in order (empty when `recordAudio` is false). */
  readonly audioChunks: Uint8Array[];
  /** Caller turns: ends of caller speech. */
  turns: number;
  /** Answers cut short because the caller spoke. */
  interruptions: number;
  /** Every spoken response, in order. */
  readonly responses: {
    /** The response's id. */
    id: string;
    /** Commentary (e.g. a greeting), an answer to a caller turn, or speech after a tool result. */
    kind: 'commentary' | 'answer' | 'tool_result';
    /** Its transcript. */
    text: string;
    /** Still speaking, finished, interrupted by the caller, or cut short by the session ending. */
    status: 'speaking' | 'done' | 'interrupted' | 'cut';
    /** Audio sent for it, in bytes of mu-law. */
    audioBytes: number;
  }[];
  /** Commentary texts the client asked the model to speak, in order. */
  readonly commentary: string[];
  /** Tool calls delegated to the client, in order. */
  readonly delegations: {
    /** The delegation's id. */
    id: string;
    /** The function call's id, which the output must carry. */
    callId: string;
    /** The tool's name. */
    name: string;
  }[];
  /** Tool outputs the client sent back, in order. */
  readonly toolOutputs: {
    /** The function call answered. */
    callId: string;
    /** The output, as sent. */
    output: string;
  }[];
  /** `response.create` events received. */
  responseCreates: number;
  /** `error` events sent to the client. */
  readonly errors: {
    /** The error code, e.g. `invalid_session_start` or `unknown_event`. */
    code: string;
    /** The error message. */
    message: string;
  }[];
  /** The `session.closed` reason sent, if any. */
  closedReason: string | null;
  /** True once the connection ended. */
  closed: boolean;
}

/**
 * A fake OpenAI Live API server on 127.0.0.1 (`ws` at `/v1/live/sessions`). It checks the bearer
 * key (401 on upgrade) and refuses query strings; requires `session.start` with `audio/pcmu` at
 * 8000 first; hears the caller through an energy VAD, stops its own audio when the caller speaks
 * (as the real model does), emits caller and answer transcripts, answers each turn with generated
 * speech-like audio, speaks commentary (greetings), and can demo a tool call through delegation.
 *
 * @example
 * ```ts
 * import { OpenAiLiveSession } from 'steadycall';
 * import { wsSocketFactory } from 'steadycall/node';
 * import { FAKE_OPENAI_API_KEY, FakeOpenAILiveServer } from 'steadycall/testing';
 *
 * const fake = await FakeOpenAILiveServer.start({ accelerated: true });
 * const session = new OpenAiLiveSession({
 *   apiKey: FAKE_OPENAI_API_KEY, url: fake.url, socketFactory: wsSocketFactory(),
 * });
 * await session.connect();
 * // ... append speech then silence; audio events follow
 * await session.close();
 * await fake.close();
 * ```
 */
export class FakeOpenAILiveServer {
  /** Every connection accepted, in order. */
  readonly sessions: FakeLiveSessionRecord[] = [];
  /** Upgrades refused (wrong key, path, query string). */
  readonly rejectedUpgrades: {
    /** The HTTP status answered (401, 404, 400, 503). */
    status: number;
    /** The path requested. */
    path: string;
  }[] = [];
  readonly #server: Server;
  readonly #wss: WebSocketServer;
  readonly #options: FakeOpenAILiveOptions;
  readonly #connections = new Set<FakeLiveConnection>();
  readonly #host: FakeLiveHost;
  #port = 0;
  #stalled = false;
  #handshakeFault: string | null | undefined;
  #closing: Promise<void> | undefined;

  private constructor(options: FakeOpenAILiveOptions) {
    this.#options = options;
    this.#host = {
      responseAudio: speechLike({ durationMs: Math.max(20, options.responseAudioMs ?? 1200), seed: 42 }),
      voiceText: options.voiceText ?? 'Sure, I can help with that.',
      callerText: options.callerText ?? 'I would like to book a table for two tonight',
      tools: options.tools,
      accelerated: options.accelerated ?? false,
      vad: options.vad ?? {},
      recordAudio: options.recordAudio ?? true,
      stalled: () => this.#stalled,
      handshakeFault: () => this.#handshakeFault,
    };
    this.#wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    this.#server = createServer((_req, res) => {
      res.writeHead(404).end();
    });
    this.#server.on('upgrade', (req, socket, head) => this.#upgrade(req, socket, head));
  }

  /** Starts listening on 127.0.0.1 (port 0 = any free port). */
  static async start(options: FakeOpenAILiveOptions = {}): Promise<FakeOpenAILiveServer> {
    const fake = new FakeOpenAILiveServer(options);
    fake.#port = await listenLoopback(fake.#server, options.port);
    return fake;
  }

  /** The port it listens on. */
  get port(): number {
    return this.#port;
  }

  /** `ws://127.0.0.1:<port>/v1/live/sessions`: pass it as the session's `url`. */
  get url(): string {
    return `ws://127.0.0.1:${this.#port}${FAKE_OPENAI_LIVE_PATH}`;
  }

  /** `http://127.0.0.1:<port>/v1`: the `baseURL` for the official `openai` client. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.#port}/v1`;
  }

  /** The most recent connection's record. */
  get lastSession(): FakeLiveSessionRecord | undefined {
    return this.sessions.at(-1);
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Stop sending anything (deltas, transcripts, acknowledgements) until {@link resume}; sockets stay open. */
  stall(): void {
    this.#stalled = true;
  }

  /** Undo {@link stall} and {@link failHandshake}. */
  resume(): void {
    this.#stalled = false;
    this.#handshakeFault = undefined;
  }

  /** Terminate every connection without `session.closed` (the client sees 1006). */
  drop(): void {
    for (const client of this.#wss.clients) client.terminate();
  }

  /** End every session with `session.closed {reason: 'expired'}` (the duration limit), then close. */
  expire(): void {
    for (const connection of this.#connections) connection.endSession('expired');
  }

  /**
   * Fail later handshakes until {@link resume}: with an error `code`, `session.start` is answered
   * by an `error` event and a close; with no code, it is never answered (a hung server).
   */
  failHandshake(code?: string): void {
    this.#handshakeFault = code ?? null;
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

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake-openai.invalid');
    const expected = this.#options.apiKey ?? FAKE_OPENAI_API_KEY;
    const refusal = this.#closing
      ? 503
      : url.pathname !== FAKE_OPENAI_LIVE_PATH
        ? 404
        : url.search !== '' // the model belongs in session.start: the Live API takes no query at all
          ? 400
          : req.headers.authorization !== `Bearer ${expected}`
            ? 401
            : 0;
    if (refusal !== 0) {
      this.#refuse(socket, refusal, url.pathname);
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const { authorization: _omitted, ...headers } = req.headers;
      const record: FakeLiveSessionRecord = {
        id: `live_fake_${this.sessions.length + 1}`,
        headers,
        start: null,
        events: [],
        appendsBeforeStart: 0,
        audioBytes: 0,
        audioChunks: [],
        turns: 0,
        interruptions: 0,
        responses: [],
        commentary: [],
        delegations: [],
        toolOutputs: [],
        responseCreates: 0,
        errors: [],
        closedReason: null,
        closed: false,
      };
      this.sessions.push(record);
      const connection = new FakeLiveConnection(ws, this.#host, record);
      this.#connections.add(connection);
      ws.on('close', () => this.#connections.delete(connection));
    });
  }

  #refuse(socket: Duplex, status: number, path: string): void {
    this.rejectedUpgrades.push({ status, path });
    const error =
      status === 401
        ? { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided' }
        : { type: 'invalid_request_error', code: null, message: `HTTP ${status}` };
    const body = JSON.stringify({ error });
    socket.end(
      `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Error'}\r\nConnection: close\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
}
