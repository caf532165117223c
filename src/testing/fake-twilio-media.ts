/**
 * A fake Twilio Media Streams client (Node, `ws`): connects to a bridge exactly as Twilio does
 * (signed upgrade, `connected`, `start`, 20 ms `media` frames, `dtmf`, `stop`) and simulates
 * Twilio's playback of what the bridge sends: outbound audio is queued and played at 8 bytes/ms,
 * marks are echoed when playback reaches them, and `clear` drops queued audio and echoes every
 * pending mark at once.
 *
 * Time is a virtual stream clock advanced 20 ms per frame tick. In real-time mode ticks follow the
 * wall clock (and silence is streamed between `play` calls, as Twilio always sends frames); in
 * accelerated mode ticks happen only as the client sends frames, as fast as the socket drains, so
 * playback stays in step with the caller's audio however fast the test runs.
 *
 * @module
 */

import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { type Disposable, EventSource } from '../core/disposable.js';
import { messageText } from '../realtime/socket.js';
import {
  formatTwilioMessage,
  MULAW_SILENCE,
  parseTwilioOutbound,
  TWILIO_FRAME_BYTES,
  TWILIO_FRAME_MS,
  type TwilioInboundMessage,
} from '../realtime/twilio-media.js';
import { TwilioSigner } from '../telephony/signature.js';
import { FramePacer, type TickResult, TwilioPlaybackBuffer, Waiters } from './fake-twilio-media-clock.js';
import { framesOf } from './speech-audio.js';

/**
 * Options of {@link FakeTwilioMediaClient.connect}.
 *
 * @example
 * ```ts
 * import { FAKE_AUTH_TOKEN, type FakeTwilioMediaOptions } from 'steadycall/testing';
 *
 * const options: FakeTwilioMediaOptions = {
 *   url: `ws://127.0.0.1:${port}/media`,
 *   signature: { authToken: FAKE_AUTH_TOKEN, url: 'wss://voice.example.com/media' },
 *   customParameters: { callId: 'call_1', token },
 * };
 * ```
 */
export interface FakeTwilioMediaOptions {
  /** Where the bridge listens, e.g. `ws://127.0.0.1:PORT/media`. */
  url: string;
  /**
   * Sign the upgrade: `X-Twilio-Signature` over the public `wss://` URL Twilio would have dialled.
   * Default: unsigned.
   */
  signature?: {
    /** The account's auth token to sign with. */
    authToken: string;
    /** The URL to sign: the `<Stream url>` of the TwiML, as Twilio saw it. */
    url: string;
  };
  /** Extra upgrade headers (e.g. a forged signature for negative tests). */
  headers?: Record<string, string>;
  /** `accountSid` of the `start` message. Default: a random `AC...` SID. */
  accountSid?: string;
  /** `callSid` of the `start` message. Default: a random `CA...` SID. */
  callSid?: string;
  /** The stream's SID, in every message. Default: a random `MZ...` SID. */
  streamSid?: string;
  /** `<Parameter>` values, delivered in `start.customParameters`. */
  customParameters?: Record<string, string>;
  /** Pace frames at 20 ms of wall time (true) or as fast as the socket drains (false, default). */
  realtime?: boolean;
  /** Send silence frames while idle, as Twilio does (default true). */
  silenceWhenIdle?: boolean;
  /** Handshake deadline (default 5000 ms). */
  connectTimeoutMs?: number;
}

/**
 * One `media` message the bridge sent to the fake Twilio.
 *
 * @example
 * ```ts
 * import type { ReceivedMedia } from 'steadycall/testing';
 *
 * const first: ReceivedMedia | undefined = twilio.received.media[0];
 * console.log(`first model audio at ${first?.atMs} ms of the stream`);
 * ```
 */
export interface ReceivedMedia {
  /** The decoded mu-law payload. */
  bytes: Uint8Array;
  /** Stream clock when it arrived. */
  atMs: number;
}
/**
 * A mark the fake Twilio echoed back to the bridge: when playback reached it, or at once on `clear`.
 *
 * @example
 * ```ts
 * import type { EchoedMark } from 'steadycall/testing';
 *
 * const heard: EchoedMark[] = twilio.echoed.filter((m) => !m.cleared);
 * ```
 */
