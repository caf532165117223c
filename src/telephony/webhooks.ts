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

/** Body of the voice webhook (Twilio asks for TwiML when the call connects). */
export const voiceWebhookSchema = z
  .object({
    CallSid: sid('CA'),
    AccountSid: sid('AC'),
    From: phoneOrClient.optional(),
    To: phoneOrClient.optional(),
    CallStatus: callStatus.optional(),
    Direction: shortText.optional(),
    ApiVersion: shortText.optional(),
  })
  .catchall(z.string().max(8192));
export type VoiceWebhook = z.infer<typeof voiceWebhookSchema>;

/** Body of a call status callback. `SequenceNumber` orders callbacks of one call. */
export const statusWebhookSchema = z
  .object({
    CallSid: sid('CA'),
    AccountSid: sid('AC'),
    CallStatus: callStatus,
    SequenceNumber: z
      .string()
      .regex(/^\d{1,9}$/, 'must be a non-negative integer')
      .transform(Number)
      .optional(),
    Timestamp: shortText.optional(),
    CallDuration: z
      .string()
      .regex(/^\d{1,9}$/)
      .optional(),
    From: phoneOrClient.optional(),
    To: phoneOrClient.optional(),
    Direction: shortText.optional(),
    SipResponseCode: z.string().max(8).optional(),
    ErrorCode: z.string().max(16).optional(),
  })
  .catchall(z.string().max(8192));
export type StatusWebhook = z.infer<typeof statusWebhookSchema>;

/** Body of a `<Stream statusCallback>` request. */
export const streamStatusWebhookSchema = z
  .object({
    CallSid: sid('CA'),
    AccountSid: sid('AC'),
    StreamSid: sid('MZ'),
    StreamName: shortText.optional(),
    StreamEvent: z.enum(['stream-started', 'stream-stopped', 'stream-error']),
    StreamError: shortText.optional(),
    Timestamp: shortText.optional(),
  })
  .catchall(z.string().max(8192));
export type StreamStatusWebhook = z.infer<typeof streamStatusWebhookSchema>;

// The zod -> ValidationError boundary helpers live in core; re-exported here where they started.
export { parseWith, toValidationError } from '../core/validate.js';

/** Form body -> params record; a key repeated in the body keeps all its values (as Twilio signs them). */
export function formParams(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

/** Flattens repeated keys to their last value, for schema parsing. */
export function lastValues(params: Record<string, string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) out[k] = Array.isArray(v) ? (v.at(-1) ?? '') : v;
  return out;
}
