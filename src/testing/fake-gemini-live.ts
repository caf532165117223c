/**
 * A loopback stand-in for Gemini Live's `BidiGenerateContent` WebSocket, for tests and offline demos
 * (Node only), good enough for the real `@google/genai` client pointed at it with
 * `httpOptions.baseUrl`. It checks the key (header or query), answers `setup` with `setupComplete`,
 * detects the caller's turns from the energy of the 16 kHz PCM it receives, answers with 24 kHz PCM16
 * audio and transcripts, interrupts itself when the caller barges in, runs a tool round trip on a
 * configured turn, issues resumption handles and accepts them back, and can send `goAway`, stall or drop.
 *
 * @module
 */

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { EnergyVadOptions } from './energy-vad.js';
import { type Conversation, FakeGeminiConnection } from './fake-gemini-live-connection.js';
import { closeUpgradeServer, listenLoopback } from './loopback.js';

/**
 * A turn on which the fake answers with a function call (and speaks after the tool response).
 *
 * @example
 * ```ts
 * import { FakeGeminiLiveServer, type FakeGeminiToolTurn } from 'steadycall/testing';
 *
 * const lookup: FakeGeminiToolTurn = { turn: 1, name: 'lookup_order', args: { orderId: '42' } };
 * const fake = await FakeGeminiLiveServer.start({ tools: [lookup], accelerated: true });
 * // after the first caller turn: fake.lastSession?.toolCalls, then .toolResponses
 * ```
 */
export interface FakeGeminiToolTurn {
  /** 1-based caller turn of the conversation (resumed connections continue the count). */
  turn: number;
  /** Must be declared in `setup.tools`, as the real model would. */
  name: string;
  /** The call's arguments. Default `{}`. */
  args?: Record<string, unknown>;
}

/**
 * Options of {@link FakeGeminiLiveServer.start}.
 *
 * @example
 * ```ts
 * import { FakeGeminiLiveServer, type FakeGeminiLiveOptions } from 'steadycall/testing';
 *
 * const options: FakeGeminiLiveOptions = { apiKey: 'test-key', accelerated: true, voiceActivity: false };
 * const fake = await FakeGeminiLiveServer.start(options);
 * ```
 */
export interface FakeGeminiLiveOptions {
  /** Default 0: any free port on 127.0.0.1. */
  port?: number;
  /** The key it accepts. Default: any non-empty key. */
  apiKey?: string;
  /** Length of each spoken answer. Default 1200 ms. */
  responseAudioMs?: number;
  /** Audio per `modelTurn` message. Default 40 ms (1920 bytes of 24 kHz PCM16). */
  chunkMs?: number;
  /**
   * The output transcript of each answer, spread over its audio.
   * Default 'Thanks for calling. This is the fake Gemini assistant speaking.'.
   */
  voiceText?: string;
  /** Turns answered with a function call. Default: none. */
  tools?: readonly FakeGeminiToolTurn[];
  /** Send answers as fast as possible (like the real server) instead of in real time. Default false. */
  accelerated?: boolean;
  /** Energy VAD tuning (frames are 20 ms). Default: the {@link EnergyVad} defaults. */
  vad?: EnergyVadOptions;
  /** Send `voiceActivity` start/end messages at the caller's speech edges. Default true. */
  voiceActivity?: boolean;
  /** Keep every received audio chunk (16 kHz PCM16 bytes) in the record. Default true. */
  recordAudio?: boolean;
}

/**
 * Everything one connection did, for assertions.
 *
 * @example
 * ```ts
 * import type { FakeGeminiSessionRecord } from 'steadycall/testing';
 *
 * fake.goAway();
 * // ... once the session has resumed on a new connection:
 * const [first, second]: FakeGeminiSessionRecord[] = fake.sessions;
 * expect(second?.resumedFrom).toBe(first?.handles.at(-1));
 * ```
 */
