import { FakeClock } from '../../src/core/clock.js';
import type { Logger } from '../../src/core/logger.js';
import { FlagResolver } from '../../src/flags/resolver.js';
import { MemoryFlagStore } from '../../src/storage/memory/flags.js';
import { countingStore, faultyStore } from '../../src/testing/store-probes.js';

/** A runbook resolver on a fake clock over a counted, switchable memory store. */
export function setup(seed: ConstructorParameters<typeof MemoryFlagStore>[0] = [], cacheTtlMs = 5_000) {
  const clock = new FakeClock(1_000);
  const memory = new MemoryFlagStore(seed);
  const [faulty, fault] = faultyStore(memory);
  const [store, counter] = countingStore(faulty);
  const warnings: unknown[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (a: unknown) => warnings.push(a),
    error: () => {},
  };
  const flags = new FlagResolver({ store, clock, logger, cacheTtlMs });
  return { clock, memory, fault, counter, flags, warnings };
}

export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
