/**
 * The slice of a WebSocket the realtime code needs: the WHATWG interface (browsers, Deno, Bun,
 * Node's global WebSocket) and the `ws` package both satisfy it. Sockets are opened through an
 * injected {@link SocketFactory}, so tests use loopback fakes and hosts can bring their own.
 */
export interface SocketLike {
  readonly readyState: number;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: 'error', listener: (event: unknown) => void): void;
  removeEventListener(type: string, listener: (...args: never[]) => void): void;
}

/** WebSocket ready states (same numbers as the WHATWG constants). */
export const SocketState = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const;

/** Opens a client socket. `headers` carry the provider's credentials (never put keys in URLs). */
export type SocketFactory = (url: string, options: { headers: Record<string, string> }) => SocketLike;

/** Text of a socket message (`ws` gives Buffers, WHATWG sockets give strings or ArrayBuffers). */
export function messageText(data: unknown): string | null {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (ArrayBuffer.isView(data)) return new TextDecoder().decode(data as Uint8Array);
  if (Array.isArray(data)) return data.map((d) => messageText(d) ?? '').join('');
  return null;
}