export interface FakeGeminiSessionRecord {
  /** The connection's id (`conn_<n>`). */
  readonly id: string;
  /** Request path (the SDK's has a double slash: `//ws/google.ai…BidiGenerateContent`). */
  readonly path: string;
  /** Where the key came from. */
  readonly keySource: 'header' | 'query' | null;
  /** Upgrade request headers, `x-goog-api-key` removed. */
  readonly headers: Record<string, string | string[] | undefined>;
  /** The `setup` message's body, once received. */
  setup: Record<string, unknown> | undefined;
  /** The resumption handle the client came back with, if any. */
  resumedFrom: string | undefined;
  /** Every client message except `realtimeInput` audio (counted in `audioBytes`). */
  readonly messages: Record<string, unknown>[];
  /** The body of every `clientContent` message (e.g. replayed conversation turns), in order. */
  readonly clientContents: Record<string, unknown>[];
  /** Caller audio received, in bytes of 16 kHz PCM16. */
  audioBytes: number;
  /** The caller audio chunks received, in order (empty when `recordAudio` is false). */
  readonly audioChunks: Uint8Array[];
  /** Audio chunks with another mime type than `audio/pcm;rate=16000` (not fed to the VAD). */
  otherAudioChunks: number;
  /** Every spoken answer, in order. */
  readonly answers: {
    /** The caller turn it answers. */
    turn: number;
    /** Still speaking, finished (`turnComplete`), or interrupted by the caller. */
    status: 'speaking' | 'completed' | 'interrupted';
    /** Audio sent for it, in bytes of 24 kHz PCM16. */
    audioBytes: number;
  }[];
  /** Every `toolCall` function call sent to the client, in order. */
  readonly toolCalls: {
    /** The call's id, which the response must carry. */
    id: string;
    /** The tool's name. */
    name: string;
    /** The call's arguments. */
    args: Record<string, unknown>;
  }[];
  /** Every function response the client sent back (`toolResponse`), in order. */
  readonly toolResponses: {
    /** The call id it names. */
    id: string;
    /** The tool name it names. */
    name: string;
    /** The response, as sent. */
    response: unknown;
    /** True when it answers the call the fake is waiting for. */
    matched: boolean;
  }[];
  /** Resumption handles issued on this connection. */
  readonly handles: string[];
  /** `goAway` messages sent on this connection. */
  goAways: number;
  /** True once the connection ended. */
  closed: boolean;
  /** Close code the fake sent, if it closed the connection itself. */
  closeCode: number | undefined;
}

const DEFAULT_TEXT = 'Thanks for calling. This is the fake Gemini assistant speaking.';

/**
 * A fake Gemini Live server on 127.0.0.1.
 *
 * @example
 * ```ts
 * import { GeminiLiveSession } from 'steadycall';
 * import { FakeGeminiLiveServer } from 'steadycall/testing';
 *
 * const fake = await FakeGeminiLiveServer.start({ apiKey: 'test-key', accelerated: true });
 * const session = new GeminiLiveSession({ apiKey: 'test-key', baseUrl: fake.baseUrl });
 * await session.connect();
 * fake.goAway(); // the session resumes on a new connection
 * await fake.close();
 * ```
 */
export class FakeGeminiLiveServer {
  /** Every connection accepted, in order. */
  readonly sessions: FakeGeminiSessionRecord[] = [];
  /** Upgrades refused (path, or `failHandshake`). */
  readonly rejectedUpgrades: {
    /** The HTTP status answered (404, 503 or the `failHandshake` status). */
    status: number;
    /** The path requested. */
    path: string;
  }[] = [];
  /** Every resumption attempt, in order. */
  readonly resumptions: {
    /** The handle the client came back with. */
    handle: string;
    /** False when the handle was unknown or {@link rejectResumption} refused it. */
    accepted: boolean;
    /** The id of the connection that tried it. */
    sessionId: string;
  }[] = [];
  readonly #server: Server;
  readonly #wss: WebSocketServer;
  readonly #options: FakeGeminiLiveOptions;
  readonly #connections = new Set<FakeGeminiConnection>();
  readonly #handles = new Map<string, Conversation>();
  readonly #answerAudio: Uint8Array;
  #handleCount = 0;
  #port = 0;
  #stalled = false;
  #failHandshake: { status: number; remaining: number } | undefined;
  #rejectResumptions = 0;
  #closing: Promise<void> | undefined;

