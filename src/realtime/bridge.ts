import { type Clock, systemClock, type TimerHandle } from '../core/clock.js';
import { type Disposable, EventSource } from '../core/disposable.js';
import { type Logger, silentLogger } from '../core/logger.js';
import type { AiProvider } from '../core/types.js';
import { PlaybackTracker } from './playback.js';
import type { ConversationTurn, RealtimeApi, RealtimeSession } from './session.js';
import { messageText, type SocketLike, SocketState } from './socket.js';
import {
  parseTwilioMessage,
  TWILIO_FRAME_BYTES,
  type TwilioStartMessage,
  twilioClearMessage,
  twilioMarkMessage,
  twilioMediaMessage,
} from './twilio-media.js';

/**
 * Runs a tool the model asked for; the result goes back to the model as JSON. A thrown error is
 * reported to the model as the tool's failure.
 *
 * @example
 * ```ts
 * import type { ToolHandler } from 'steadycall';
 *
 * const lookupOrder: ToolHandler = async (args, { callSid }) => {
 *   const { orderId } = args as { orderId: string };
 *   return { orderId, status: await orders.status(orderId), callSid };
 * };
 * ```
 */
export type ToolHandler = (
  args: unknown,
  context: { callSid: string; callId: string | undefined },
) => Promise<unknown>;

/**
 * Latency of one caller turn, in ms, measured on the injected clock.
 *
 * @example
 * ```ts
 * import type { TurnMetrics } from 'steadycall';
 *
 * bridge.onTurn((t: TurnMetrics) => {
 *   console.log(`turn ${t.turn}: ${t.speechEndToFirstAudioMs} ms to first audio, ${t.totalMs} ms until heard`);
 * });
 * ```
 */
export interface TurnMetrics {
  /** The turn's number in the call, from 1. */
  turn: number;
  /** End of caller speech (VAD) -> first model audio byte received. */
  speechEndToFirstAudioMs: number;
  /** First model audio byte -> Twilio confirmed the first of it played (mark echo). */
  firstAudioToPlayedMs: number | null;
  /** End of caller speech -> first model audio played: what the caller waited. */
  totalMs: number | null;
}

/**
 * What the bridge knows when a model session is lost mid-call: the argument of
 * {@link BridgeOptions.onModelLost}.
 *
 * @example
 * ```ts
 * import type { ModelLost, RealtimeSession } from 'steadycall';
 *
 * async function onModelLost(lost: ModelLost): Promise<RealtimeSession | null> {
 *   if (lost.attempt > 3) return null; // give up: the bridge ends
 *   const next = lost.provider === 'openai' ? 'gemini' : 'openai';
 *   const { session } = warmSessions.open(next, { callId, history: lost.history });
 *   return session;
 * }
 * ```
 */
export interface ModelLost {
  /** The provider of the lost session. */
  provider: AiProvider;
  /** The API of the lost session. */
  api: RealtimeApi;
  /** `closed: <reason>`, `stalled`, or `renewal` (planned: the session is near its maximum length). */
  reason: string;
  /** True for a planned renewal: nothing failed, so no breaker should count it. */
  planned: boolean;
  /** The conversation so far (from transcripts), to replay into the replacement. */
  history: ConversationTurn[];
  /** 1 for the first loss in this call, then 2, ... */
  attempt: number;
}

/**
 * A model session was replaced mid-call.
 *
 * @example
 * ```ts
 * import type { FailoverEvent } from 'steadycall';
 *
 * bridge.onFailover((e: FailoverEvent) => {
 *   console.log(`${e.from.provider}/${e.from.api} -> ${e.to.provider}/${e.to.api} (${e.reason}), ${e.gapMs} ms gap`);
 * });
 * ```
 */
export interface FailoverEvent {
  /** The session that was lost. */
  from: {
    /** Its provider. */
    provider: AiProvider;
    /** Its API. */
    api: RealtimeApi;
  };
  /** The replacement. */
  to: {
    /** Its provider. */
    provider: AiProvider;
    /** Its API. */
    api: RealtimeApi;
  };
  /** Why the session was replaced (as in {@link ModelLost.reason}). */
  reason: string;
  /** Time without a model, from the loss to the replacement being wired in. */
  gapMs: number;
}

