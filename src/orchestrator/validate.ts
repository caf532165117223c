import type { z } from 'zod';
import { toValidationError } from '../telephony/webhooks.js';

/** Parses use-case input with zod, or throws a ValidationError (400) naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, what: string, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw toValidationError(what, result.error);
  return result.data;
}
