import type { z } from 'zod';
import { ValidationError, type ValidationIssue } from './errors.js';

/** zod issues as the SDK's {@link ValidationIssue}s (`prefix` is put before each path). */
export function zodIssues(error: z.ZodError, prefix = ''): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.') || '(root)',
    message: issue.message,
  }));
}

/**
 * Converts zod issues into a typed {@link ValidationError} (400) naming each bad field.
 *
 * @param what - What was being validated, for the message (`Invalid <what>`).
 * @param error - The zod error whose issues become {@link ValidationIssue}s.
 * @example
 * ```ts
 * import { toValidationError } from 'steadycall';
 *
 * const parsed = schema.safeParse(body);
 * if (!parsed.success) throw toValidationError('call request', parsed.error); // "Invalid call request"
 * ```
 */
export function toValidationError(what: string, error: z.ZodError): ValidationError {
  return new ValidationError(`Invalid ${what}`, zodIssues(error));
}

/**
 * Parses with `schema` or throws a {@link ValidationError}: every boundary's one way in.
 *
 * @throws {@link ValidationError} naming every invalid field.
 * @example
 * ```ts
 * import { parseWith, statusWebhookSchema } from 'steadycall';
 *
 * const event = parseWith(statusWebhookSchema, 'status callback', params); // typed, or a 400
 * ```
 */
export function parseWith<S extends z.ZodType>(schema: S, what: string, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw toValidationError(what, result.error);
  return result.data;
}
