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
 * const model = new ScriptedRealtimeSession('openai-realtime');
 * model.emit('audio', { mulaw: new Uint8Array(800), itemId: 'item_1', responseId: 'resp_1' });
 * expect(model.truncations).toEqual([{ itemId: 'item_1', audioEndMs: 60 }]);
 * ```
 */
export class ScriptedRealtimeSession implements RealtimeSession {
  readonly provider: AiProvider;
  readonly api: RealtimeApi;
  readonly received: Uint8Array[] = [];
  readonly truncations: { itemId: string; audioEndMs: number }[] = [];
  readonly toolResults: { callId: string; output: unknown }[] = [];
  cancels = 0;
  /** Set to make the bridge renew the session before this time (epoch ms). */
  expiresAt: number | undefined;
  closed: string | null = null;
  readonly #events = new Map<RealtimeEventName, EventSource<never>>();

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
