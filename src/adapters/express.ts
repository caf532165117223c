import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { Request as ExpressRequest, Response as ExpressResponse, NextFunction, Router } from 'express';
import express from 'express';
import { createHandlers, type HandlerOptions, type SteadyCallHandlers } from '../http/handlers.js';
import { createRouter } from '../http/router.js';
import type { CallOrchestrator } from '../orchestrator/orchestrator.js';

/** Options of {@link steadycallRouter}. */
export type ExpressRouterOptions = HandlerOptions;

/**
 * An Express router serving every steadycall endpoint. Mount it where `publicBaseUrl` points:
 * `app.use('/steadycall', steadycallRouter(orchestrator, opts))` with
 * `publicBaseUrl: 'https://voice.example.com/steadycall'`. The raw body is kept byte for byte
 * (Twilio signs it), so mount it before any global body parser or on its own path.
 *
 * @example
 * ```ts
 * const app = express();
 * app.use('/', steadycallRouter(orchestrator, { opsTokens: [process.env.OPS_TOKEN!], apiTokens: [process.env.API_TOKEN!] }));
 * app.listen(3000);
 * ```
 */
export function steadycallRouter(
  orchestratorOrHandlers: CallOrchestrator | SteadyCallHandlers,
  options: ExpressRouterOptions = {},
): Router {
  const handlers =
    'callsStart' in orchestratorOrHandlers
      ? orchestratorOrHandlers
      : createHandlers(orchestratorOrHandlers, options);
  const route = createRouter(handlers);
  const router = express.Router();
  router.use(async (req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
    try {
      const response = await route(toWebRequest(req));
      if (response.status === 404 && (await isRouteMiss(response))) return next();
      await sendWebResponse(res, response);
      // Drain what the handler did not read (bounded by the socket closing after a 413).
      if (!req.readableEnded) req.resume();
    } catch (err) {
      next(err);
    }
  });
  return router;
}

async function isRouteMiss(response: Response): Promise<boolean> {
  try {
    const body = (await response.clone().json()) as { error?: { code?: string; message?: string } };
    return body.error?.code === 'not_found' && String(body.error.message).startsWith('No route');
  } catch {
    return false;
  }
}

function toHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(key, v);
  }
  return headers;
}

/** Express request -> web Request; the body streams through untouched (the handlers enforce the limit). */
export function toWebRequest(req: ExpressRequest): Request {
  // Relative to the mount point: handlers rebuild the public URL from `publicBaseUrl`.
  const url = `http://localhost${req.url}`;
  const method = req.method.toUpperCase();
  const hasBody = method !== 'GET' && method !== 'HEAD';
  const alreadyParsed = (req as { body?: unknown }).body;
  let body: BodyInit | undefined;
  if (hasBody) {
    if (Buffer.isBuffer(alreadyParsed)) body = new Uint8Array(alreadyParsed);
    else if (typeof alreadyParsed === 'string') body = alreadyParsed;
    else if (alreadyParsed !== undefined && alreadyParsed !== null && Object.keys(alreadyParsed).length > 0) {
      // A global body parser consumed the bytes Twilio signed: fail loudly instead of every signature failing.
      throw new Error('Mount steadycallRouter before express.json()/urlencoded(): it needs the raw body');
    } else body = Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>;
  }
  return new Request(url, {
    method,
    headers: toHeaders(req.headers),
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
}

/** Writes a web Response to Express. */
export async function sendWebResponse(res: ExpressResponse, response: Response): Promise<void> {
  res.status(response.status);
  // A rejected upload (413) is answered before its body was read: close the connection after the
  // answer so the rest is not parsed as a next request, and let the client read the 413.
  if (response.status === 413) res.setHeader('connection', 'close');
  response.headers.forEach((value, key) => {
    res.setHeader(key, value);
  });
  const buffer = Buffer.from(await response.arrayBuffer());
  res.end(buffer);
}
