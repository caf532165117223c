/** Produces unique ids (call ids, lease tokens). Injected so tests can be deterministic. */
export type IdGenerator = () => string;

/** Random UUID v4 from Web Crypto. */
export const randomId: IdGenerator = () => crypto.randomUUID();

/** Deterministic ids `prefix-1`, `prefix-2`, ... for tests. */
export function sequentialIds(prefix = 'id'): IdGenerator {
  let n = 0;
  return () => `${prefix}-${++n}`;
}