export interface EchoedMark {
  /** The mark's name, as the bridge sent it. */
  name: string;
  /** Stream clock when it was echoed. */
  atMs: number;
  /** True when echoed because of a `clear` (its audio was dropped, not played). */
  cleared: boolean;
}
/**
 * A `clear` the bridge sent (barge-in): what it threw away.
 *
 * @example
 * ```ts
 * import type { ReceivedClear } from 'steadycall/testing';
 *
 * const [clear]: ReceivedClear[] = twilio.received.clears;
 * expect(clear?.droppedBytes).toBeGreaterThan(0); // the caller did not hear the rest
 * ```
 */
export interface ReceivedClear {
  /** Stream clock when it arrived. */
  atMs: number;
  /** Queued audio thrown away. */
  droppedBytes: number;
  /** Pending marks echoed by this clear. */
  marksEchoed: number;
}

/**
 * What happened on the stream, in order, as {@link FakeTwilioMediaClient.onEvent} reports it.
 *
 * @example
 * ```ts
 * import type { FakeTwilioMediaEvent } from 'steadycall/testing';
 *
 * const log: FakeTwilioMediaEvent[] = [];
 * const subscription = twilio.onEvent((event) => log.push(event));
 * // ... later: log.filter((e) => e.type === 'clear')
 * subscription.dispose();
 * ```
 */
export type FakeTwilioMediaEvent =
  | ({
      /** The bridge sent audio. */
      type: 'media';
    } & ReceivedMedia)
  | {
      /** The bridge sent a mark. */
      type: 'mark';
      /** The mark's name. */
      name: string;
      /** Stream clock when it arrived. */
      atMs: number;
    }
  | ({
      /** The bridge sent `clear`. */
      type: 'clear';
    } & ReceivedClear)
  | ({
      /** The fake echoed a mark back. */
      type: 'echo';
    } & EchoedMark)
  | {
      /** The socket closed. */
      type: 'closed';
      /** WebSocket close code. */
      code: number;
      /** WebSocket close reason. */
      reason: string;
    };

/**
 * Thrown by {@link FakeTwilioMediaClient.connect}, with the Twilio error the real thing would log.
 *
 * @example
 * ```ts
 * import { FakeTwilioMediaClient } from 'steadycall/testing';
 *
 * await expect(FakeTwilioMediaClient.connect({ url, headers: { 'X-Twilio-Signature': 'forged' } }))
 *   .rejects.toMatchObject({ twilioErrorCode: 31920, status: 403 });
 * ```
 */
export class FakeTwilioMediaConnectError extends Error {
  /** Always `'FakeTwilioMediaConnectError'`. */
  override readonly name = 'FakeTwilioMediaConnectError';
  constructor(
    message: string,
    /** 31920 handshake answered with non-101, 31902 refused, 31901 timed out. */
    readonly twilioErrorCode: 31901 | 31902 | 31920,
    /** The HTTP status the bridge answered the upgrade with (31920 only). */
    readonly status?: number,
  ) {
    super(message);
  }
}

const sid = (prefix: string) => prefix + randomUUID().replaceAll('-', '');
/** A message Twilio numbers: the client fills in `sequenceNumber` and `streamSid`. */
type Numbered = TwilioInboundMessage extends infer M
  ? M extends { sequenceNumber: string }
    ? Omit<M, 'sequenceNumber' | 'streamSid'>
    : never
  : never;

/**
 * Connects to a media-stream bridge like Twilio and plays a caller into it.
 *
 * @example
 * ```ts
 * import { FAKE_AUTH_TOKEN, FakeTwilioMediaClient, script } from 'steadycall/testing';
 *
 * const twilio = await FakeTwilioMediaClient.connect({
 *   url: `ws://127.0.0.1:${port}/media`,
 *   signature: { authToken: FAKE_AUTH_TOKEN, url: 'wss://voice.example.com/media' },
 *   customParameters: { callId: 'call_1', token },
 * });
 * await twilio.play(script([{ speak: 1200 }, { pause: 800 }]));
 * await twilio.waitFor((t) => t.echoed.length > 0, 5000);
 * await twilio.idle(2000); // let the answer play out
 * await twilio.stop();
 * ```
 */
