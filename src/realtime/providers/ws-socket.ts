/**
 * Socket factories for the realtime sessions: {@link wsSocketFactory} on the `ws` package (Node)
 * and {@link webSocketFactory} on the global WHATWG `WebSocket` (Deno, Bun, Node >= 22).
 *
 * Provider sockets need an `Authorization` header. `ws`, Deno, Bun and Node's global (undici)
 * `WebSocket` accept headers; browsers cannot set them at all, so a browser must never hold a
 * provider key and should use the WebRTC session endpoint instead.
 *
 * @module
 */

import { messageText, type SocketFactory, type SocketLike, SocketState } from '../socket.js';

/** The slice of a `ws` client this adapter uses, typed here so `ws` stays an optional peer. */
interface WsClient {
  readonly readyState: number;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  on(event: 'open', listener: () => void): unknown;
  on(event: 'message', listener: (data: unknown, isBinary: boolean) => void): unknown;
  on(event: 'close', listener: (code: number, reason: Uint8Array) => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
}

type WsConstructor = new (
  url: string,
  options: { headers: Record<string, string>; perMessageDeflate: boolean },
) => WsClient;

/**
 * What `wsSocketFactory` (from `steadycall/node`) sockets dispatch as `error` events.
 *
 * @example
 * ```ts
 * import type { SocketErrorEvent } from 'steadycall';
 *
 * socket.addEventListener('error', (event) => {
 *   const { message, status } = event as SocketErrorEvent;
 *   if (status === 401) console.error('the provider refused the API key');
 *   else console.error(`socket error: ${message}`);
 * });
 * ```
 */
export interface SocketErrorEvent {
  /** Always `'error'`. */
  type: 'error';
  /** What went wrong, e.g. `Unexpected server response: 401`. */
  message: string;
  /** HTTP status when the server refused the upgrade (e.g. 401 for a wrong API key). */
  status?: number;
}

type Listeners = {
  open: Set<() => void>;
  message: Set<(event: { data: unknown }) => void>;
  close: Set<(event: { code: number; reason: string }) => void>;
  error: Set<(event: unknown) => void>;
};

let wsModule: Promise<WsConstructor> | null = null;

function loadWs(): Promise<WsConstructor> {
  wsModule ??= import('ws').then((mod) => {
    const m = mod as unknown as { WebSocket?: WsConstructor; default?: WsConstructor };
    const ctor = m.WebSocket ?? m.default;
    if (!ctor) throw new Error('the "ws" module has no WebSocket export');
    return ctor;
  });
  return wsModule;
}

/**
 * A {@link SocketLike} over a `ws` client that may not exist yet: `ws` is loaded by a dynamic
 * import, but a {@link SocketFactory} must return synchronously. Until the module is loaded the
 * socket is CONNECTING, exactly like a socket whose TCP handshake is still running.
 */
class WsSocket implements SocketLike {
  #ws: WsClient | null = null;
  #closedEarly = false;
  readonly #listeners: Listeners = {
    open: new Set(),
    message: new Set(),
    close: new Set(),
    error: new Set(),
  };
  readonly #onOpen = () => this.#dispatch('open', undefined);
  readonly #onMessage = (data: unknown, isBinary: boolean) =>
    this.#dispatch('message', { data: isBinary ? data : messageText(data) });
  readonly #onError = (error: unknown) => this.#dispatch('error', toErrorEvent(error));
  readonly #onClose = (code: number, reason: Uint8Array) => {
    this.#detach();
    this.#dispatch('close', { code, reason: new TextDecoder().decode(reason) });
  };

  constructor(load: Promise<WsConstructor>, url: string, headers: Record<string, string>) {
    load.then(
      (Ctor) => {
        if (this.#closedEarly) return;
        try {
          // Compression off: audio is incompressible and deflate costs CPU on every frame.
          this.#attach(new Ctor(url, { headers, perMessageDeflate: false }));
        } catch (error) {
          this.#failEarly(toErrorEvent(error));
        }
      },
      () => this.#failEarly({ type: 'error', message: 'The optional peer dependency "ws" is not installed' }),
    );
  }

  get readyState(): number {
    if (this.#ws) return this.#ws.readyState;
    return this.#closedEarly ? SocketState.CLOSED : SocketState.CONNECTING;
  }

  send(data: string | Uint8Array): void {
    if (!this.#ws || this.#ws.readyState !== SocketState.OPEN) throw new Error('WebSocket is not open');
    this.#ws.send(data);
  }

  close(code?: number, reason?: string): void {
    if (this.#ws) this.#ws.close(code, reason);
    else this.#failEarly(null);
  }

  addEventListener(type: keyof Listeners, listener: (...args: never[]) => void): void {
    (this.#listeners[type] as Set<unknown>).add(listener);
  }

  removeEventListener(type: string, listener: (...args: never[]) => void): void {
    (this.#listeners[type as keyof Listeners] as Set<unknown> | undefined)?.delete(listener);
  }

  #attach(ws: WsClient): void {
    this.#ws = ws;
    ws.on('open', this.#onOpen);
    ws.on('message', this.#onMessage);
    ws.on('error', this.#onError); // also keeps `ws` from throwing an unhandled 'error'
    ws.on('close', this.#onClose);
  }

  #detach(): void {
    const ws = this.#ws;
    if (!ws) return;
    ws.off('open', this.#onOpen);
    ws.off('message', this.#onMessage);
    ws.off('close', this.#onClose);
    // The error handler stays: a late 'error' from `ws` with no listener would crash the process.
  }

  /** Closed (or failed) before the `ws` client existed: report it like a failed connection. */
  #failEarly(error: SocketErrorEvent | null): void {
    if (this.#closedEarly) return;
    this.#closedEarly = true;
    queueMicrotask(() => {
      if (error) this.#dispatch('error', error);
      this.#dispatch('close', { code: 1006, reason: '' });
    });
  }

  #dispatch<K extends keyof Listeners>(
    type: K,
    event: Parameters<Parameters<Listeners[K]['add']>[0]>[0],
  ): void {
    for (const listener of [...this.#listeners[type]]) {
      try {
        (listener as (e: unknown) => void)(event);
      } catch (error) {
        // Like a browser: a listener's exception is reported, it does not break the socket.
        setTimeout(() => {
          throw error;
        }, 0);
      }
    }
  }
}

function toErrorEvent(error: unknown): SocketErrorEvent {
  const message = error instanceof Error ? error.message : String(error);
  // `ws` reports a refused upgrade as "Unexpected server response: 401".
  const status = /Unexpected server response: (\d{3})/.exec(message)?.[1];
  return status ? { type: 'error', message, status: Number(status) } : { type: 'error', message };
}

/**
 * A {@link SocketFactory} on the `ws` package (Node). `ws` is an optional peer dependency,
 * loaded on first use; if it is missing, the socket fails with an `error` then a `close` event.
 * Refused upgrades surface as an `error` event carrying the HTTP `status` ({@link SocketErrorEvent}).
 *
 * @returns A factory whose sockets load `ws` on first use.
 *
 * @example
 * ```ts
 * import { OpenAiLiveSession } from 'steadycall';
 * import { wsSocketFactory } from 'steadycall/node';
 *
 * const session = new OpenAiLiveSession({ apiKey: process.env.OPENAI_API_KEY!, socketFactory: wsSocketFactory() });
 * await session.connect();
 * ```
 */
export function wsSocketFactory(): SocketFactory {
  const load = loadWs(); // start loading now, so the first call's socket is not delayed
  load.catch(() => {}); // reported per socket instead
  return (url, { headers }) => new WsSocket(load, url, headers);
}

/**
 * A WHATWG `WebSocket` constructor that accepts headers (Deno, Bun, Node's undici).
 *
 * @example
 * ```ts
 * import { webSocketFactory, type HeaderWebSocketConstructor } from 'steadycall';
 *
 * const Ctor = globalThis.WebSocket as unknown as HeaderWebSocketConstructor;
 * const socketFactory = webSocketFactory({ WebSocket: Ctor });
 * ```
 */
export type HeaderWebSocketConstructor = new (
  url: string,
  options: { headers: Record<string, string> },
) => SocketLike & {
  /** Set to `'arraybuffer'` by {@link webSocketFactory}, so messages are decoded synchronously. */
  binaryType: string;
};

/**
 * A {@link SocketFactory} on the global WHATWG `WebSocket`, for Deno (Supabase Edge Functions),
 * Bun and Node >= 22, which all accept `{ headers }` as the constructor's second argument.
 * Browsers do not: they cannot send an `Authorization` header, so never use a provider key there.
 * WHATWG sockets hide the HTTP status of a refused upgrade: a wrong key shows only as a close
 * (code 1006), so connect errors are less specific than with `wsSocketFactory` (`steadycall/node`).
 *
 * @param options - `WebSocket`: the constructor to use. Default: the global `WebSocket`.
 * @returns A factory that throws, when called, if the runtime has no global `WebSocket`.
 *
 * @example
 * ```ts
 * // Deno.serve / Supabase Edge Function
 * import { OpenAiLiveSession, webSocketFactory } from 'steadycall';
 *
 * const session = new OpenAiLiveSession({ apiKey: Deno.env.get('OPENAI_API_KEY')!, socketFactory: webSocketFactory() });
 * ```
 */
export function webSocketFactory(options: { WebSocket?: HeaderWebSocketConstructor } = {}): SocketFactory {
  return (url, { headers }) => {
    const Ctor =
      options.WebSocket ?? (globalThis as unknown as { WebSocket?: HeaderWebSocketConstructor }).WebSocket;
    if (!Ctor) throw new Error('No global WebSocket in this runtime; use wsSocketFactory()');
    const socket = new Ctor(url, { headers });
    socket.binaryType = 'arraybuffer'; // never Blob: messages are decoded synchronously
    return socket;
  };
}
