/**
 * A small TwiML builder for the documents steadycall answers with: `<Connect><Stream>` to bridge a
 * call to the realtime model, and the fallback `<Say>` / `<Dial>` when no AI provider is available.
 * Every attribute and text node is XML-escaped.
 */

/**
 * Escapes the five XML special characters (and strips characters XML 1.0 forbids).
 *
 * @example
 * ```ts
 * import { escapeXml } from 'steadycall';
 *
 * escapeXml(`Tom & Jerry's <shop>`); // 'Tom &amp; Jerry&apos;s &lt;shop&gt;'
 * ```
 */
export function escapeXml(value: string): string {
  return (
    value
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing the control characters XML forbids
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

function attrs(values: Record<string, string | number | boolean | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
}

const XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>';

/**
 * Options of {@link streamTwiml}.
 *
 * @example
 * ```ts
 * import { streamTwiml, type StreamTwimlOptions } from 'steadycall';
 *
 * const options: StreamTwimlOptions = {
 *   url: 'wss://voice.example.com/media',
 *   parameters: { callId: 'call-42', provider: 'openai', token },
 *   statusCallback: 'https://voice.example.com/twilio-stream-status',
 * };
 * const twiml = streamTwiml(options);
 * ```
 */
export interface StreamTwimlOptions {
  /** `wss://` URL of the media-stream endpoint. */
  url: string;
  /** Custom parameters delivered in the stream's `start` message (call id, provider, token). */
  parameters?: Record<string, string>;
  /** Optional `<Say>` before connecting (e.g. a short notice). */
  greeting?: string;
  /** Voice for the greeting. Default: Twilio's default `<Say>` voice. */
  voice?: string;
  /** Stream status callback (stream-status webhook). Default: none. */
  statusCallback?: string;
}

/**
 * `<Response><Connect><Stream url>` with `<Parameter>`s.
 *
 * @throws TypeError when `url` is not a `ws://` or `wss://` URL.
 *
 * @example
 * ```ts
 * import { streamTwiml } from 'steadycall';
 *
 * streamTwiml({ url: 'wss://voice.example.com/media', parameters: { callId, provider: 'openai', token } });
 * ```
 */
export function streamTwiml(options: StreamTwimlOptions): string {
  if (!/^wss:\/\/|^ws:\/\//i.test(options.url))
    throw new TypeError('Stream url must be a ws:// or wss:// URL');
  const params = Object.entries(options.parameters ?? {})
    .map(([name, value]) => `<Parameter${attrs({ name, value })}/>`)
    .join('');
  const say = options.greeting
    ? `<Say${attrs({ voice: options.voice })}>${escapeXml(options.greeting)}</Say>`
    : '';
  const stream = `<Stream${attrs({
    url: options.url,
    statusCallback: options.statusCallback,
    statusCallbackMethod: options.statusCallback ? 'POST' : undefined,
  })}>${params}</Stream>`;
  return `${XML_HEADER}<Response>${say}<Connect>${stream}</Connect></Response>`;
}

/**
 * Options of {@link fallbackTwiml}.
 *
 * @example
 * ```ts
 * import { fallbackTwiml, type FallbackTwimlOptions } from 'steadycall';
 *
 * const options: FallbackTwimlOptions = {
 *   message: 'Our assistant is unavailable. Connecting you to a colleague.',
 *   dialTo: '+14155550199',
 *   timeoutSeconds: 20,
 * };
 * const twiml = fallbackTwiml(options);
 * ```
 */
export interface FallbackTwimlOptions {
  /** What the caller hears. */
  message: string;
  /** `<Say>` voice, e.g. `Polly.Joanna`. Default: Twilio's default voice. */
  voice?: string;
  /** `<Say>` language, e.g. `en-US`. Default: Twilio's default. */
  language?: string;
  /** E.164 number of a human to transfer to after the message. */
  dialTo?: string;
  /** Caller id for the transfer. */
  callerId?: string;
  /** Seconds to ring the human. Default: Twilio's `<Dial>` default (30). */
  timeoutSeconds?: number;
}

/**
 * The TwiML answered when no AI provider can take the call: a message, then a human or hang-up.
 *
 * @example
 * ```ts
 * import { fallbackTwiml } from 'steadycall';
 *
 * const twiml = fallbackTwiml({ message: 'Sorry, we cannot take your call right now. Goodbye.' });
 * const response = new Response(twiml, { headers: { 'content-type': 'text/xml' } }); // <Say> then <Hangup/>
 * ```
 */
export function fallbackTwiml(options: FallbackTwimlOptions): string {
  const say = `<Say${attrs({ voice: options.voice, language: options.language })}>${escapeXml(options.message)}</Say>`;
  const dial = options.dialTo
    ? `<Dial${attrs({ callerId: options.callerId, timeout: options.timeoutSeconds })}>${escapeXml(options.dialTo)}</Dial>`
    : '<Hangup/>';
  return `${XML_HEADER}<Response>${say}${dial}</Response>`;
}

/**
 * An empty `<Response/>`: acknowledges a webhook without doing anything.
 *
 * @example
 * ```ts
 * import { emptyTwiml } from 'steadycall';
 *
 * const response = new Response(emptyTwiml(), { headers: { 'content-type': 'text/xml' } });
 * ```
 */
export function emptyTwiml(): string {
  return `${XML_HEADER}<Response/>`;
}
