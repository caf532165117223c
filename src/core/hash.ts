/**
 * Canonical JSON: object keys sorted at every level, so equal payloads hash equally.
 *
 * `undefined` properties are dropped, as `JSON.stringify` does.
 *
 * @example
 * ```ts
 * import { canonicalJson } from 'steadycall';
 *
 * canonicalJson({ b: 1, a: { d: 2, c: 3 } }); // '{"a":{"c":3,"d":2},"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/**
 * Hex SHA-256 through Web Crypto (works on Node, Deno, Bun and workers).
 *
 * @example
 * ```ts
 * import { canonicalJson, sha256Hex } from 'steadycall';
 *
 * const fingerprint = await sha256Hex(canonicalJson(payload)); // 64 hex characters
 * ```
 */
export async function sha256Hex(input: string | Uint8Array): Promise<string> {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * 32-bit FNV-1a: a fast, stable, synchronous hash for rollout bucketing (not for security).
 *
 * @example
 * ```ts
 * import { fnv1a32 } from 'steadycall';
 *
 * const bucket = fnv1a32(`ai.provider.preferred:${callId}`) % 10_000; // same caller, same bucket
 * ```
 */
export function fnv1a32(input: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < input.length; i++) {
    hash ^= input.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