export class FakeTwilioMediaClient {
  /** `accountSid` of the `start` message (from the options, or random). */
  readonly accountSid: string;
  /** `callSid` of the `start` message (from the options, or random). */
  readonly callSid: string;
  /** The stream's SID (from the options, or random); the bridge must answer with it. */
  readonly streamSid: string;
  /** True when frames are paced by the wall clock, false when accelerated. */
  readonly realtime: boolean;
  /** Everything the bridge sent, by kind, stamped with the stream clock. */
  readonly received = {
    /** `media` messages: the model's audio. */
    media: [] as ReceivedMedia[],
    /** `mark` messages, as sent (see {@link echoed} for when they played). */
    marks: [] as {
      /** The mark's name. */
      name: string;
      /** Stream clock when it arrived. */
      atMs: number;
    }[],
    /** `clear` messages (barge-in). */
    clears: [] as ReceivedClear[],
  };
  /** Marks echoed back to the bridge, in order. */
  readonly echoed: EchoedMark[] = [];
  /** Frames the real Twilio would reject or warn about (binary frames, bad JSON, wrong streamSid). */
  readonly protocolErrors: string[] = [];
  /** Digits sent with {@link dtmf}, in order. */
  readonly dtmfSent: string[] = [];
  /** `media` frames sent to the bridge so far (speech and idle silence). */
  framesSent = 0;
  /** How the socket closed; `undefined` while open. */
  closeInfo:
    | {
        /** WebSocket close code. */
        code: number;
        /** WebSocket close reason. */
        reason: string;
      }
    | undefined;

  readonly #ws: WebSocket;
  readonly #options: FakeTwilioMediaOptions;
  readonly #events = new EventSource<FakeTwilioMediaEvent>();
  readonly #pacer: FramePacer;
  readonly #waiters = new Waiters();
  readonly #closed: Promise<void>;
  readonly #playback = new TwilioPlaybackBuffer((name, cleared) => this.#echo(name, cleared));
  #clock = 0;
  #sequence = 0;
  #chunk = 0;

