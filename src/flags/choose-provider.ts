import type { CircuitState } from '../breaker/types.js';
import { type Logger, silentLogger } from '../core/logger.js';
import { redact } from '../core/redact.js';
import type { AiProvider } from '../core/types.js';
import type { RunbookFlags } from './catalog.js';
import type { EvaluationContext } from './evaluate.js';
import type { FlagResolver } from './resolver.js';

/**
 * The read-only view of a provider's breaker that provider choice needs.
 *
 * @example
 * ```ts
 * const view: BreakerView = new CircuitBreaker({ provider: 'openai', store }); // a breaker is a view
 * const { state, retryAfterMs } = await view.peek();
 * ```
 */
export interface BreakerView {
  /** The circuit's state and how long until a call could be attempted (0: now). */
  peek(): Promise<{
    /** The circuit's state. */
    state: CircuitState;
    /** Milliseconds until a call could be attempted; 0 when one could be now. */
    retryAfterMs: number;
  }>;
}

/**
 * Why a candidate provider was passed over.
 *
 * `flag_disabled`: `ai.<name>.enabled` is false; `not_configured`: no credentials; `circuit_open`:
 * its breaker is open and cooling down; `excluded`: the caller excluded it.
 *
 * @example
 * ```ts
 * const choice = await chooseAiProvider({ flags, breakers: (p) => breakers[p] });
 * for (const { provider, reason } of choice.skipped) logger.info({ provider, reason }, 'provider skipped');
 * ```
 */
export type ProviderSkipReason = 'flag_disabled' | 'not_configured' | 'circuit_open' | 'excluded';

/**
 * Outcome of {@link chooseAiProvider}.
 *
 * @example
 * ```ts
 * const choice: AiProviderChoice = await chooseAiProvider({ flags, breakers: (p) => breakers[p] });
 * // { provider: 'openai', order: ['gemini', 'openai'], skipped: [{ provider: 'gemini', reason: 'circuit_open' }], breakerErrors: [] }
 * ```
 */
export interface AiProviderChoice {
  /** The provider to bridge the call to, or null when there is none. */
  provider: AiProvider | null;
  /** Set when `provider` is null. */
  reason?: 'ai_disabled' | 'no_provider_available';
  /** Candidates in the order they were considered (preferred first); empty when AI is disabled. */
  order: AiProvider[];
  /** Candidates passed over, in order. */
  skipped: {
    /** The provider passed over. */
    provider: AiProvider;
    /** Why. */
    reason: ProviderSkipReason;
  }[];
  /** Providers whose breaker could not be read and that were treated as available (fail-open). */
  breakerErrors: AiProvider[];
}

/**
 * Options of {@link chooseAiProvider}.
 *
 * @example
 * ```ts
 * const options: ChooseAiProviderOptions<RunbookFlags> = {
 *   flags,
 *   context: { tenantId, targetingKey: callId },
 *   breakers: (p) => breakers[p],
 *   exclude: ['openai'], // it just dropped mid-call
 *   isConfigured: (p) => Boolean(keys[p]),
 * };
 * const choice = await chooseAiProvider(options);
 * ```
 */
export interface ChooseAiProviderOptions<Defs extends RunbookFlags> {
  /** Reads the runbook's `ai.*` flags. */
  flags: FlagResolver<Defs>;
  /** Who the call is for (tenant override, rollout key). Default `{}`. */
  context?: EvaluationContext;
  /** The breaker view of each provider; `undefined` means "no breaker, always available". */
  breakers: (provider: AiProvider) => BreakerView | undefined;
  /** Providers not to choose (e.g. the one that just failed mid-call). */
  exclude?: readonly AiProvider[];
  /** Whether the app can open a session with the provider (credentials set). Default: all can. */
  isConfigured?: (provider: AiProvider) => boolean;
  /** Warned when a breaker cannot be read. Default: silent. */
  logger?: Logger;
}

const OTHER: Record<AiProvider, AiProvider> = { gemini: 'openai', openai: 'gemini' };

/**
 * Picks the AI provider for a call, per the runbook: none if `ai.enabled` is false; otherwise
 * `ai.provider.preferred` first, then the other, skipping one whose `ai.<name>.enabled` is false or
 * whose circuit is open and still cooling down. A half-open circuit (or an open one whose cooldown
 * passed) stays eligible, since the call may be its probe. Breakers are only read when needed.
 *
 * @example
 * ```ts
 * const choice = await chooseAiProvider({ flags, context: { tenantId, targetingKey: callId }, breakers: (p) => breakers[p] });
 * if (!choice.provider) return fallbackTwiml();
 * ```
 */
export async function chooseAiProvider<Defs extends RunbookFlags>(
  options: ChooseAiProviderOptions<Defs>,
): Promise<AiProviderChoice> {
  const { context = {}, breakers } = options;
  const logger = options.logger ?? silentLogger;
  // Generic resolvers widen the value types; the runbook schemas guarantee these shapes.
  const flags = options.flags as unknown as FlagResolver<RunbookFlags>;
  const [aiEnabled, preferred, geminiEnabled, openaiEnabled] = await Promise.all([
    flags.getValue('ai.enabled', context),
    flags.getValue('ai.provider.preferred', context),
    flags.getValue('ai.gemini.enabled', context),
    flags.getValue('ai.openai.enabled', context),
  ]);
  const result: AiProviderChoice = { provider: null, order: [], skipped: [], breakerErrors: [] };
  if (!aiEnabled) return { ...result, reason: 'ai_disabled' };

  const enabled: Record<AiProvider, boolean> = { gemini: geminiEnabled, openai: openaiEnabled };
  result.order = [preferred, OTHER[preferred]];
  for (const provider of result.order) {
    if (!enabled[provider]) {
      result.skipped.push({ provider, reason: 'flag_disabled' });
      continue;
    }
    if (options.exclude?.includes(provider)) {
      result.skipped.push({ provider, reason: 'excluded' });
      continue;
    }
    if (options.isConfigured && !options.isConfigured(provider)) {
      result.skipped.push({ provider, reason: 'not_configured' });
      continue;
    }
    const view = breakers(provider);
    if (view) {
      try {
        const { state, retryAfterMs } = await view.peek();
        // Open and cooling, or half-open with its probe slot taken: the breaker would refuse the
        // session at stream start, so move on now while the other provider can still take the call.
        if (state !== 'closed' && retryAfterMs > 0) {
          result.skipped.push({ provider, reason: 'circuit_open' });
          continue;
        }
      } catch (err) {
        // Fail open, like the breaker's own policy for an unreachable store.
        result.breakerErrors.push(provider);
        logger.warn(
          redact({ component: 'flags', provider, err }) as Record<string, unknown>,
          'Could not read breaker state; treating provider as available',
        );
      }
    }
    return { ...result, provider };
  }
  return { ...result, reason: 'no_provider_available' };
}
