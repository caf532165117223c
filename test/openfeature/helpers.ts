import { NOOP_TRANSACTION_CONTEXT_PROPAGATOR, OpenFeature } from '@openfeature/server-sdk';
import { afterEach } from 'vitest';

/** OpenFeature's API is a process-wide singleton: every test starts from no provider and no context. */
export function resetOpenFeatureAfterEach(): void {
  afterEach(async () => {
    await OpenFeature.clearProviders();
    OpenFeature.setContext({});
    OpenFeature.clearHooks();
    OpenFeature.clearHandlers();
    OpenFeature.setTransactionContextPropagator(NOOP_TRANSACTION_CONTEXT_PROPAGATOR);
  });
}

/** Resolves with the first event payload a `register(handler)` call delivers. */
export function nextEvent<T>(register: (handler: (details?: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve) => register(resolve));
}
