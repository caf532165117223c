import { ValidationError } from '../core/errors.js';

/**
 * Header Twilio sets on webhook requests; the same value on every retry of one event.
 *
 * @example
 * ```ts
 * import { TWILIO_IDEMPOTENCY_HEADER } from 'steadycall';
 *
 * const token = request.headers.get(TWILIO_IDEMPOTENCY_HEADER); // null on Twilio's older webhooks
 * ```
 */
export const TWILIO_IDEMPOTENCY_HEADER = 'I-Twilio-Idempotency-Token';
/**
 * Header clients of our own API send (IETF draft `Idempotency-Key`).
 *
 * @example
 * ```ts
 * import { IDEMPOTENCY_KEY_HEADER } from 'steadycall';
 *
 * await fetch('https://voice.example.com/calls-start', {
 *   method: 'POST',
 *   headers: { [IDEMPOTENCY_KEY_HEADER]: crypto.randomUUID(), authorization: `Bearer ${token}` },
 *   body: JSON.stringify({ to: '+14155550123' }),
 * });
 * ```
 */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/**
 * Longest accepted header value, in characters.
 *
 * @example
 * ```ts
 * import { MAX_IDEMPOTENCY_KEY_LENGTH } from 'steadycall';
 *
 * const key = `order-${orderId}-${attempt}`.slice(0, MAX_IDEMPOTENCY_KEY_LENGTH);
 * ```
 */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

// Visible ASCII only (0x21-0x7E): no spaces, control characters or non-ASCII look-alikes.
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

function isValidToken(value: string): boolean {
  return value.length <= MAX_IDEMPOTENCY_KEY_LENGTH && VISIBLE_ASCII.test(value);
}

/**
 * The idempotency key of a Twilio webhook: `twilio:token:<token>` when Twilio sent a valid
 * `I-Twilio-Idempotency-Token`, else derived from the body as
 * `twilio:status:<CallSid>:<CallStatus>:<SequenceNumber or ''>`. Each derived part is
 * percent-encoded, so a `:` inside a value can never make two events share a key.
 *
 * @throws {ValidationError} when the token is absent or invalid and `CallSid` or `CallStatus` is missing.
 * @example
 * ```ts
 * const params = Object.fromEntries(new URLSearchParams(await request.text()));
 * const key = twilioWebhookIdempotencyKey(request.headers, params);
 * // 'twilio:status:CA123...:completed:3'
 * ```
 */
export function twilioWebhookIdempotencyKey(headers: Headers, params: Record<string, string>): string {
  const token = headers.get(TWILIO_IDEMPOTENCY_HEADER);
  if (token !== null && token !== '' && isValidToken(token)) return `twilio:token:${token}`;

  const callSid = params.CallSid;
  const callStatus = params.CallStatus;
  if (!callSid || !callStatus) {
    const missing = [...(callSid ? [] : ['CallSid']), ...(callStatus ? [] : ['CallStatus'])];
    throw new ValidationError(
      `Twilio webhook has no idempotency token and no ${missing.join('/')} to derive a key from`,
      missing.map((path) => ({ path, message: 'is required to derive an idempotency key' })),
    );
  }
  const parts = [callSid, callStatus, params.SequenceNumber ?? ''].map(encodeURIComponent);
  return `twilio:status:${parts.join(':')}`;
}

/**
 * Reads the `Idempotency-Key` header of a request to our own API and scopes it:
 * `<scope>:<key>`, so two tenants or routes using the same client key never collide. The scope is
 * percent-encoded (scopes `acme` and `acme:calls` stay distinct) and `twilio` is reserved for
 * {@link twilioWebhookIdempotencyKey}.
 *
 * @returns the scoped key, or `null` when the header is absent (the request is not idempotent).
 * @throws {ValidationError} when the header is empty, longer than 255 characters or not visible
 *   ASCII, or when the scope is empty or `twilio`.
 * @example
 * ```ts
 * const key = requestIdempotencyKey(request.headers, `tenant-${tenantId}:POST /calls`);
 * if (key) return idempotency.execute(key, body, () => startCall(body));
 * ```
 */
export function requestIdempotencyKey(headers: Headers, scope: string): string | null {
  if (!scope || scope === 'twilio') {
    throw new ValidationError('Idempotency scope must be a non-empty string other than "twilio"', [
      { path: 'scope', message: 'must be non-empty and not the reserved "twilio"' },
    ]);
  }
  const key = headers.get(IDEMPOTENCY_KEY_HEADER);
  if (key === null) return null;
  const problem =
    key === ''
      ? 'must not be empty'
      : key.length > MAX_IDEMPOTENCY_KEY_LENGTH
        ? `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`
        : isValidToken(key)
          ? null
          : 'must contain only visible ASCII characters (no spaces)';
  if (problem) {
    throw new ValidationError(`Invalid ${IDEMPOTENCY_KEY_HEADER} header: ${problem}`, [
      { path: `headers.${IDEMPOTENCY_KEY_HEADER}`, message: problem },
    ]);
  }
  return `${encodeURIComponent(scope)}:${key}`;
}
