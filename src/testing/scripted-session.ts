import { type Disposable, EventSource } from '../core/disposable.js';
import type { AiProvider } from '../core/types.js';
import type {
  RealtimeApi,
  RealtimeEventName,
  RealtimeSession,
  RealtimeSessionEvents,
} from '../realtime/session.js';

/**
 * An in-process {@link RealtimeSession} driven by the test: `emit()` plays the model's side, and
 * every call the bridge makes is recorded. For deterministic bridge tests on a fake clock.
 *
 * @example
 * ```ts
 * import { BridgeSession } from 'steadycall';
 * import { memorySocketPair, ScriptedRealtimeSession } from 'steadycall/testing';
 *
 * const [twilio, bridgeEnd] = memorySocketPair();
 * const model = new ScriptedRealtimeSession('openai-realtime');
 * const bridge = new BridgeSession({ twilio: bridgeEnd, onStart: async () => model });
 * // ... send Twilio's `connected` and `start` messages on `twilio` ...
 * model.emit('audio', { mulaw: new Uint8Array(4000), itemId: 'item_1', responseId: 'resp_1' });
 * model.emit('speechStarted', {}); // the caller barges in before hearing any of it
 * expect(model.cancels).toBe(1);
 * expect(model.truncations).toEqual([{ itemId: 'item_1', audioEndMs: 0 }]);
 * ```
 */
export class ScriptedRealtimeSession implements RealtimeSession {
  /** The provider it stands for (from the constructor; derived from `api` by default). */
  readonly provider: AiProvider;
  /** The wire API it stands for, which decides how the bridge treats barge-in. */
  readonly api: RealtimeApi;
  /** Every caller frame the bridge appended with `appendAudio`, in order. */
  readonly received: Uint8Array[] = [];
  /** Every `truncate` call the bridge made, in order. */
  readonly truncations: {
    /** The item truncated. */
    itemId: string;
    /** Where it was cut: the ms of its audio the caller heard. */
    audioEndMs: number;
  }[] = [];
  /** Every tool result the bridge sent with `sendToolResult`, in order. */
  readonly toolResults: {
    /** The tool call answered. */
    callId: string;
    /** The result, as the bridge passed it. */
    output: unknown;
  }[] = [];
  /** Number of `cancelResponse` calls. */
  cancels = 0;
  /** Set to make the bridge renew the session before this time (epoch ms). */
  expiresAt: number | undefined;
  /** The reason given to `close`, or `null` while open. */
  closed: string | null = null;
  readonly #events = new Map<RealtimeEventName, EventSource<never>>();

  /**
   * @param api - The wire API to stand for. Default `'openai-realtime'`.
   * @param provider - Default `'gemini'` for `'gemini-live'`, otherwise `'openai'`.
   */
  constructor(
    api: RealtimeApi = 'openai-realtime',
    provider: AiProvider = api === 'gemini-live' ? 'gemini' : 'openai',
  ) {
    this.api = api;
    this.provider = provider;
  }

  async connect(): Promise<void> {}

  appendAudio(mulaw: Uint8Array): void {
    this.received.push(mulaw);
  }

  sendToolResult(callId: string, output: unknown): void {
    this.toolResults.push({ callId, output });
  }

  truncate(itemId: string, audioEndMs: number): void {
    this.truncations.push({ itemId, audioEndMs });
  }

  cancelResponse(): void {
    this.cancels++;
  }

  /** Subscribes to a model-side event; {@link emit} plays it. Dispose the result to unsubscribe. */
  on<E extends RealtimeEventName>(
    event: E,
    listener: (payload: RealtimeSessionEvents[E]) => void,
  ): Disposable {
    let source = this.#events.get(event) as EventSource<RealtimeSessionEvents[E]> | undefined;
    if (!source) {
      source = new EventSource<RealtimeSessionEvents[E]>();
      this.#events.set(event, source as unknown as EventSource<never>);
    }
    return source.on(listener);
  }

  /** Plays one model-side event to whoever listens. */
  emit<E extends RealtimeEventName>(event: E, payload: RealtimeSessionEvents[E]): void {
    (this.#events.get(event) as EventSource<RealtimeSessionEvents[E]> | undefined)?.emit(payload);
  }

  /** Listeners still attached (0 after the bridge released the session). */
  get listenerCount(): number {
    let n = 0;
    for (const source of this.#events.values()) n += source.size;
    return n;
  }

  async close(reason = 'closed'): Promise<void> {
    if (this.closed !== null) return;
    this.closed = reason;
    this.emit('closed', { reason, expected: true });
  }
}
