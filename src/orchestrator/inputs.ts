import { z } from 'zod';

/** E.164: `+` then 8 to 15 digits. */
export const e164Schema = z
  .string()
  .regex(/^\+[1-9]\d{7,14}$/, 'must be an E.164 phone number like +14155550123');

const tenantId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w.:-]+$/, 'may contain letters, digits, _ . : -');

/** Body of `calls-start`. */
export const startCallInputSchema = z
  .object({
    to: e164Schema,
    from: e164Schema.optional(),
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
export type StartCallInput = z.infer<typeof startCallInputSchema>;

/** Body of the SMS use case. */
export const sendSmsInputSchema = z
  .object({
    to: e164Schema,
    from: e164Schema.optional(),
    body: z.string().min(1).max(1600),
    tenantId: tenantId.optional(),
  })
  .strict();
export type SmsRequest = z.infer<typeof sendSmsInputSchema>;

/** Body of `openai-realtime-session`. */
export const browserSessionInputSchema = z.discriminatedUnion('api', [
  z
    .object({
      api: z.literal('live'),
      sdpOffer: z.string().min(1).max(65_536),
      instructions: z.string().max(16_384).optional(),
      voice: z.string().max(64).optional(),
      tenantId: tenantId.optional(),
    })
    .strict(),
  z
    .object({
      api: z.literal('realtime'),
      instructions: z.string().max(16_384).optional(),
      voice: z.string().max(64).optional(),
      expiresAfterSeconds: z.number().int().min(10).max(7200).optional(),
      tenantId: tenantId.optional(),
    })
    .strict(),
]);
export type BrowserSessionInput = z.infer<typeof browserSessionInputSchema>;
