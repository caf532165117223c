/**
 * Produces unique ids (call ids, lease tokens). Injected so tests can be deterministic.
 *
 * @example
 * ```ts
 * import type { IdGenerator } from 'steadycall';
 *
 * let n = 0;
 * const ids: IdGenerator = () => `call-${++n}`;
 * ```
 */
export type IdGenerator = () => string;

/**
 * Random UUID v4 from Web Crypto.
 *
 * @example
 * ```ts
 * import { randomId } from 'steadycall';
 *
 * const callId = randomId(); // e.g. '3b241101-e2bb-4255-8caf-4136c566a962'
 * ```
 */
export const randomId: IdGenerator = () => crypto.randomUUID();

/**
 * Deterministic ids `prefix-1`, `prefix-2`, ... for tests.
 *
 * @param prefix - Put before each number. Default `id`.
 * @example
 * ```ts
 * import { sequentialIds } from 'steadycall/testing';
 *
 * const ids = sequentialIds('lease');
 * ids(); // 'lease-1'
 * ids(); // 'lease-2'
 * ```
 */
export function sequentialIds(prefix = 'id'): IdGenerator {
  let n = 0;
  return () => `${prefix}-${++n}`;
}
