import { ValidationError } from '../core/errors.js';
import { canonicalJson, sha256Hex } from '../core/hash.js';

/**
 * Hex SHA-256 of the canonical JSON of `payload` (object keys sorted at every level), so the same
 * payload always has the same fingerprint whatever its key order. `undefined` hashes like `null`.
 * Throws {@link ValidationError} if the payload cannot be serialised (BigInt, cycles).
 *
 * @example
 * ```ts
 * await fingerprintPayload({ b: 1, a: 2 }) === (await fingerprintPayload({ a: 2, b: 1 })); // true
 * ```
 */
export async function fingerprintPayload(payload: unknown): Promise<string> {
  let json: string | undefined;
  try {
    json = canonicalJson(payload);
  } catch (err) {
    throw new ValidationError('Idempotency payload must be JSON-serialisable', [
      { path: 'payload', message: err instanceof Error ? err.message : String(err) },
    ]);
  }
  // JSON.stringify returns undefined for undefined (and functions/symbols) at the top level.
  return sha256Hex(json ?? 'null');
}
