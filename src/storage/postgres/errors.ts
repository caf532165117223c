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

/** True when `error` means the database could not be reached or is shutting down. */
export function isConnectionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = String((error as { code?: unknown }).code ?? '');
  return CONNECTION_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code);
}

/**
 * Runs one store operation; a connection failure becomes a typed `StorageUnavailableError` (503,
 * retryable) that says which operation failed and never quotes the connection string.
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
