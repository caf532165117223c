import { isSteadyCallError, StorageUnavailableError } from '../../core/errors.js';

// postgres.js connection-level error codes, and SQLSTATE classes that mean "the server is not
// there or not accepting work right now" (retry later), as opposed to a bug in a statement.
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-3])/; // connection exception, insufficient resources, shutdown

/**
 * True when `error` means the database could not be reached or is shutting down.
 *
 * Matches postgres.js connection codes (`ECONNREFUSED`, `CONNECTION_CLOSED`, ...) and the SQLSTATE
 * classes 08 (connection exception), 53 (insufficient resources) and 57P01-57P03 (shutdown).
 *
 * @example
 * ```ts
 * import { isConnectionError } from 'steadycall/postgres';
 *
 * try {
 *   await sql`select 1`;
 * } catch (err) {
 *   if (isConnectionError(err)) return new Response(null, { status: 503, headers: { 'retry-after': '5' } });
 *   throw err;
 * }
 * ```
 */
export function isConnectionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = String((error as { code?: unknown }).code ?? '');
  return CONNECTION_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code);
}

/**
 * Runs one store operation; a connection failure becomes a typed `StorageUnavailableError` (503,
 * retryable) that says which operation failed and never quotes the connection string.
 *
 * @param operation - Named in the error message, e.g. `calls.get`.
 * @param fn - The operation; its other errors (and steadycall errors) are rethrown unchanged.
 * @throws `StorageUnavailableError` when the database could not be reached.
 * @example
 * ```ts
 * import { storeOp } from 'steadycall/postgres';
 *
 * const rows = await storeOp('orders.list', () => sql`select id, status from orders limit 10`);
 * ```
 */
export async function storeOp<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (isSteadyCallError(error)) throw error;
    if (isConnectionError(error)) {
      const code = String((error as { code?: unknown }).code ?? 'unknown');
      throw new StorageUnavailableError(`PostgreSQL unavailable during ${operation} (${code})`, {
        cause: { code },
      });
    }
    throw error;
  }
}