/**
 * Counters of one bridge, live in {@link BridgeSession.stats} and final in its `onEnd` event.
 *
 * @example
 * ```ts
 * import type { BridgeStats } from 'steadycall';
 *
 * bridge.onEnd(({ reason, stats }: { reason: string; stats: BridgeStats }) => {
 *   console.log(`ended (${reason}): ${stats.framesIn} frames in, ${stats.bargeIns} barge-ins`);
 * });
 * ```
 */
export interface BridgeStats {
  /** Model sessions replaced mid-call. */
  failovers: number;
  /** Caller `media` frames received from Twilio. */
  framesIn: number;
  /** Model audio frames sent to Twilio. */
  framesOut: number;
  /** Twilio frames rejected by the parser. */
  malformed: number;
  /** Caller interruptions that stopped model audio. */
  bargeIns: number;
  /** Turns measured (a {@link TurnMetrics} was emitted). */
  turns: number;
  /** Late model frames of an interrupted response, dropped unplayed. */
  droppedLateFrames: number;
  /** Caller frames dropped because the buffer filled while no session was ready. */
  bufferedInboundDropped: number;
}

/**
 * Options of {@link BridgeSession}.
 *
 * @example
 * ```ts
 * import type { BridgeOptions } from 'steadycall';
 *
 * const options: BridgeOptions = {
 *   twilio: socket,
 *   onStart: async (start) => {
 *     const { callId, provider } = await orchestrator.authorizeStream(start.customParameters);
 *     return sessions.take(callId, provider).session;
 *   },
 *   tools: { lookup_order: async (args) => orders.find(args) },
 *   maxLeadMs: 400,
 * };
 * ```
 */
export interface BridgeOptions {
  /** Twilio's side: the media-stream WebSocket Twilio opened to us. */
  twilio: SocketLike;
  /**
   * Called with Twilio's `start` message: authorise the stream (per-call token from
   * `customParameters`) and return the call's realtime session, opened or still connecting.
   * Throwing ends the stream.
   */
  onStart(start: TwilioStartMessage['start']): Promise<RealtimeSession>;
  /** Tools by name. `hang_up` is answered by `onHangUp` when not given here. */
  tools?: Record<string, ToolHandler>;
  /** Ends the call through the orchestrator (Twilio REST), when the model asks to hang up. */
  onHangUp?: (callSid: string) => Promise<void>;
  /** Max model audio queued at Twilio ahead of playback. Short keeps interruptions snappy. Default 400. */
  maxLeadMs?: number;
  /** A mark every this many ms of audio (playback resolution). Default 100. */
  markEveryMs?: number;
  /** Twilio must send `start` within this. Default 10 000. */
  startTimeoutMs?: number;
  /**
   * The model session failed mid-call (closed unexpectedly, or stalled): return a replacement
   * (a reconnect or another provider, with `history` replayed) or null to end the bridge. Caller
   * audio is buffered meanwhile; the caller's leg is never dropped by the bridge itself.
   */
  onModelLost?: (lost: ModelLost) => Promise<RealtimeSession | null>;
  /**
   * Renew a session this long before it expires (its `expiresAt`, or the API's documented maximum:
   * 60 min for the Realtime API). Default 60 000; 0 = never.
   */
  renewBeforeMs?: number;
  /** Mu-law audio played to the caller when a failover starts (e.g. "one moment, please"). */
  filler?: Uint8Array;
  /** No model audio this long after the caller stopped speaking counts as a stalled model. Default 8000; 0 = off. */
  stallTimeoutMs?: number;
  /** Caller frames kept while the session is being set up (oldest dropped). Default 250 (5 s). */
  maxBufferedInboundFrames?: number;
  /** Time source for pacing, timeouts and latency. Default: the system clock. */
  clock?: Clock;
  /** Where the bridge logs. Default: a silent logger. */
  logger?: Logger;
}

