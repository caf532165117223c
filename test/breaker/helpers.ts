import { vi } from 'vitest';
import { CircuitBreaker, type CircuitBreakerOptions } from '../../src/breaker/breaker.js';
import { FakeClock } from '../../src/core/clock.js';
import { ProviderError } from '../../src/core/errors.js';
import { sequentialIds } from '../../src/core/ids.js';
import type { Logger } from '../../src/core/logger.js';
import type { Alert } from '../../src/incidents/alerts.js';
import type { NewIncident } from '../../src/incidents/store.js';
import { MemoryProviderStatusStore } from '../../src/storage/memory/provider-status.js';
import { countingStore } from '../../src/testing/store-probes.js';

export const T0 = 1_700_000_000_000;

export const ok = async (): Promise<string> => 'ok';
export const fail503 = async (): Promise<never> => {
  throw new ProviderError('twilio', 'Service unavailable', { status: 503 });
};
export const fail400 = async (): Promise<never> => {
  throw new ProviderError('twilio', 'Invalid To number', { status: 400, providerCode: 21211 });
};
/** Never settles unless its signal aborts. */
export const hang = (signal: AbortSignal): Promise<never> =>
  new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));

/** Settles a promise into a value or an error, so a rejection can be inspected without try/catch. */
export async function settle<T>(p: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await p };
  } catch (error) {
    return { error };
  }
}

/** Lets every pending promise callback run (no time passes on any clock). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function recordingLogger(): Logger & { lines: unknown[][] } {
  const lines: unknown[][] = [];
  const log =
    (level: string) =>
    (...args: unknown[]) => {
      lines.push([level, ...args]);
    };
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** A breaker on a fake clock, a counted memory store, recorded incidents and alerts. */
export function setup(overrides: Partial<CircuitBreakerOptions> = {}) {
  const clock = new FakeClock(T0);
  const memory = new MemoryProviderStatusStore();
  const [store, counter] = countingStore(memory);
  const incidents: NewIncident[] = [];
  const alerts: Alert[] = [];
  const logger = recordingLogger();
  const recorder = {
    record: vi.fn(async (incident: NewIncident) => {
      incidents.push(incident);
      return {
        ...incident,
        id: `inc-${incidents.length}`,
        provider: incident.provider ?? null,
        callId: null,
      };
    }),
  };
  const options: CircuitBreakerOptions = {
    provider: 'twilio',
    store,
    clock,
    logger,
    policy: { jitter: 0 },
    incidents: recorder,
    onAlert: (alert) => {
      alerts.push(alert);
    },
    ids: sequentialIds('lease'),
    ...overrides,
  };
  const breaker = new CircuitBreaker(options);
  return { clock, memory, store, counter, incidents, alerts, logger, recorder, breaker, options };
}

/** Trips a breaker with `n` counted failures (default 5). */
export async function trip(breaker: CircuitBreaker, n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await settle(breaker.execute(fail503));
}
