import type { SocketLike } from '../realtime/socket.js';

type Listener = (...args: never[]) => void;

/**
 * One end of an in-memory WebSocket pair: what one end sends arrives at the other as a `message`
 * event, synchronously. For bridge tests without a network. Create connected ends with
 * {@link memorySocketPair}.
 *
 * @example
 * ```ts
 * import { memorySocketPair } from 'steadycall/testing';
 *
 * const [twilio, bridgeEnd] = memorySocketPair();
 * bridgeEnd.addEventListener('message', (event: { data: unknown }) => console.log(event.data));
 * twilio.send(JSON.stringify({ event: 'connected' })); // logs {"event":"connected"}
 * twilio.close(); // bridgeEnd sees `close` too
 * ```
 */
export class MemorySocket implements SocketLike {
  /** WebSocket ready state: 1 (open) from the start, 3 (closed) after {@link close}. */
  readyState = 1;
  /** The other end, which receives what this end sends; `null` for an unpaired socket. */
  peer: MemorySocket | null = null;
  /** Every message this end sent, as text (binary data is decoded as UTF-8), oldest first. */
  readonly sent: string[] = [];
  readonly #listeners = new Map<string, Set<Listener>>();

  /**
   * Records `data` in {@link sent} and dispatches it to the peer as a `message` event.
   *
   * @throws Error when this end is closed.
   */
  send(data: string | Uint8Array): void {
    if (this.readyState !== 1) throw new Error('socket is not open');
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
    this.sent.push(text);
    this.peer?.dispatch('message', { data: text });
  }

  /** Closes this end and then its peer, each dispatching `close` once. Default code 1000, reason `''`. */
  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    this.dispatch('close', { code, reason });
    if (this.peer && this.peer.readyState < 2) this.peer.close(code, reason);
  }

  /** Adds a listener for `type` (`message`, `close`, ... or any type given to {@link dispatch}). */
  addEventListener(type: string, listener: Listener): void {
    const set = this.#listeners.get(type) ?? new Set<Listener>();
    this.#listeners.set(type, set);
    set.add(listener);
  }

  /** Removes a listener added with {@link addEventListener}. */
  removeEventListener(type: string, listener: Listener): void {
    this.#listeners.get(type)?.delete(listener);
  }

  /** Listeners still attached, all types. */
  get listenerCount(): number {
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }

  /** Calls every listener of `type` with `event`, synchronously: to play an `error` or any other event. */
  dispatch(type: string, event: unknown): void {
    for (const listener of [...(this.#listeners.get(type) ?? [])]) (listener as (e: unknown) => void)(event);
  }
}

/**
 * Two connected in-memory sockets: `[a, b]`, each the other's peer. Hand one end to the code under
 * test (e.g. as a `BridgeSession`'s `twilio` socket) and play the other side with the other.
 *
 * @example
 * ```ts
 * import { BridgeSession } from 'steadycall';
 * import { memorySocketPair, ScriptedRealtimeSession } from 'steadycall/testing';
 *
 * const [twilio, bridgeEnd] = memorySocketPair();
 * const model = new ScriptedRealtimeSession('openai-realtime');
 * const bridge = new BridgeSession({ twilio: bridgeEnd, onStart: async () => model });
 * twilio.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
 * // bridgeEnd.sent: everything the bridge sent back to "Twilio"
 * ```
 */
export function memorySocketPair(): [MemorySocket, MemorySocket] {
  const a = new MemorySocket();
  const b = new MemorySocket();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