/** Documented session maximums, used when a session does not say when it expires. */
const MAX_SESSION_MS: Partial<Record<RealtimeApi, number>> = { 'openai-realtime': 60 * 60_000 };

/** Caller frames replayed to a replacement session: 200 ms. */
const REPLAY_FRAMES = 10;

interface QueuedFrame {
  bytes: Uint8Array;
  itemId: string | undefined;
  responseId: string | undefined;
  turnKey: string | undefined;
}

/**
 * One call's audio bridge: Twilio's media stream on one side, a {@link RealtimeSession} on the
 * other. Caller audio flows to the model untouched; model audio is paced to Twilio with marks, so
 * the bridge knows what the caller actually heard. Barge-in follows the model's API: on the
 * Realtime API it clears Twilio, drops the cancelled response's late audio and truncates the item
 * at what was played; on Gemini it clears on `interrupted`; on the Live API the model interrupts
 * itself and the short playback lead makes that audible at once. No globals: one per call.
 *
 * @example
 * ```ts
 * const bridge = new BridgeSession({ twilio: socket, onStart: async (start) => openSession(start) });
 * bridge.onTurn((t) => metrics.record(t));
 * await bridge.done;
 * ```
 */
export class BridgeSession {
  readonly #twilio: SocketLike;
  readonly #options: BridgeOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #playback = new PlaybackTracker();
  readonly #queue: QueuedFrame[] = [];
  readonly #pendingInbound: Uint8Array[] = [];
  readonly #disposables: Disposable[] = [];
  readonly #sessionDisposables: Disposable[] = [];
  readonly #history: ConversationTurn[] = [];
  #partial: ConversationTurn | null = null;
  #losses = 0;
  /**
   * The last caller frames handed to the model. A socket that dies may have swallowed the newest
   * ones; they are replayed to the replacement (a short repeat beats a lost word).
   */
  readonly #recentInbound: Uint8Array[] = [];
  #stallTimer: TimerHandle | null = null;
  #renewTimer: TimerHandle | null = null;
  readonly #maxLeadMs: number;
  readonly #markEveryMs: number;
  #session: RealtimeSession | null = null;
  #start: TwilioStartMessage['start'] | null = null;
  #streamSid = '';
  #startTimer: TimerHandle | null = null;
  #sinceMarkMs = 0;
  #ended = false;
  #resolveDone!: (reason: string) => void;
  #droppedKeys = new Set<string>();
  /** The turn of the last mark sent. */
  #markedTurn: string | undefined;
  /** A model response is streaming (audio seen, `responseDone` not yet). */
  #responding = false;
  /** Ids of the audio last sent to Twilio: what a barge-in cancels. */
  #lastSent: { itemId?: string; responseId?: string } = {};
  #turn = 0;
  #turnKey: string | undefined;
  #speechEndedAt: number | null = null;
  #firstAudioAt: number | null = null;
  #measuring: { turn: number; speechEndToFirstAudioMs: number; firstAudioAt: number } | null = null;
  /** Live counters of this bridge. */
  readonly stats: BridgeStats = {
    failovers: 0,
    framesIn: 0,
    framesOut: 0,
    malformed: 0,
    bargeIns: 0,
    turns: 0,
    droppedLateFrames: 0,
    bufferedInboundDropped: 0,
  };

  readonly #turns = new EventSource<TurnMetrics>();
  readonly #dtmf = new EventSource<{ digit: string }>();
  readonly #transcripts = new EventSource<{ role: 'user' | 'assistant'; text: string; final: boolean }>();
  readonly #bargeIns = new EventSource<{ itemId?: string; playedMs?: number }>();
  readonly #ends = new EventSource<{ reason: string; stats: BridgeStats }>();
  readonly #failovers = new EventSource<FailoverEvent>();

  /** A lost model session was replaced (reconnect or another provider). */
  readonly onFailover = this.#failovers.on;