  private constructor(options: FakeGeminiLiveOptions) {
    this.#options = options;
    this.#answerAudio = answerAudio(options.responseAudioMs ?? 1200);
    this.#wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    this.#server = createServer((_req, res) => {
      res.writeHead(404).end();
    });
    this.#server.on('upgrade', (req, socket, head) => this.#upgrade(req, socket, head));
  }

  /** Starts listening on 127.0.0.1 (port 0 = any free port). */
  static async start(options: FakeGeminiLiveOptions = {}): Promise<FakeGeminiLiveServer> {
    const fake = new FakeGeminiLiveServer(options);
    fake.#port = await listenLoopback(fake.#server, options.port);
    return fake;
  }

  /** The port it listens on. */
  get port(): number {
    return this.#port;
  }

  /** `http://127.0.0.1:<port>`: pass it as `httpOptions.baseUrl` (or the session's `baseUrl`). */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** The most recent connection's record. */
  get lastSession(): FakeGeminiSessionRecord | undefined {
    return this.sessions.at(-1);
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Hold every outgoing message (handshake included) and pause answers until {@link resume}. */
  stall(): void {
    this.#stalled = true;
  }

  /** Undo {@link stall} (held messages are sent, in order), {@link failHandshake} and {@link rejectResumption}. */
  resume(): void {
    this.#stalled = false;
    this.#failHandshake = undefined;
    this.#rejectResumptions = 0;
    for (const connection of this.#connections) connection.flush();
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

  /** Close the next `times` resumption attempts with 1007, as if their handle had expired. */
  rejectResumption(times = Number.POSITIVE_INFINITY): void {
    this.#rejectResumptions = times;
  }

  /**
   * Sends `goAway { timeLeft }` to every open connection, then closes each (1011) once `timeLeftMs`
   * of real time has passed. Default 200 ms.
   */
  goAway(timeLeftMs = 200): void {
    for (const connection of this.#connections) connection.goAway(timeLeftMs);
  }

  /** Sends raw text (e.g. malformed JSON) or a message to every open connection. */
  inject(message: string | Record<string, unknown>): void {
    for (const connection of this.#connections) connection.send(message);
  }

  /** Closes every connection and the listener; releases every timer. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= closeUpgradeServer(this.#wss, this.#server, this.#connections);
    return this.#closing;
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    // Not `new URL(req.url, base)`: the SDK's path starts with `//`, which URL reads as a host.
    const [path = '/', query = ''] = (req.url ?? '/').split('?', 2);
    if (this.#closing) return this.#refuse(socket, 503, path);
    if (!/GenerativeService\.BidiGenerateContent(Constrained)?$/.test(path)) {
      return this.#refuse(socket, 404, path);
    }
    const fail = this.#failHandshake;
    if (fail && fail.remaining > 0) {
      fail.remaining--;
      return this.#refuse(socket, fail.status, path);
    }
    const params = new URLSearchParams(query);
    const header = req.headers['x-goog-api-key'];
    const fromHeader = typeof header === 'string' && header !== '' ? header : undefined;
    const fromQuery = params.get('key') ?? params.get('access_token') ?? undefined;
    const key = fromHeader ?? fromQuery;
    const expected = this.#options.apiKey;
    const keyOk = key !== undefined && key !== '' && (expected === undefined || key === expected);
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const { 'x-goog-api-key': _omitted, ...headers } = req.headers;
      const record: FakeGeminiSessionRecord = {
        id: `conn_${this.sessions.length + 1}`,
        path,
        keySource: fromHeader ? 'header' : fromQuery ? 'query' : null,
        headers,
        setup: undefined,
        resumedFrom: undefined,
        messages: [],
        clientContents: [],
        audioBytes: 0,
        audioChunks: [],
        otherAudioChunks: 0,
        answers: [],
        toolCalls: [],
        toolResponses: [],
        handles: [],
        goAways: 0,
        closed: false,
        closeCode: undefined,
      };
      this.sessions.push(record);
      const connection = new FakeGeminiConnection(ws, this.#host(), record, keyOk);
      this.#connections.add(connection);
      ws.on('close', () => this.#connections.delete(connection));
    });
  }

  #host() {
    return {
      answerAudio: this.#answerAudio,
      chunkBytes: Math.max(2, Math.round((this.#options.chunkMs ?? 40) * 48)) & ~1,
      voiceText: this.#options.voiceText ?? DEFAULT_TEXT,
      toolTurns: this.#options.tools ?? [],
      accelerated: this.#options.accelerated ?? false,
      vad: this.#options.vad ?? {},
      voiceActivity: this.#options.voiceActivity ?? true,
      recordAudio: this.#options.recordAudio ?? true,
      stalled: () => this.#stalled,
      issueHandle: (conversation: Conversation) => {
        const handle = `fake-handle-${++this.#handleCount}`;
        this.#handles.set(handle, conversation);
        return handle;
      },
      resumeWith: (handle: string, sessionId: string): Conversation | undefined => {
        const conversation = this.#rejectResumptions > 0 ? undefined : this.#handles.get(handle);
        if (this.#rejectResumptions > 0) this.#rejectResumptions--;
        this.resumptions.push({ handle, accepted: conversation !== undefined, sessionId });
        return conversation;
      },
    };
  }

  #refuse(socket: Duplex, status: number, path: string) {
    this.rejectedUpgrades.push({ status, path });
    const body = JSON.stringify({ error: { code: status, message: `HTTP ${status}` } });
    socket.end(
      `HTTP/1.1 ${status} Error\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
}

/** The spoken answer: a gently modulated 220 Hz tone, 24 kHz PCM16 little-endian, `ms` long. */
function answerAudio(ms: number): Uint8Array {
  const samples = Math.max(0, Math.round(ms)) * 24;
  const bytes = new Uint8Array(samples * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples; i++) {
    const t = i / 24_000;
    const s = 6000 * Math.sin(2 * Math.PI * 220 * t) * (0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t));
    view.setInt16(i * 2, Math.round(s), true);
  }
  return bytes;
}
