/**
 * Twilio webhook signatures (`X-Twilio-Signature`), computed with Web Crypto HMAC-SHA1 so the same
 * code validates on Node, Deno (Supabase Edge) and workers.
 *
 * The signed URL is always rebuilt from a configured public base URL: behind a proxy or a
 * serverless gateway `Host` and `req.url` are not what Twilio called, and trusting them lets an
 * attacker choose the URL being checked.
 */

/**
 * The form parameters of a Twilio webhook, as they are signed: one value per key, or every value of
 * a repeated key.
 *
 * @example
 * ```ts
 * import { formParams, type TwilioParams } from 'steadycall';
 *
 * const params: TwilioParams = formParams(await request.text());
 * ```
 */
export type TwilioParams = Record<string, string | readonly string[]>;

const encoder = new TextEncoder();

/**
 * Twilio's string-to-sign: the URL followed by every POST param as key+value, keys sorted.
 *
 * @example
 * ```ts
 * import { twilioStringToSign } from 'steadycall';
 *
 * twilioStringToSign('https://voice.example.com/twilio-voice', { To: '+14155550100', CallSid: 'CA123' });
 * // 'https://voice.example.com/twilio-voiceCallSidCA123To+14155550100'
 * ```
 */
export function twilioStringToSign(url: string, params: TwilioParams = {}): string {
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    if (Array.isArray(value)) {
      // Repeated keys: unique values, sorted, each as key+value (as Twilio does).
      for (const v of [...new Set(value)].sort()) data += key + v;
    } else {
      data += key + (value as string);
    }
  }
  return data;
}

function toBase64(bytes: ArrayBuffer): string {
  let binary = '';
  for (const b of new Uint8Array(bytes)) binary += String.fromCharCode(b);
  return btoa(binary);
}

/**
 * Compares two strings in time that depends only on their lengths.
 *
 * @example
 * ```ts
 * import { timingSafeEqualString } from 'steadycall';
 *
 * const authorised = timingSafeEqualString(request.headers.get('x-ops-token') ?? '', process.env.OPS_TOKEN!);
 * ```
 */
export function timingSafeEqualString(a: string, b: string): boolean {
  const ab = encoder.encode(a);
  const bb = encoder.encode(b);
  let diff = ab.length ^ bb.length;
  const n = Math.max(ab.length, bb.length);
  for (let i = 0; i < n; i++) diff |= (ab[i] ?? 0) ^ (bb[i] ?? 0);
  return diff === 0;
}

/** Splits a URL without normalising it, so the exact signed characters survive. */
function splitAuthority(url: string): { scheme: string; host: string; port: string; rest: string } | null {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!match) return null;
  const [prefix, scheme = '', authority = ''] = match;
  const hostAndPort = authority.slice(authority.lastIndexOf('@') + 1);
  const userInfo = authority.slice(0, authority.length - hostAndPort.length);
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  return {
    scheme,
    host: userInfo + (portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart)),
    port: portStart === -1 ? '' : hostAndPort.slice(portStart),
    rest: url.slice(prefix.length),
  };
}

/**
 * The URL variants Twilio is known to sign: as configured, without the port, and with the
 * scheme's default port (Twilio sometimes signs `https://host:443/...`).
 *
 * @example
 * ```ts
 * import { signedUrlCandidates } from 'steadycall';
 *
 * signedUrlCandidates('https://voice.example.com/twilio-voice');
 * // ['https://voice.example.com/twilio-voice', 'https://voice.example.com:443/twilio-voice']
 * ```
 */
export function signedUrlCandidates(url: string): string[] {
  const parts = splitAuthority(url);
  if (!parts) return [url];
  const withoutPort = parts.scheme + parts.host + parts.rest;
  const defaultPort = /^(https|wss):/i.test(parts.scheme) ? ':443' : ':80';
  const withPort = parts.scheme + parts.host + (parts.port || defaultPort) + parts.rest;
  return [...new Set([url, withoutPort, withPort])];
}

/**
 * Hex SHA-256 of a body, for Twilio's `bodySHA256` JSON-webhook scheme.
 *
 * @example
 * ```ts
 * import { bodySha256Hex } from 'steadycall';
 *
 * const rawBody = await request.text();
 * const matches = (await bodySha256Hex(rawBody)) === new URL(request.url).searchParams.get('bodySHA256');
 * ```
 */
