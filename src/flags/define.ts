import type { z } from 'zod';
import { ValidationError, type ValidationIssue } from '../core/errors.js';
import { zodIssues } from '../core/validate.js';

/**
 * A typed feature flag: its key, the zod schema every stored value must pass, the value served when
 * the store has no row (or an unusable one), and a human description for ops UIs.
 *
 * Schemas should be plain validators (no transforms): stored JSON is parsed with the schema on every
 * evaluation, and the value written by `FlagResolver.set()` is stored as given.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { defineFlag, type FlagDefinition } from 'steadycall';
 *
 * const greeting: FlagDefinition<'calls.greeting', string> = defineFlag({
 *   key: 'calls.greeting',
 *   schema: z.string().max(200),
 *   defaultValue: 'Hi! How can I help?',
 *   description: 'What the assistant says first',
 * });
 * ```
 */
export interface FlagDefinition<K extends string = string, T = unknown> {
  /** The flag's key, e.g. `calls.outbound.enabled` (the `feature_flags.key` column). */
  readonly key: K;
  /** Validates every stored value, override and rollout value. */
  readonly schema: z.ZodType<T>;
  /** Served when the store has no row, or its value fails the schema. */
  readonly defaultValue: T;
  /** Shown next to the flag in ops UIs. */
  readonly description: string;
}

/**
 * A map of flag definitions by key, as a `FlagResolver` takes them.
 *
 * @example
 * ```ts
 * import { defineFlags, runbookFlags, type FlagDefinitions } from 'steadycall';
 *
 * const definitions: FlagDefinitions = { ...runbookFlags, ...defineFlags([greeting]) };
 * ```
 */
export type FlagDefinitions = { readonly [key: string]: FlagDefinition<string, unknown> };

/**
 * The value type of flag `K` in a definition map.
 *
 * @example
 * ```ts
 * import type { FlagValue, RunbookFlags } from 'steadycall';
 *
 * type Preferred = FlagValue<RunbookFlags, 'ai.provider.preferred'>; // 'gemini' | 'openai'
 * ```
 */
export type FlagValue<Defs extends FlagDefinitions, K extends keyof Defs> =
  Defs[K] extends FlagDefinition<string, infer T> ? T : never;

/**
 * The keys of `Defs` whose value is a boolean (the ones `isEnabled()` accepts).
 *
 * @example
 * ```ts
 * import type { BooleanFlagKey, RunbookFlags } from 'steadycall';
 *
 * const key: BooleanFlagKey<RunbookFlags> = 'sms.enabled'; // 'ai.provider.preferred' would not compile
 * ```
 */
export type BooleanFlagKey<Defs extends FlagDefinitions> = {
  [K in keyof Defs & string]: FlagValue<Defs, K> extends boolean ? K : never;
}[keyof Defs & string];

/**
 * Turns a tuple of definitions into a map keyed by each definition's key.
 *
 * @example
 * ```ts
 * import type { DefinitionMap } from 'steadycall';
 *
 * const custom: DefinitionMap<[typeof greeting]> = defineFlags([greeting]);
 * custom['calls.greeting'].defaultValue; // string
 * ```
 */
export type DefinitionMap<Ds extends readonly FlagDefinition<string, unknown>[]> = {
  readonly [D in Ds[number] as D['key']]: D;
};

/**
 * Checks a candidate value against a flag's schema; an empty list means it is valid.
 *
 * @example
 * ```ts
 * checkFlagValue(runbookFlags['ai.provider.preferred'], 'anthropic'); // [{ path: '(root)', message: ... }]
 * ```
 */
export function checkFlagValue(
  definition: FlagDefinition<string, unknown>,
  value: unknown,
  path = '',
): ValidationIssue[] {
  const parsed = definition.schema.safeParse(value);
  return parsed.success ? [] : zodIssues(parsed.error, path);
}

/**
 * Declares a typed flag. The default value is checked against the schema right away, so a flag can
 * never fall back to a value of the wrong type.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * const maxCallMinutes = defineFlag({
 *   key: 'calls.max_minutes',
 *   schema: z.number().int().positive(),
 *   defaultValue: 30,
 *   description: 'Hang up calls longer than this',
 * });
 * ```
 */
export function defineFlag<const K extends string, S extends z.ZodType>(definition: {
  key: K;
  schema: S;
  defaultValue: z.output<S>;
  description: string;
}): FlagDefinition<K, z.output<S>> {
  if (typeof definition.key !== 'string' || definition.key.trim() === '') {
    throw new ValidationError('Flag key must be a non-empty string', [{ path: 'key', message: 'empty' }]);
  }
  const parsed = definition.schema.safeParse(definition.defaultValue);
  if (!parsed.success) {
    throw new ValidationError(
      `Default value of flag "${definition.key}" does not match its schema`,
      zodIssues(parsed.error, 'defaultValue'),
    );
  }
  return Object.freeze({
    key: definition.key,
    schema: definition.schema as z.ZodType<z.output<S>>,
    defaultValue: definition.defaultValue,
    description: definition.description,
  });
}

/**
 * Collects definitions into a map keyed by flag key, ready to spread next to `runbookFlags`.
 * Throws a `ValidationError` on a duplicate key.
 *
 * @example
 * ```ts
 * const resolver = new FlagResolver({ store, flags: { ...runbookFlags, ...defineFlags([maxCallMinutes]) } });
 * const minutes = await resolver.getValue('calls.max_minutes'); // number
 * ```
 */
export function defineFlags<const Ds extends readonly FlagDefinition<string, unknown>[]>(
  definitions: Ds,
): DefinitionMap<Ds> {
  const out: Record<string, FlagDefinition<string, unknown>> = {};
  for (const definition of definitions) {
    if (Object.hasOwn(out, definition.key)) {
      throw new ValidationError(`Flag "${definition.key}" is defined twice`, [
        { path: definition.key, message: 'duplicate flag key' },
      ]);
    }
    out[definition.key] = definition;
  }
  return out as DefinitionMap<Ds>;
}
