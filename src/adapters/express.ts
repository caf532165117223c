import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type {
  Request as ExpressRequest,
  Response as ExpressResponse,
  NextFunction,
  RequestHandler,
  Router,
} from 'express';
import express from 'express';
import { createOpsConsole, type OpsConsoleOptions } from '../console/handler.js';
import { createHandlers, type HandlerOptions, type SteadyCallHandlers } from '../http/handlers.js';
import { createRouter } from '../http/router.js';
import type { CallOrchestrator } from '../orchestrator/orchestrator.js';

/**
 * Options of {@link steadycallRouter}.
 *
 * The same options as `createHandlers` (tokens, body limit, mount path, logger).
 *
 * @example
 * ```ts
 * import { steadycallRouter, type ExpressRouterOptions } from 'steadycall/express';
 *
 * const options: ExpressRouterOptions = { opsTokens: [process.env.OPS_TOKEN!], apiTokens: [process.env.API_TOKEN!] };
 * app.use('/steadycall', steadycallRouter(orchestrator, options));
 * ```
 */
export type ExpressRouterOptions = HandlerOptions;

const FETCH_FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

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
      // fetch's Request cannot carry CONNECT or TRACE and no steadycall route takes them: they
      // belong to whatever the host app mounted after us.
      if (FETCH_FORBIDDEN_METHODS.has(req.method.toUpperCase())) return next();
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

/**
 * Express middleware serving the ops console (see `createOpsConsole`): the runbook's System Health
 * page at `<mount>/ops/console/`, talking to the ops routes of `steadycallRouter` mounted at the
 * same place. Only GET and HEAD on the console's own paths are answered; everything else passes on.
 *
 * @example
 * ```ts
 * app.use('/', steadycallRouter(orchestrator, { opsTokens: [process.env.OPS_TOKEN!] }));
 * app.use('/', opsConsole()); // open http://localhost:3000/ops/console/
 * ```
 */
export function opsConsole(options: OpsConsoleOptions = {}): RequestHandler {
  const handle = createOpsConsole(options);
  return (req, res, next) => {
    // No body is ever needed: the request is rebuilt from the URL, method and headers only.
    let request: Request;
    try {
      request = new Request(`http://localhost${req.url}`, {
        method: req.method.toUpperCase(),
        headers: toHeaders(req.headers),
      });
    } catch {
      return next(); // a method fetch cannot express (CONNECT, TRACE): not the console's
    }
    handle(request)
      .then((response) => (response ? sendWebResponse(res, response) : next()))
      .catch(next);
  };
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

/**
 * Express request -> web Request; the body streams through untouched (the handlers enforce the limit).
 *
 * The URL is relative to the mount point, on `http://localhost`; handlers rebuild the public URL from
 * `publicBaseUrl`.
 *
 * @throws Error when a body parser already consumed the body (mount steadycall's routes before
 * `express.json()` / `express.urlencoded()`: Twilio signs the raw bytes).
 * @example
 * ```ts
 * import { sendWebResponse, toWebRequest } from 'steadycall/express';
 * import { createHandlers } from 'steadycall';
 *
 * const handlers = createHandlers(orchestrator, { apiTokens: [process.env.API_TOKEN!] });
 * app.post('/calls-start', async (req, res) => sendWebResponse(res, await handlers.callsStart(toWebRequest(req))));
 * ```
 */
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

/**
 * Writes a web Response to Express.
 *
 * Status, headers and body are copied; a 413 also closes the connection so an unread upload is not
 * parsed as the next request.
 *
 * @example
 * ```ts
 * import { sendWebResponse } from 'steadycall/express';
 * import { json } from 'steadycall';
 *
 * app.get('/ping', async (_req, res) => sendWebResponse(res, json({ ok: true })));
 * ```
 */
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
