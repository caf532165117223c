/**
 * The Express 5 adapter: one router serving every steadycall endpoint, the ops console, and the
 * Request/Response conversions they are built on.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { steadycallRouter } from 'steadycall/express';
 *
 * const app = express();
 * app.use('/', steadycallRouter(orchestrator, { opsTokens: [process.env.OPS_TOKEN!] }));
 * ```
 *
 * @packageDocumentation
 * @module steadycall/express
 */
// `steadycall/express`: the Express 5 router.
export * from './express.js';