  /** Per-turn latency, once the first audio of a reply was played. */
  readonly onTurn = this.#turns.on;
  /** The caller pressed a key. */
  readonly onDtmf = this.#dtmf.on;
  /** Transcript text of the caller and the model, as the session reports it. */
  readonly onTranscript = this.#transcripts.on;
  /** The caller interrupted the model. */
  readonly onBargeIn = this.#bargeIns.on;
  /** The bridge ended and released everything. */
  readonly onEnd = this.#ends.on;
  /** Resolves with the end reason once everything is released. */
  readonly done: Promise<string>;

  /** Starts listening to Twilio's socket; the bridge ends if no `start` arrives in `startTimeoutMs`. */
  constructor(options: BridgeOptions) {
    this.#options = options;
    this.#twilio = options.twilio;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger;
    this.#maxLeadMs = options.maxLeadMs ?? 400;
    this.#markEveryMs = options.markEveryMs ?? 100;
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
    const onMessage = (event: { data: unknown }) => this.#onTwilioMessage(event.data);
    const onClose = () => void this.end('twilio_closed');
    this.#twilio.addEventListener('message', onMessage);
    this.#twilio.addEventListener('close', onClose);
    this.#disposables.push({
      dispose: () => {
        this.#twilio.removeEventListener('message', onMessage);
        this.#twilio.removeEventListener('close', onClose);
      },
    });
    this.#startTimer = this.#clock.setTimeout(
      () => void this.end('start_timeout'),
      options.startTimeoutMs ?? 10_000,
    );
  }

  /** Twilio's `start` payload (call SID, custom parameters), once received. */
  get start(): TwilioStartMessage['start'] | null {
    return this.#start;
  }

  /** Playback state: sent, played and buffered audio. */
  get playback(): PlaybackTracker {
    return this.#playback;
  }

  #onTwilioMessage(data: unknown): void {
    const text = messageText(data);
    const parsed = text === null ? null : parseTwilioMessage(text);
    if (!parsed?.ok) {
      this.stats.malformed++;
      return;
    }
    const message = parsed.message;
    switch (message.event) {
      case 'connected':
        return;
      case 'start':
        void this.#begin(message);
        return;
      case 'media':
        this.stats.framesIn++;
        this.#toModel(message.media.payload);
        return;
      case 'mark':
        this.#onMark(message.mark.name);
        return;
      case 'dtmf':
        this.#dtmf.emit({ digit: message.dtmf.digit });
        return;
      case 'stop':
        void this.end('twilio_stop');
        return;
    }
  }

  async #begin(message: TwilioStartMessage): Promise<void> {
    if (this.#start || this.#ended) return;
    this.#start = message.start;
    this.#streamSid = message.streamSid || message.start.streamSid;
    if (this.#startTimer !== null) this.#clock.clearTimeout(this.#startTimer);
    this.#startTimer = null;
    let session: RealtimeSession;
    try {
      session = await this.#options.onStart(message.start);
    } catch (error) {
      this.#log.warn({ err: error }, 'media stream refused');
      await this.end('start_refused');
      return;
    }
    if (this.#ended) {
      await session.close('bridge ended').catch(() => undefined);
      return;
    }
    this.#session = session;
    this.#wire(session);
    for (const frame of this.#pendingInbound.splice(0)) session.appendAudio(frame);
  }

  #toModel(frame: Uint8Array): void {
    if (this.#session) {
      this.#session.appendAudio(frame);
      if (this.#options.onModelLost) {
        this.#recentInbound.push(frame);
        if (this.#recentInbound.length > REPLAY_FRAMES) this.#recentInbound.shift();
      }
      return;
    }
    // The session is being authorised or connected: keep the caller's words, bounded.
    this.#pendingInbound.push(frame);
    const max = this.#options.maxBufferedInboundFrames ?? 250;
    while (this.#pendingInbound.length > max) {
      this.#pendingInbound.shift();
      this.stats.bufferedInboundDropped++;
    }
  }

  /** The conversation so far, as replayed into a replacement session. */
  get history(): ConversationTurn[] {
    return this.#partial ? [...this.#history, { ...this.#partial }] : [...this.#history];
  }

  /** Schedules the renewal of a session near its end (checked again until its expiry is known). */
  #scheduleRenewal(session: RealtimeSession, wiredAt: number, tries = 0): void {
    const before = this.#options.renewBeforeMs ?? 60_000;
    if (before <= 0 || !this.#options.onModelLost) return;
    const max = MAX_SESSION_MS[session.api];
    const expiresAt = session.expiresAt ?? (max === undefined ? undefined : wiredAt + max);
    if (expiresAt === undefined) {
      // The Live API says when the session ends once it started: look again shortly.
      if (tries < 12) {
        this.#renewTimer = this.#clock.setTimeout(
          () => this.#scheduleRenewal(session, wiredAt, tries + 1),
          5_000,
        );
      }
      return;
    }
    const wait = Math.max(0, expiresAt - before - this.#clock.now());
    this.#renewTimer = this.#clock.setTimeout(() => this.#renewWhenQuiet(session, 0), wait);
  }

  /** Swaps the session between replies, not in the middle of one (waits up to 10 s for a pause). */
  #renewWhenQuiet(session: RealtimeSession, waited: number): void {
    this.#renewTimer = null;
    if (this.#session !== session || this.#ended) return;
    if ((this.#responding || this.#queue.length > 0) && waited < 10_000) {
      this.#renewTimer = this.#clock.setTimeout(() => this.#renewWhenQuiet(session, waited + 500), 500);
      return;
    }
    void this.#lose('renewal', true);
  }

  #wire(session: RealtimeSession): void {
    this.#scheduleRenewal(session, this.#clock.now());
    const d = this.#sessionDisposables;
    d.push(session.on('audio', (e) => this.#fromModel(e.mulaw, e.itemId, e.responseId)));
    d.push(session.on('speechStarted', () => this.#onSpeechStarted()));
    d.push(
      session.on('speechStopped', () => {
        this.#speechEndedAt = this.#clock.now();
        this.#turnKey = `turn-${++this.#turn}`;
        this.#firstAudioAt = null;
        this.#armStall();
      }),
    );
    d.push(session.on('interrupted', () => this.#bargeIn()));
    d.push(
      session.on('responseDone', () => {
        this.#responding = false;
      }),
    );
    d.push(
      session.on('transcript', (t) => {
        this.#remember(t.role, t.text, t.final);
        this.#transcripts.emit(t);
      }),
    );
    d.push(session.on('toolCall', (call) => void this.#runTool(call.callId, call.name, call.arguments)));
    d.push(
      session.on('error', (e) =>
        this.#log.warn({ code: e.error.code, fatal: e.fatal }, 'realtime session error'),
      ),
    );
    d.push(session.on('closed', (e) => void (e.expected ? undefined : this.#lose(`closed: ${e.reason}`))));
  }

  #fromModel(mulaw: Uint8Array, itemId: string | undefined, responseId: string | undefined): void {
    if (
      (responseId !== undefined && this.#droppedKeys.has(responseId)) ||
      (itemId !== undefined && this.#droppedKeys.has(itemId))
    ) {
      // Late audio of a response the caller interrupted: never play it.
      this.stats.droppedLateFrames++;
      return;
    }
    this.#responding = true;
    this.#disarmStall();
    const now = this.#clock.now();
    if (this.#speechEndedAt !== null && this.#firstAudioAt === null) {
      this.#firstAudioAt = now;
      this.#measuring = {
        turn: this.#turn,
        speechEndToFirstAudioMs: now - this.#speechEndedAt,
        firstAudioAt: now,
      };
    }
    for (let offset = 0; offset < mulaw.length; offset += TWILIO_FRAME_BYTES) {
      this.#queue.push({
        bytes: mulaw.subarray(offset, Math.min(offset + TWILIO_FRAME_BYTES, mulaw.length)),
        itemId: itemId ?? responseId,
        responseId,
        turnKey: this.#turnKey,
      });
    }
    this.#pump();
  }

  /** Sends queued model audio while Twilio's buffer is under the lead limit, with marks. */
  #pump(): void {
    if (this.#twilio.readyState !== SocketState.OPEN || !this.#streamSid) return;
    while (this.#queue.length > 0 && this.#playback.bufferedMs < this.#maxLeadMs) {
      const frame = this.#queue.shift()!;
      this.#twilio.send(twilioMediaMessage(this.#streamSid, frame.bytes));
      this.stats.framesOut++;
      this.#playback.audioSent(frame.bytes.length, frame.itemId);
      this.#lastSent = { itemId: frame.itemId, responseId: frame.responseId };
      this.#sinceMarkMs += frame.bytes.length / 8;
      // A mark every markEveryMs, at the end of an item, and right after a turn's first audio
      // (so the first-played latency is exact); not per frame, which would double the messages.
      const itemEnds = this.#queue.length > 0 && this.#queue[0]?.itemId !== frame.itemId;
      const firstOfTurn = frame.turnKey !== this.#markedTurn;
      if (this.#sinceMarkMs >= this.#markEveryMs || itemEnds || firstOfTurn) {
        this.#markedTurn = frame.turnKey;
        this.#twilio.send(twilioMarkMessage(this.#streamSid, this.#playback.nextMark(frame.turnKey)));
        this.#sinceMarkMs = 0;
      }
    }
  }

  #onMark(name: string): void {
    const outcome = this.#playback.markEchoed(name);
    const m = this.#measuring;
    if (outcome.played && m && outcome.responseKey === `turn-${m.turn}`) {
      const playedAt = this.#clock.now();
      this.stats.turns++;
      this.#turns.emit({
        turn: m.turn,
        speechEndToFirstAudioMs: m.speechEndToFirstAudioMs,
        firstAudioToPlayedMs: playedAt - m.firstAudioAt,
        totalMs: m.speechEndToFirstAudioMs + (playedAt - m.firstAudioAt),
      });
      this.#measuring = null;
    }
    this.#pump();
  }

  #onSpeechStarted(): void {
    // The Live API interrupts itself; pacing keeps what is queued at Twilio short.
    if (this.#session?.api === 'openai-realtime') this.#bargeIn();
  }

  /** Caller interrupted: stop what plays, drop what is queued and late, cut the item at what was heard. */
  #bargeIn(): void {
    const session = this.#session;
    // A reply paced in real time may have nothing buffered at this instant yet still be speaking.
    const playing = this.#queue.length > 0 || this.#playback.bufferedMs > 0 || this.#responding;
    this.#responding = false;
    if (!session || !playing) return;
    this.stats.bargeIns++;
    for (const frame of [this.#lastSent, ...this.#queue.splice(0)]) {
      if (frame.itemId !== undefined) this.#droppedKeys.add(frame.itemId);
      if (frame.responseId !== undefined) this.#droppedKeys.add(frame.responseId);
    }
    if (this.#twilio.readyState === SocketState.OPEN) this.#twilio.send(twilioClearMessage(this.#streamSid));
    const heard = this.#playback.cleared();
    this.#sinceMarkMs = 0;
    if (heard && heard.itemId !== 'filler') session.truncate(heard.itemId, Math.floor(heard.playedMs));
    session.cancelResponse();
    this.#bargeIns.emit(heard ? { itemId: heard.itemId, playedMs: heard.playedMs } : {});
  }

  #remember(role: ConversationTurn['role'], text: string, final: boolean): void {
    if (this.#partial && this.#partial.role !== role) {
      this.#history.push(this.#partial);
      this.#partial = null;
    }
    this.#partial = { role, text: (this.#partial?.text ?? '') + text };
    if (final) {
      this.#history.push(this.#partial);
      this.#partial = null;
    }
  }

  #armStall(): void {
    const ms = this.#options.stallTimeoutMs ?? 8000;
    this.#disarmStall();
    if (ms > 0 && this.#options.onModelLost) {
      this.#stallTimer = this.#clock.setTimeout(() => void this.#lose('stalled'), ms);
    }
  }

  #disarmStall(): void {
    if (this.#stallTimer !== null) this.#clock.clearTimeout(this.#stallTimer);
    this.#stallTimer = null;
  }

  /** The model session failed: replace it (failover) or end the bridge. */
  async #lose(reason: string, planned = false): Promise<void> {
    const lost = this.#session;
    if (!lost || this.#ended) return;
    this.#disarmStall();
    if (this.#renewTimer !== null) this.#clock.clearTimeout(this.#renewTimer);
    this.#renewTimer = null;
    for (const d of this.#sessionDisposables.splice(0)) d.dispose();
    this.#session = null;
    this.#queue.length = 0;
    this.#responding = false;
    this.#pendingInbound.unshift(...this.#recentInbound.splice(0));
    void lost.close(reason).catch(() => undefined);
    if (!planned && this.#options.filler) {
      // Something to hear while the next model connects.
      for (let offset = 0; offset < this.#options.filler.length; offset += TWILIO_FRAME_BYTES) {
        const bytes = this.#options.filler.subarray(offset, offset + TWILIO_FRAME_BYTES);
        this.#queue.push({ bytes, itemId: 'filler', responseId: undefined, turnKey: undefined });
      }
      this.#pump();
    }
    const onLost = this.#options.onModelLost;
    if (!onLost) {
      await this.end('model_closed');
      return;
    }
    const startedAt = this.#clock.now();
    let next: RealtimeSession | null = null;
    try {
      next = await onLost({
        provider: lost.provider,
        api: lost.api,
        reason,
        planned,
        history: this.history,
        attempt: planned ? this.#losses : ++this.#losses,
      });
    } catch (error) {
      this.#log.warn({ err: error }, 'failover failed');
    }
    if (this.#ended) {
      await next?.close('bridge ended').catch(() => undefined);
      return;
    }
    if (!next) {
      await this.end('model_lost');
      return;
    }
    this.#session = next;
    this.#wire(next);
    for (const frame of this.#pendingInbound.splice(0)) next.appendAudio(frame);
    this.stats.failovers++;
    this.#failovers.emit({
      from: { provider: lost.provider, api: lost.api },
      to: { provider: next.provider, api: next.api },
      reason,
      gapMs: this.#clock.now() - startedAt,
    });
  }

  async #runTool(callId: string, name: string, args: unknown): Promise<void> {
    const session = this.#session;
    if (!session) return;
    const context = { callSid: this.#start?.callSid ?? '', callId: this.#start?.customParameters.callId };
    const handler =
      this.#options.tools?.[name] ??
      (name === 'hang_up' && this.#options.onHangUp
        ? async () => {
            await this.#options.onHangUp?.(context.callSid);
            return { ok: true };
          }
        : undefined);
    let output: unknown;
    try {
      output = handler ? await handler(args, context) : { error: `unknown tool ${name}` };
    } catch (error) {
      this.#log.warn({ tool: name, err: error }, 'tool failed');
      output = { error: 'tool failed' };
    }
    if (!this.#ended) session.sendToolResult(callId, output);
  }

  /** Ends the bridge: closes the model session and Twilio's socket, releases every listener and timer. */
  async end(reason: string): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#startTimer !== null) this.#clock.clearTimeout(this.#startTimer);
    this.#startTimer = null;
    this.#disarmStall();
    if (this.#renewTimer !== null) this.#clock.clearTimeout(this.#renewTimer);
    this.#renewTimer = null;
    for (const d of [...this.#disposables.splice(0), ...this.#sessionDisposables.splice(0)]) d.dispose();
    this.#queue.length = 0;
    this.#pendingInbound.length = 0;
    const session = this.#session;
    this.#session = null;
    await session?.close(reason).catch(() => undefined);
    if (this.#twilio.readyState === SocketState.OPEN || this.#twilio.readyState === SocketState.CONNECTING) {
      this.#twilio.close(1000, reason.slice(0, 100));
    }
    this.#ends.emit({ reason, stats: { ...this.stats } });
    this.#resolveDone(reason);
  }
}
