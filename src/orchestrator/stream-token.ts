import { timingSafeEqualString } from '../telephony/signature.js';

/**
 * Per-call media-stream tokens. The voice webhook puts one in the TwiML's `<Parameter>`s; the
 * media-stream endpoint accepts a stream only with a valid, unexpired token for that call, so a
 * leaked stream URL cannot be used to attach to someone else's call.
 * Format: `<expiresAtMs>.<base64url HMAC-SHA256(secret, callId|provider|expiresAtMs)>`.
 */

const encoder = new TextEncoder();

function base64url(bytes: ArrayBuffer): string {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * What a stream token is bound to: one call and the AI provider chosen for it.
 *
 * @example
 * ```ts
 * import type { StreamTokenClaims } from 'steadycall';
 *
 * const claims: StreamTokenClaims = { callId: 'call-42', provider: 'openai' };
 * const token = await tokens.mint(claims, Date.now());
 * ```
 */
export interface StreamTokenClaims {
  /** Our id of the call. */
  callId: string;
  /** The AI provider the stream is for. */
  provider: string;
}

/**
 * Mints and verifies stream tokens with a shared secret (the same on every instance).
 *
 * @example
 * ```ts
 * import { StreamTokens } from 'steadycall';
 *
 * const tokens = new StreamTokens(process.env.STREAM_TOKEN_SECRET!); // valid 10 minutes
 * const token = await tokens.mint({ callId: 'call-42', provider: 'openai' }, Date.now());
 * await tokens.verify(token, { callId: 'call-42', provider: 'openai' }, Date.now()); // true
 * await tokens.verify(token, { callId: 'call-43', provider: 'openai' }, Date.now()); // false
 * ```
 */
export class StreamTokens {
  readonly #key: Promise<CryptoKey>;
  readonly #ttlMs: number;

  /**
   * @param secret - The shared secret, at least 16 characters.
   * @param ttlMs - How long a token stays valid. Default 10 minutes.
   * @throws RangeError when `secret` is shorter than 16 characters.
   */
  constructor(secret: string, ttlMs = 10 * 60_000) {
    if (secret.length < 16) throw new RangeError('stream token secret must be at least 16 characters');
    this.#ttlMs = ttlMs;
    this.#key = crypto.subtle.importKey(
      'raw',
      encoder.encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
  }

  async #mac(claims: StreamTokenClaims, expiresAt: number): Promise<string> {
    const data = `${claims.callId}|${claims.provider}|${expiresAt}`;
    return base64url(await crypto.subtle.sign('HMAC', await this.#key, encoder.encode(data)));
  }

  /**
   * Mints a token for `claims`, valid for `ttlMs` from `now` (epoch ms).
   *
   * @returns `<expiresAtMs>.<signature>`, safe to put in a TwiML `<Parameter>`.
   */
  async mint(claims: StreamTokenClaims, now: number): Promise<string> {
    const expiresAt = now + this.#ttlMs;
    return `${expiresAt}.${await this.#mac(claims, expiresAt)}`;
  }

  /** True when `token` was minted for exactly these claims and has not expired. */
  async verify(token: string | null | undefined, claims: StreamTokenClaims, now: number): Promise<boolean> {
    if (!token) return false;
    const dot = token.indexOf('.');
    const expiresAt = Number(token.slice(0, dot));
    if (dot <= 0 || !Number.isSafeInteger(expiresAt)) return false;
    const expected = await this.#mac(claims, expiresAt);
    return timingSafeEqualString(token.slice(dot + 1), expected) && now < expiresAt;
  }
}
