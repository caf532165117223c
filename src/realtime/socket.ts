/**
 * The slice of a WebSocket the realtime code needs: the WHATWG interface (browsers, Deno, Bun,
 * Node's global WebSocket) and the `ws` package both satisfy it. Sockets are opened through an
 * injected {@link SocketFactory}, so tests use loopback fakes and hosts can bring their own.
 *
 * @example
 * ```ts
 * import { messageText, SocketState, type SocketLike } from 'steadycall';
 *
 * function echo(socket: SocketLike): void {
 *   socket.addEventListener('message', ({ data }) => {
 *     const text = messageText(data);
 *     if (text !== null && socket.readyState === SocketState.OPEN) socket.send(text);
 *   });
 * }
 * ```
 */
export interface SocketLike {
  /** The socket's state, one of {@link SocketState}'s values. */
  readonly readyState: number;
  /** Sends a text or binary frame. */
  send(data: string | Uint8Array): void;
  /** Starts the closing handshake with an optional close code and reason. */
  close(code?: number, reason?: string): void;
  /** Listens for the socket opening. */
  addEventListener(type: 'open', listener: () => void): void;
  /** Listens for incoming frames; read `data` with {@link messageText}. */
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  /** Listens for the socket closing, with the close code and reason. */
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  /** Listens for socket errors (a `close` follows). */
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
  /** Removes a listener added with `addEventListener`. */
  removeEventListener(type: string, listener: (...args: never[]) => void): void;
}

/**
 * WebSocket ready states (same numbers as the WHATWG constants).
 *
 * @example
 * ```ts
 * import { SocketState } from 'steadycall';
 *
 * if (socket.readyState === SocketState.OPEN) socket.send(JSON.stringify({ type: 'ping' }));
 * ```
 */
export const SocketState = {
  /** 0: the connection is not yet open. */
  CONNECTING: 0,
  /** 1: open and ready to send. */
  OPEN: 1,
  /** 2: the closing handshake has started. */
  CLOSING: 2,
  /** 3: closed, or could not be opened. */
  CLOSED: 3,
} as const;

/**
 * Opens a client socket. `headers` carry the provider's credentials (never put keys in URLs).
 *
 * @example
 * ```ts
 * import { webSocketFactory, type SocketFactory } from 'steadycall';
 *
 * const base = webSocketFactory();
 * const socketFactory: SocketFactory = (url, options) => {
 *   console.log(`opening a model socket to ${new URL(url).host}`);
 *   return base(url, options);
 * };
 * ```
 */
export type SocketFactory = (url: string, options: { headers: Record<string, string> }) => SocketLike;

/**
 * Text of a socket message (`ws` gives Buffers, WHATWG sockets give strings or ArrayBuffers).
 *
 * @param data - The `data` of a `message` event.
 * @returns The frame decoded as UTF-8 text, or `null` when `data` is not text or bytes.
 *
 * @example
 * ```ts
 * import { messageText } from 'steadycall';
 *
 * socket.addEventListener('message', ({ data }) => {
 *   const text = messageText(data);
 *   if (text !== null) handle(JSON.parse(text));
 * });
 * ```
 */
export function messageText(data: unknown): string | null {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (ArrayBuffer.isView(data)) return new TextDecoder().decode(data as Uint8Array);
  if (Array.isArray(data)) return data.map((d) => messageText(d) ?? '').join('');
  return null;
}
