import { z } from 'zod';

/**
 * E.164: `+` then 8 to 15 digits.
 *
 * @example
 * ```ts
 * import { e164Schema } from 'steadycall';
 *
 * e164Schema.parse('+14155550123'); // ok
 * e164Schema.safeParse('415-555-0123').success; // false
 * ```
 */
export const e164Schema = z
  .string()
  .regex(/^\+[1-9]\d{7,14}$/, 'must be an E.164 phone number like +14155550123');

const tenantId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w.:-]+$/, 'may contain letters, digits, _ . : -');

/**
 * Body of `calls-start`. Unknown fields are rejected.
 *
 * @example
 * ```ts
 * import { startCallInputSchema } from 'steadycall';
 *
 * const input = startCallInputSchema.parse({ to: '+14155550123', tenantId: 'acme', timeoutSeconds: 30 });
 * ```
 */
export const startCallInputSchema = z
  .object({
    /** The number to call, E.164. */
    to: e164Schema,
    /** The caller id, E.164. Default: the orchestrator's `twilio.defaultFrom`. */
    from: e164Schema.optional(),
    /** The tenant, for per-tenant flags (letters, digits, `_ . : -`, at most 128). */
    tenantId: tenantId.optional(),
    /** Free-form JSON kept on the call record (max 8 KiB serialised). */
    metadata: z
      .record(z.string().max(128), z.unknown())
      .refine((m) => JSON.stringify(m).length <= 8192, 'must serialise to at most 8 KiB')
      .optional(),
    /** Seconds to ring before giving up (5..600). */
    timeoutSeconds: z.number().int().min(5).max(600).optional(),
  })
  .strict();
/**
 * A validated `calls-start` body.
 *
 * @example
 * ```ts
 * import type { StartCallInput } from 'steadycall';
 *
 * const input: StartCallInput = { to: '+14155550123', metadata: { orderId: '1234' } };
 * const { call } = await orchestrator.startCall(input, { idempotencyKey: 'order-1234-callback' });
 * ```
 */
export type StartCallInput = z.infer<typeof startCallInputSchema>;

/**
 * Body of the SMS use case. Unknown fields are rejected.
 *
 * @example
 * ```ts
 * import { sendSmsInputSchema } from 'steadycall';
 *
 * const sms = sendSmsInputSchema.parse({ to: '+14155550123', body: 'Your order has shipped.' });
 * ```
 */
export const sendSmsInputSchema = z
  .object({
    /** The recipient, E.164. */
    to: e164Schema,
    /** The sender, E.164. Default: the orchestrator's `twilio.defaultFrom`. */
    from: e164Schema.optional(),
    /** The text, 1 to 1600 characters. */
    body: z.string().min(1).max(1600),
    /** The tenant, for per-tenant flags. */
    tenantId: tenantId.optional(),
  })
  .strict();
/**
 * A validated SMS request.
 *
 * @example
 * ```ts
 * import type { SmsRequest } from 'steadycall';
 *
 * const sms: SmsRequest = { to: '+14155550123', body: 'Sorry we missed you. Call us back any time.' };
 * const { messageSid } = await orchestrator.sendSms(sms);
 * ```
 */
export type SmsRequest = z.infer<typeof sendSmsInputSchema>;

/**
 * Body of `openai-realtime-session`: a Live API WebRTC session (`api: 'live'`, with the SDP offer)
 * or a Realtime API client secret (`api: 'realtime'`). Unknown fields are rejected.
 *
 * @example
 * ```ts
 * import { browserSessionInputSchema } from 'steadycall';
 *
 * const input = browserSessionInputSchema.parse({ api: 'realtime', voice: 'marin', expiresAfterSeconds: 60 });
 * ```
 */
export const browserSessionInputSchema = z.discriminatedUnion('api', [
  z
    .object({
      /** `'live'`: a WebRTC session with the Live API. */
      api: z.literal('live'),
      /** The browser's SDP offer (at most 64 KiB). */
      sdpOffer: z.string().min(1).max(65_536),
      /** Session instructions (at most 16 384 characters). Default: the server's defaults. */
      instructions: z.string().max(16_384).optional(),
      /** The model's voice. Default: the server's defaults. */
      voice: z.string().max(64).optional(),
      /** The tenant, for per-tenant flags. */
      tenantId: tenantId.optional(),
    })
    .strict(),
  z
    .object({
      /** `'realtime'`: an ephemeral client secret for the Realtime API. */
      api: z.literal('realtime'),
      /** Session instructions (at most 16 384 characters). Default: the server's defaults. */
      instructions: z.string().max(16_384).optional(),
      /** The model's voice. Default: the server's defaults. */
      voice: z.string().max(64).optional(),
      /** Lifetime of the secret, 10..7200 s. Default: OpenAI's (600 s). */
      expiresAfterSeconds: z.number().int().min(10).max(7200).optional(),
      /** The tenant, for per-tenant flags. */
      tenantId: tenantId.optional(),
    })
    .strict(),
]);
/**
 * A validated `openai-realtime-session` body.
 *
 * @example
 * ```ts
 * import type { BrowserSessionInput } from 'steadycall';
 *
 * const input: BrowserSessionInput = { api: 'live', sdpOffer: await request.text() };
 * const session = await orchestrator.createBrowserSession(input);
 * ```
 */
export type BrowserSessionInput = z.infer<typeof browserSessionInputSchema>;
