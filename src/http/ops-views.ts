// What the ops routes add next to raw rows so an ops UI needs no knowledge of its own: the server's
// clock (cooldowns measured against it, not the browser's) and how each flag is edited.
import type { ProviderStatus } from '../breaker/types.js';
import type { FlagDefinition } from '../flags/define.js';
import type { FlagListEntry } from '../flags/resolver.js';

/** How an ops UI edits a flag: a switch, a choice among options, or JSON validated by the server. */
export type FlagInput = { kind: 'boolean' } | { kind: 'enum'; options: string[] } | { kind: 'json' };

/** A `provider_status` row plus the milliseconds left before an open circuit admits a probe. */
export type ProviderStatusView = ProviderStatus & { cooldownRemainingMs: number };

/** Adds `cooldownRemainingMs` (0 when closed or when the cooldown has passed). */
export function providerStatusView(row: ProviderStatus, now: number): ProviderStatusView {
  const remaining = row.circuit === 'open' && row.cooldownUntil !== null ? row.cooldownUntil - now : 0;
  return { ...row, cooldownRemainingMs: Math.max(0, remaining) };
}

/** Reads the kind of editor from the flag's schema (zod's `def.type`, duck-typed across zod copies). */
export function flagInput(definition: FlagDefinition<string, unknown> | undefined): FlagInput {
  const schema = definition?.schema as { def?: { type?: unknown }; options?: unknown } | undefined;
  const type = schema?.def?.type;
  if (type === 'boolean') return { kind: 'boolean' };
  const options = schema?.options;
  if (
    type === 'enum' &&
    Array.isArray(options) &&
    options.length > 0 &&
    options.every((o) => typeof o === 'string')
  ) {
    return { kind: 'enum', options: [...options] };
  }
  return { kind: 'json' };
}

/** A flag list entry plus its editor. */
export function flagView(
  entry: FlagListEntry,
  definitions: Readonly<Record<string, FlagDefinition<string, unknown>>>,
): FlagListEntry & { input: FlagInput } {
  return { ...entry, input: flagInput(definitions[entry.flagKey]) };
}
