import { z } from 'zod';
import { defineFlag, defineFlags } from './define.js';

const bool = z.boolean();

/**
 * The runbook's seven flags (its "Feature Flags" table), with the runbook's defaults. Every one is
 * "on" by default, so an empty `feature_flags` table means "everything enabled, Gemini preferred".
 *
 * @example
 * ```ts
 * const flags = new FlagResolver({ store }); // runbookFlags by default
 * if (await flags.isEnabled('calls.outbound.enabled', { tenantId })) placeCall();
 * ```
 */
export const runbookFlags = defineFlags([
  defineFlag({
    key: 'calls.outbound.enabled',
    schema: bool,
    defaultValue: true,
    description: 'Enable/disable outbound calls',
  }),
  defineFlag({
    key: 'sms.enabled',
    schema: bool,
    defaultValue: true,
    description: 'Enable/disable SMS sending',
  }),
  defineFlag({
    key: 'ai.enabled',
    schema: bool,
    defaultValue: true,
    description: 'Enable/disable AI features',
  }),
  defineFlag({
    key: 'ai.provider.preferred',
    schema: z.enum(['gemini', 'openai']),
    defaultValue: 'gemini',
    description: 'Preferred AI provider',
  }),
  defineFlag({
    key: 'ai.openai.enabled',
    schema: bool,
    defaultValue: true,
    description: 'Enable OpenAI as fallback',
  }),
  defineFlag({ key: 'ai.gemini.enabled', schema: bool, defaultValue: true, description: 'Enable Gemini' }),
  defineFlag({
    key: 'healthchecks.enabled',
    schema: bool,
    defaultValue: true,
    description: 'Enable health check runs',
  }),
]);

/**
 * The type of {@link runbookFlags}.
 *
 * @example
 * ```ts
 * import { FlagResolver, type RunbookFlags } from 'steadycall';
 *
 * const flags: FlagResolver<RunbookFlags> = new FlagResolver({ store });
 * ```
 */
export type RunbookFlags = typeof runbookFlags;

/**
 * The seven runbook flag keys.
 *
 * @example
 * ```ts
 * import type { RunbookFlagKey } from 'steadycall';
 *
 * const killSwitches: RunbookFlagKey[] = ['calls.outbound.enabled', 'ai.enabled'];
 * for (const key of killSwitches) await flags.set(key, false);
 * ```
 */
export type RunbookFlagKey = keyof RunbookFlags & string;