export async function bodySha256Hex(body: string | Uint8Array): Promise<string> {
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * What {@link TwilioSigner.validate} checks: the public URL, the header and the signed content.
 *
 * @example
 * ```ts
 * import { formParams, publicWebhookUrl, type SignatureCheck } from 'steadycall';
 *
 * const check: SignatureCheck = {
 *   url: publicWebhookUrl('https://voice.example.com', request),
 *   signature: request.headers.get('x-twilio-signature'),
 *   params: formParams(await request.text()),
 * };
 * ```
 */
export interface SignatureCheck {
  /** The full public URL Twilio requested (from {@link publicWebhookUrl}). */
  url: string;
  /** The `X-Twilio-Signature` header value (null when absent). */
  signature: string | null | undefined;
  /** Form params for `application/x-www-form-urlencoded` bodies; omit for JSON and WebSocket upgrades. */
  params?: TwilioParams;
  /** Raw body, required when the URL carries `bodySHA256` (JSON webhooks). */
  rawBody?: string | Uint8Array;
}

/**
 * Computes and checks Twilio signatures, caching the imported HMAC keys.
 * Accepts several auth tokens so a token can be rotated without dropping webhooks.
 *
 * @example
 * ```ts
 * const signer = new TwilioSigner([env.TWILIO_AUTH_TOKEN]);
 * const ok = await signer.validate({ url: publicWebhookUrl(base, req), signature, params });
 * ```
 */
export class TwilioSigner {
  readonly #keys: Promise<CryptoKey[]>;

  /** @param authTokens - The account's auth token, or several during a rotation (the first signs). */
  constructor(authTokens: string | readonly string[]) {
    const tokens = (typeof authTokens === 'string' ? [authTokens] : [...authTokens]).filter(
      (t) => t.length > 0,
    );
    this.#keys = Promise.all(
      tokens.map((t) =>
        crypto.subtle.importKey('raw', encoder.encode(t), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']),
      ),
    );
  }

  /** Signature of `url` + `params` with the first (current) auth token. */
  async sign(url: string, params: TwilioParams = {}): Promise<string> {
    const [key] = await this.#keys;
    if (!key) throw new Error('TwilioSigner has no auth token');
    return this.#hmac(key, twilioStringToSign(url, params));
  }

  async #hmac(key: CryptoKey, data: string): Promise<string> {
    return toBase64(await crypto.subtle.sign('HMAC', key, encoder.encode(data)));
  }

  /** True when the signature matches under any token and any known URL variant (and body hash). */
  async validate(check: SignatureCheck): Promise<boolean> {
    const signature = check.signature ?? '';
    const keys = await this.#keys;
    if (!signature || keys.length === 0) return false;
    const hasBodyHash = check.url.includes('bodySHA256=');
    const params = hasBodyHash ? {} : (check.params ?? {});
    let matched = false;
    for (const url of signedUrlCandidates(check.url)) {
      const data = twilioStringToSign(url, params);
      for (const key of keys) {
        // Evaluate every candidate (no early exit) so timing does not reveal which one matched.
        if (timingSafeEqualString(await this.#hmac(key, data), signature)) matched = true;
      }
    }
    if (!matched || !hasBodyHash) return matched;
    const expected = safeSearchParam(check.url, 'bodySHA256') ?? '';
    const actual = await bodySha256Hex(check.rawBody ?? '');
    return timingSafeEqualString(actual, expected);
  }
}

function safeSearchParam(url: string, name: string): string | null {
  try {
    return new URL(url).searchParams.get(name);
  } catch {
    return null;
  }
}

/**
 * The URL Twilio called, rebuilt from the configured public base URL and the request's path and
 * query (never its `Host`). `https://api.example.com/hooks` + `/twilio-voice?x=1` works with or
 * without a path prefix in the base; the request path is taken relative to `mountPath` if given.
 *
 * @param publicBaseUrl - The configured public base URL (e.g. `https://voice.example.com`).
 * @param request - The request, or its URL (absolute or path + query).
 * @param mountPath - A prefix the router mounted the handlers under, stripped from the path.
 *
 * @example
 * ```ts
 * import { publicWebhookUrl } from 'steadycall';
 *
 * publicWebhookUrl('https://voice.example.com/hooks', 'http://10.0.0.7:3000/twilio-voice?x=1');
 * // 'https://voice.example.com/hooks/twilio-voice?x=1'
 * ```
 */
export function publicWebhookUrl(publicBaseUrl: string, request: Request | string, mountPath = ''): string {
  const raw = typeof request === 'string' ? request : request.url;
  const parsed = new URL(raw, 'http://placeholder.invalid');
  // Keep the raw path and query text exactly as received (no re-encoding).
  const afterAuthority = raw.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');
  let pathAndQuery = afterAuthority.startsWith('/') ? afterAuthority : parsed.pathname + parsed.search;
  if (mountPath && pathAndQuery.startsWith(mountPath))
    pathAndQuery = pathAndQuery.slice(mountPath.length) || '/';
  return publicBaseUrl.replace(/\/+$/, '') + pathAndQuery;
}
