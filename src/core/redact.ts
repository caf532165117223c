/**
 * Redaction: no secret and no full phone number may leave steadycall in a log line, an error or an
 * incident. Phone numbers keep only their last four digits; secret-looking keys and known secret
 * values are replaced.
 */

const REDACTED = '[REDACTED]';
const SECRET_KEY =
  /(secret|token|password|passwd|authorization|api[-_]?key|auth[-_]?token|credential|signature|cookie)/i;
// E.164 and common formatted numbers: 7 to 15 digits with optional +, spaces, dashes, dots, parens.
// Not inside ids: a run preceded or followed by a word character or '-' (UUID segments) is left alone.
const PHONE = /(?<![\w-])\+?\d[\d\s().-]{5,18}\d(?![\w-])/g;

/**
 * `+14155550123` -> `+*******0123`. Keeps the last four digits so operators can still correlate.
 *
 * Values with fewer than seven digits are returned unchanged.
 *
 * @example
 * ```ts
 * import { maskPhone } from 'steadycall';
 *
 * maskPhone('+14155550123'); // '+*******0123'
 * ```
 */
export function maskPhone(value: string): string {
  const digits = value.replace(/\D/g, '');
  if (digits.length < 7) return value;
  const plus = value.trim().startsWith('+') ? '+' : '';
  return `${plus}${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
}

/**
 * Masks every phone-number-looking run of digits in free text.
 *
 * Also masks URL-encoded numbers (`To=%2B14155550123`); ISO dates and runs inside ids are left alone.
 *
 * @example
 * ```ts
 * import { maskPhonesInText } from 'steadycall';
 *
 * maskPhonesInText('Call to +1 (415) 555-0123 failed'); // 'Call to +*******0123 failed'
 * ```
 */
export function maskPhonesInText(text: string): string {
  // URL-encoded numbers (`To=%2B14155550123` in form bodies and query strings) first.
  const decodedPlus = text.replace(
    /(%2B)(\d{7,15})(?!\d)/gi,
    (_m, prefix: string, digits: string) => `${prefix}${maskPhone(digits)}`,
  );
  return decodedPlus.replace(PHONE, (match) => {
    const digits = match.replace(/\D/g, '');
    // Leave ISO dates, timestamps and short numbers alone; phone numbers have 7-15 digits.
    if (digits.length < 7 || digits.length > 15) return match;
    if (/^\d{4}-\d{2}-\d{2}/.test(match)) return match;
    return maskPhone(match);
  });
}

/**
 * Options of {@link createRedactor}.
 *
 * @example
 * ```ts
 * const options: RedactOptions = { secrets: [process.env.OPENAI_API_KEY!], maxDepth: 4 };
 * const scrub = createRedactor(options);
 * ```
 */
export interface RedactOptions {
  /** Exact secret values to scrub wherever they appear (API keys, auth tokens). Values shorter than 4 characters are ignored. */
  secrets?: readonly string[];
  /** Max depth to walk; deeper values become `[Truncated]`. Default 8. */
  maxDepth?: number;
}

/**
 * Builds a redactor that remembers the secrets it must scrub.
 *
 * The redactor walks objects and arrays (never mutating them): values under secret-looking keys
 * (`token`, `apiKey`, `authorization`, ...) become `[REDACTED]`, known secret values and phone
 * numbers are scrubbed from every string, errors become `{ name, message, code }`, and cycles
 * become `[Circular]`.
 *
 * @example
 * ```ts
 * import { createRedactor } from 'steadycall';
 *
 * const scrub = createRedactor({ secrets: [process.env.TWILIO_AUTH_TOKEN!] });
 * scrub({ to: '+14155550123', authToken: 'abc123', note: 'ok' });
 * // { to: '+*******0123', authToken: '[REDACTED]', note: 'ok' }
 * ```
 */
export function createRedactor(options: RedactOptions = {}): (value: unknown) => unknown {
  const secrets = (options.secrets ?? []).filter((s) => typeof s === 'string' && s.length >= 4);
  const maxDepth = options.maxDepth ?? 8;

  const scrubString = (s: string): string => {
    let out = s;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return maskPhonesInText(out);
  };

  const walk = (value: unknown, depth: number, seen: WeakSet<object>): unknown => {
    if (typeof value === 'string') return scrubString(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth > maxDepth) return '[Truncated]';
    if (seen.has(value)) return '[Circular]';
    seen.add(value);
    if (value instanceof Error) {
      return {
        name: value.name,
        message: scrubString(value.message),
        ...('code' in value ? { code: (value as { code: unknown }).code } : {}),
      };
    }
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1, seen));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) && v != null && v !== '' ? REDACTED : walk(v, depth + 1, seen);
    }
    return out;
  };

  return (value) => walk(value, 0, new WeakSet());
}

/**
 * Redacts with no extra known secrets (phone numbers and secret-looking keys only).
 *
 * @example
 * ```ts
 * import { redact } from 'steadycall';
 *
 * logger.warn(redact({ err, from: params.From }) as Record<string, unknown>, 'voice webhook failed');
 * ```
 */
export const redact = createRedactor();
