import type { SocketLike } from '../realtime/socket.js';

type Listener = (...args: never[]) => void;

/**
 * One end of an in-memory WebSocket pair: what one end sends arrives at the other as a `message`
 * event, synchronously. For bridge tests without a network.
 */
export class MemorySocket implements SocketLike {
  readyState = 1;
  peer: MemorySocket | null = null;
  readonly sent: string[] = [];
  readonly #listeners = new Map<string, Set<Listener>>();

  send(data: string | Uint8Array): void {
    if (this.readyState !== 1) throw new Error('socket is not open');
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
    this.sent.push(text);
    this.peer?.dispatch('message', { data: text });
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    this.dispatch('close', { code, reason });
    if (this.peer && this.peer.readyState < 2) this.peer.close(code, reason);
  }

  addEventListener(type: string, listener: Listener): void {
    const set = this.#listeners.get(type) ?? new Set<Listener>();
    this.#listeners.set(type, set);
    set.add(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    this.#listeners.get(type)?.delete(listener);
  }

  /** Listeners still attached, all types. */
  get listenerCount(): number {
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }

  dispatch(type: string, event: unknown): void {
    for (const listener of [...(this.#listeners.get(type) ?? [])]) (listener as (e: unknown) => void)(event);
  }
}

/** Two connected in-memory sockets: `[a, b]`, each the other's peer. */
export function memorySocketPair(): [MemorySocket, MemorySocket] {
  const a = new MemorySocket();
  const b = new MemorySocket();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