  private constructor(ws: WebSocket, options: FakeTwilioMediaOptions) {
    this.#ws = ws;
    this.#options = options;
    this.accountSid = options.accountSid ?? sid('AC');
    this.callSid = options.callSid ?? sid('CA');
    this.streamSid = options.streamSid ?? sid('MZ');
    this.realtime = options.realtime ?? false;
    const silent = options.silenceWhenIdle ?? true;
    this.#pacer = new FramePacer({
      realtime: this.realtime,
      tick: (frame) => this.#tick(frame),
      idleFrame: () => (silent ? new Uint8Array(TWILIO_FRAME_BYTES).fill(MULAW_SILENCE) : null),
    });
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('error', (error) => this.protocolErrors.push(`socket error: ${error.message}`));
    this.#closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        this.#onClose(code, reason.toString());
        resolve();
      });
    });
  }

  /**
   * Opens the socket (signed like Twilio when `signature` is given), then sends `connected` and
   * `start`. Rejects with {@link FakeTwilioMediaConnectError} if the bridge refuses the upgrade.
   */
  static async connect(options: FakeTwilioMediaOptions): Promise<FakeTwilioMediaClient> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.signature) {
      const signer = new TwilioSigner(options.signature.authToken);
      headers['X-Twilio-Signature'] = await signer.sign(options.signature.url, {});
    }
    const ws = new WebSocket(options.url, { headers, perMessageDeflate: false });
    const client = new FakeTwilioMediaClient(ws, options);
    await client.#handshake(options.connectTimeoutMs ?? 5000);
    client.#sendStart();
    client.#pacer.start();
    return client;
  }

  /** Resolves once the socket is open; on failure waits for it to be fully closed, then rejects. */
  #handshake(timeoutMs: number): Promise<void> {
    const ws = this.#ws;
    return new Promise((resolve, reject) => {
      let failure: FakeTwilioMediaConnectError | undefined;
      const abort = (error: FakeTwilioMediaConnectError) => {
        failure ??= error;
        ws.terminate();
      };
      const timer = setTimeout(
        () => abort(new FakeTwilioMediaConnectError('handshake timed out', 31901)),
        timeoutMs,
      );
      ws.once('upgrade', () => clearTimeout(timer));
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        abort(new FakeTwilioMediaConnectError(`bridge answered the upgrade with ${status}`, 31920, status));
      });
      ws.once('error', (error) => {
        failure ??= new FakeTwilioMediaConnectError(`connection failed: ${error.message}`, 31902);
      });
      void this.#closed.then(() => {
        clearTimeout(timer);
        reject(failure ?? new FakeTwilioMediaConnectError('closed during the handshake', 31902));
      });
    });
  }

  #sendStart(): void {
    this.#send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    const start = {
      streamSid: this.streamSid,
      accountSid: this.accountSid,
      callSid: this.callSid,
      tracks: ['inbound'],
      customParameters: { ...this.#options.customParameters },
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
    };
    this.#sendNumbered({ event: 'start', start });
  }

  /** True while the socket is open. */
  get isOpen(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** Stream clock in ms: 20 per frame tick. */
  get clockMs(): number {
    return this.#clock;
  }

  /** Outbound audio queued but not yet played, in ms. */
  get queuedMs(): number {
    return this.#playback.queuedMs(this.#clock);
  }

  /** Names of marks waiting for their audio to play. */
  get pendingMarks(): string[] {
    return this.#playback.pendingMarks;
  }

  /** The mu-law audio actually played to the caller so far (not what was cleared or still queued). */
  played(): Uint8Array {
    return this.#playback.played();
  }

  /** Subscribes to stream events (media, marks, clears, echoes, close). */
  onEvent(listener: (event: FakeTwilioMediaEvent) => void): Disposable {
    return this.#events.on(listener);
  }

  /**
   * Streams mu-law audio as 20 ms `media` frames after anything already queued. Resolves with the
   * number of frames sent once the last is out (fewer if the socket closed first).
   */
  play(mulaw: Uint8Array): Promise<number> {
    return this.#pacer.enqueue(framesOf(mulaw, TWILIO_FRAME_BYTES));
  }

  /** The caller says nothing for `ms`: silence frames (or none, see `silenceWhenIdle`) while playback runs. */
  async idle(ms: number): Promise<void> {
    const count = Math.ceil(ms / TWILIO_FRAME_MS);
    await this.#pacer.enqueue(Array.from({ length: count }, () => this.#pacer.idleFrame()));
  }

  /**
   * Idles 20 ms at a time until `predicate` holds or `maxMs` of stream time passed; returns whether
   * it held. `drainPlayback` is this with "nothing queued, no mark pending".
   */
  async idleUntil(predicate: (client: this) => boolean, maxMs = 60_000): Promise<boolean> {
    for (let waited = 0; !predicate(this); waited += TWILIO_FRAME_MS) {
      if (waited >= maxMs || !this.isOpen) return predicate(this);
      await this.#pacer.enqueue([this.#pacer.idleFrame()]);
    }
    return true;
  }

  /** Lets queued outbound audio play out (bounded by `maxMs` of stream time). */
  drainPlayback(maxMs = 60_000): Promise<boolean> {
    return this.idleUntil(() => this.#playback.isEmpty, maxMs);
  }

  /** The caller presses a key: a `dtmf` message, sent now. */
  dtmf(digit: string): void {
    this.dtmfSent.push(digit);
    this.#sendNumbered({ event: 'dtmf', dtmf: { track: 'inbound_track', digit } });
  }

  /** Resolves when `predicate` holds (checked on every event and tick); rejects on timeout or close. */
  waitFor(predicate: (client: this) => boolean, timeoutMs = 5000): Promise<void> {
    return this.#waiters.wait(() => predicate(this), timeoutMs, this.closeInfo !== undefined);
  }

  /** The call ends: unsent frames are dropped, `stop` is sent, and the socket closed. */
  async stop(): Promise<void> {
    this.#pacer.stop();
    this.#sendNumbered({ event: 'stop', stop: { accountSid: this.accountSid, callSid: this.callSid } });
    await this.close();
  }

  /** Closes the socket (terminating it if the bridge does not answer) and releases every timer. */
  async close(): Promise<void> {
    this.#pacer.stop();
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.close(1000, 'call ended');
    else if (this.#ws.readyState === WebSocket.CONNECTING) this.#ws.terminate();
    const force = setTimeout(() => this.#ws.terminate(), 1000);
    await this.#closed;
    clearTimeout(force);
  }

  // --- sending ---------------------------------------------------------------------------------

  /** Sends a message; resolves once it has been written to the socket (or at once if it is closed). */
  #send(message: TwilioInboundMessage): Promise<void> {
    if (this.#ws.readyState !== WebSocket.OPEN) return Promise.resolve();
    return new Promise((resolve) => this.#ws.send(formatTwilioMessage(message), () => resolve()));
  }

  /** Every message after `connected` carries the next sequence number and the stream sid. */
  #sendNumbered(message: Numbered): Promise<void> {
    if (this.#ws.readyState !== WebSocket.OPEN) return Promise.resolve();
    const numbered = { ...message, sequenceNumber: String(++this.#sequence), streamSid: this.streamSid };
    return this.#send(numbered as TwilioInboundMessage);
  }

  /** One 20 ms step: send the frame (if any), advance the clock, play what is due. */
  #tick(frame: Uint8Array | null): TickResult {
    let drained = Promise.resolve();
    const sent = frame !== null && this.isOpen;
    if (sent) {
      this.framesSent++;
      const chunk = String(++this.#chunk);
      const media = { track: 'inbound' as const, chunk, timestamp: String(this.#clock), payload: frame };
      drained = this.#sendNumbered({ event: 'media', media });
    }
    this.#clock += TWILIO_FRAME_MS;
    this.#playback.advance(this.#clock);
    this.#notify();
    return { sent, drained };
  }

  // --- receiving and playback ------------------------------------------------------------------

  #onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    const text = isBinary ? null : messageText(data);
    if (text === null) {
      this.protocolErrors.push('binary frame (Twilio warning 31950 Malformed Message)');
      return;
    }
    const parsed = parseTwilioOutbound(text);
    if (!parsed.ok) {
      this.protocolErrors.push(`${parsed.reason}: ${parsed.detail}`);
      return;
    }
    const message = parsed.message;
    if (message.streamSid !== this.streamSid) {
      this.protocolErrors.push(`${message.event} for unknown streamSid ${message.streamSid}`);
      return;
    }
    const atMs = this.#clock;
    if (message.event === 'media') {
      const bytes = message.media.payload;
      this.received.media.push({ bytes, atMs });
      this.#events.emit({ type: 'media', bytes, atMs });
      if (!this.#playback.addAudio(bytes, atMs)) {
        this.protocolErrors.push('over 10 minutes of audio queued (Twilio warning 31931): media dropped');
      }
    } else if (message.event === 'mark') {
      const name = message.mark.name;
      this.received.marks.push({ name, atMs });
      this.#events.emit({ type: 'mark', name, atMs });
      this.#playback.addMark(name, atMs);
    } else {
      const clear = { atMs, ...this.#playback.clear(atMs) };
      this.received.clears.push(clear);
      this.#events.emit({ type: 'clear', ...clear });
    }
    this.#notify();
  }

  #echo(name: string, cleared: boolean): void {
    const echo = { name, atMs: this.#clock, cleared };
    this.echoed.push(echo);
    this.#sendNumbered({ event: 'mark', mark: { name } });
    this.#events.emit({ type: 'echo', ...echo });
  }

  #onClose(code: number, reason: string): void {
    this.closeInfo = { code, reason };
    this.#pacer.stop();
    this.#events.emit({ type: 'closed', code, reason });
    this.#notify();
  }

  #notify(): void {
    this.#waiters.check(this.closeInfo !== undefined);
  }
}
