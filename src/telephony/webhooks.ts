import { z } from 'zod';
import { callStatusSchema } from '../calls/status.js';

/**
 * zod schemas for the form bodies Twilio posts to our webhooks. Known fields are checked; unknown
 * fields pass through untouched (Twilio adds fields over time and signs all of them).
 */

const sid = (prefix: string) =>
  z
    .string()
    .regex(
      new RegExp(`^${prefix}[0-9a-fA-F]{32}$|^${prefix}[A-Za-z0-9]{10,40}$`),
      `must be a ${prefix}... SID`,
    );

const callStatus = callStatusSchema;

const shortText = z.string().max(512);
const phoneOrClient = z.string().max(256);

// The field comments below are what the API reference shows for each schema's fields.

/**
 * Body of the voice webhook (Twilio asks for TwiML when the call connects).
 *
 * @example
 * ```ts
 * import { formParams, lastValues, voiceWebhookSchema } from 'steadycall';
 *
 * const voice = voiceWebhookSchema.parse(lastValues(formParams(await request.text()))); // throws ZodError
 * console.log(voice.CallSid, voice.Direction);
 * ```
 */
export const voiceWebhookSchema = z
  .object({
    /** The call's SID (`CA...`). */
    CallSid: sid('CA'),
    /** The Twilio account SID (`AC...`). */
    AccountSid: sid('AC'),
    /** The caller: an E.164 number or a `client:` identity. */
    From: phoneOrClient.optional(),
    /** The number (or client) called. */
    To: phoneOrClient.optional(),
    /** The call's status when the webhook was sent. */
    CallStatus: callStatus.optional(),
    /** `inbound`, `outbound-api` or `outbound-dial`. */
    Direction: shortText.optional(),
    /** The Twilio API version, e.g. `2010-04-01`. */
    ApiVersion: shortText.optional(),
  })
  .catchall(z.string().max(8192));
/**
 * A parsed voice webhook body: the known fields checked, every other field a string.
 *
 * @example
 * ```ts
 * import { voiceWebhookSchema, type VoiceWebhook } from 'steadycall';
 *
 * const voice: VoiceWebhook = voiceWebhookSchema.parse({ CallSid: callSid, AccountSid: accountSid });
 * const inbound = voice.Direction === 'inbound';
 * ```
 */
export type VoiceWebhook = z.infer<typeof voiceWebhookSchema>;

/**
 * Body of a call status callback. `SequenceNumber` orders callbacks of one call.
 *
 * @example
 * ```ts
 * import { formParams, lastValues, statusWebhookSchema } from 'steadycall';
 *
 * const parsed = statusWebhookSchema.safeParse(lastValues(formParams(await request.text())));
 * if (parsed.success) console.log(parsed.data.CallSid, parsed.data.CallStatus, parsed.data.SequenceNumber);
 * ```
 */
export const statusWebhookSchema = z
  .object({
    /** The call's SID (`CA...`). */
    CallSid: sid('CA'),
    /** The Twilio account SID (`AC...`). */
    AccountSid: sid('AC'),
    /** The call's new status. */
    CallStatus: callStatus,
    /** Order of this callback among the call's callbacks, from 0 (parsed to a number). */
    SequenceNumber: z
      .string()
      .regex(/^\d{1,9}$/, 'must be a non-negative integer')
      .transform(Number)
      .optional(),
    /** When Twilio sent the callback (RFC 2822 date). */
    Timestamp: shortText.optional(),
    /** Seconds the call lasted, on `completed`. */
    CallDuration: z
      .string()
      .regex(/^\d{1,9}$/)
      .optional(),
    /** The caller. */
    From: phoneOrClient.optional(),
    /** The number (or client) called. */
    To: phoneOrClient.optional(),
    /** `inbound`, `outbound-api` or `outbound-dial`. */
    Direction: shortText.optional(),
    /** The SIP response code of a failed or ended call, e.g. `486` for busy. */
    SipResponseCode: z.string().max(8).optional(),
    /** Twilio's error code, when the call failed. */
    ErrorCode: z.string().max(16).optional(),
  })
  .catchall(z.string().max(8192));
/**
 * A parsed status callback body (`SequenceNumber` already a number).
 *
 * @example
 * ```ts
 * import type { StatusWebhook } from 'steadycall';
 *
 * function isTerminal(event: StatusWebhook): boolean {
 *   return ['completed', 'busy', 'failed', 'no-answer', 'canceled'].includes(event.CallStatus);
 * }
 * ```
 */
export type StatusWebhook = z.infer<typeof statusWebhookSchema>;

/**
 * Body of a `<Stream statusCallback>` request.
 *
 * @example
 * ```ts
 * import { formParams, lastValues, streamStatusWebhookSchema } from 'steadycall';
 *
 * const event = streamStatusWebhookSchema.parse(lastValues(formParams(await request.text())));
 * if (event.StreamEvent === 'stream-error') console.error(event.StreamSid, event.StreamError);
 * ```
 */
export const streamStatusWebhookSchema = z
  .object({
    /** The call's SID (`CA...`). */
    CallSid: sid('CA'),
    /** The Twilio account SID (`AC...`). */
    AccountSid: sid('AC'),
    /** The media stream's SID (`MZ...`). */
    StreamSid: sid('MZ'),
    /** The `<Stream name>`, when one was given. */
    StreamName: shortText.optional(),
    /** What happened to the stream. */
    StreamEvent: z.enum(['stream-started', 'stream-stopped', 'stream-error']),
    /** The error message, on `stream-error`. */
    StreamError: shortText.optional(),
    /** When Twilio sent the callback. */
    Timestamp: shortText.optional(),
  })
  .catchall(z.string().max(8192));
/**
 * A parsed `<Stream statusCallback>` body.
 *
 * @example
 * ```ts
 * import type { StreamStatusWebhook } from 'steadycall';
 *
 * function describe(event: StreamStatusWebhook): string {
 *   return `${event.StreamSid}: ${event.StreamEvent}${event.StreamError ? ` (${event.StreamError})` : ''}`;
 * }
 * ```
 */
export type StreamStatusWebhook = z.infer<typeof streamStatusWebhookSchema>;

// The zod -> ValidationError boundary helpers live in core; re-exported here where they started.
export { parseWith, toValidationError } from '../core/validate.js';

/**
 * Form body -> params record; a key repeated in the body keeps all its values (as Twilio signs them).
 *
 * @example
 * ```ts
 * import { formParams } from 'steadycall';
 *
 * formParams('CallSid=CA123&StatusCallbackEvent=ringing&StatusCallbackEvent=answered');
 * // { CallSid: 'CA123', StatusCallbackEvent: ['ringing', 'answered'] }
 * ```
 */
export function formParams(body: string): Record<string, string | string[]> {
  // No prototype: `__proto__=x` or `constructor=x` are params like any other, and all are signed.
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(body)) {
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

/**
 * Flattens repeated keys to their last value, for schema parsing.
 *
 * @example
 * ```ts
 * import { lastValues } from 'steadycall';
 *
 * lastValues({ CallSid: 'CA123', Digits: ['1', '2'] }); // { CallSid: 'CA123', Digits: '2' }
 * ```
 */
export function lastValues(params: Record<string, string | string[]>): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(params)) out[k] = Array.isArray(v) ? (v.at(-1) ?? '') : v;
  return out;
}
