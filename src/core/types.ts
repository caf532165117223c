/**
 * The providers steadycall knows out of the box; users may add their own names.
 *
 * @example
 * ```ts
 * import type { KnownProvider } from 'steadycall';
 *
 * const guarded: KnownProvider[] = ['twilio', 'openai', 'gemini'];
 * ```
 */
export type KnownProvider = 'twilio' | 'openai' | 'gemini';
/**
 * A provider name: one of the {@link KnownProvider}s (autocompleted) or any other string you use.
 *
 * @example
 * ```ts
 * import { CircuitBreaker, type ProviderName } from 'steadycall';
 *
 * const provider: ProviderName = 'sendgrid'; // your own integration
 * const breaker = new CircuitBreaker({ provider, store });
 * ```
 */
export type ProviderName = KnownProvider | (string & {});

/**
 * The AI providers a call can be bridged to.
 *
 * @example
 * ```ts
 * import type { AiProvider } from 'steadycall';
 *
 * const fallbackOrder: AiProvider[] = ['gemini', 'openai'];
 * ```
 */
export type AiProvider = 'gemini' | 'openai';
/**
 * Every {@link AiProvider}, in the runbook's default preference order.
 *
 * @example
 * ```ts
 * import { AI_PROVIDERS } from 'steadycall';
 *
 * for (const provider of AI_PROVIDERS) console.log(provider, (await breakers[provider].peek()).state);
 * ```
 */
export const AI_PROVIDERS: readonly AiProvider[] = ['gemini', 'openai'];

/**
 * Incident severities, from the runbook's `incident_log.severity`.
 *
 * @example
 * ```ts
 * import type { Severity } from 'steadycall';
 *
 * const severity: Severity = status === 'failed' ? 'warning' : 'info';
 * await incidents.record({ severity, provider: 'twilio', code: 'call_failed', message: `call ${status}` });
 * ```
 */
export type Severity = 'info' | 'warning' | 'critical';
