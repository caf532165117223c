/** The providers steadycall knows out of the box; users may add their own names. */
export type KnownProvider = 'twilio' | 'openai' | 'gemini';
export type ProviderName = KnownProvider | (string & {});

/** The AI providers a call can be bridged to. */
export type AiProvider = 'gemini' | 'openai';
export const AI_PROVIDERS: readonly AiProvider[] = ['gemini', 'openai'];

/** Incident severities, from the runbook's `incident_log.severity`. */
export type Severity = 'info' | 'warning' | 'critical';
