/**
 * This package's version (kept equal to package.json's by a test).
 *
 * @example
 * ```ts
 * import { VERSION } from 'steadycall';
 *
 * const body = await liveness({ ping: () => sql`select 1`, version: VERSION });
 * ```
 */
export const VERSION = '0.1.0';
