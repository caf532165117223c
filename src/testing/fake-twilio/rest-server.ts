import type { IncomingMessage, ServerResponse } from 'node:http';
import { formParams } from '../../telephony/webhooks.js';
import type { FakeTwilioFaults } from './faults.js';
import { API_VERSION, errorBody, RestError } from './rest-shapes.js';
import { makeSid, type Scheduler } from './scheduler.js';
import type { FormParams, RecordedRequest } from './types.js';

const MAX_BODY_BYTES = 1024 * 1024;

// `/2010-04-01/Accounts/{AccountSid}[/(Calls|Messages)[/{Sid}]].json`
const ROUTE = new RegExp(`^/${API_VERSION}/Accounts/([^/]+?)(?:/(Calls|Messages)(?:/([^/]+?))?)?\\.json$`);

/** A JSON answer: status and body. */
export interface RestResult {
  status: number;
  body: Record<string, unknown>;
}

/** What the REST layer needs from the fake: its state and its resource operations. */
export interface RestBackend {
  readonly accountSid: string;
  readonly authToken: string;
  readonly faults: FakeTwilioFaults;
  readonly scheduler: Scheduler;
  readonly closing: AbortSignal;
  record(request: RecordedRequest): void;
  log(message: string, fields: Record<string, unknown>): void;
  fetchAccount(): RestResult;
  createCall(params: FormParams): RestResult;
  fetchCall(sid: string): RestResult;
  updateCall(sid: string, params: FormParams): RestResult;
  createMessage(params: FormParams): RestResult;
  fetchMessage(sid: string): RestResult;
}

/** Builds the node:http request listener that serves the fake's REST API. */
export function restListener(backend: RestBackend): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(backend, req, res).catch(() => {
      // Cancelled by close() (or a broken socket): nothing left to answer.
      if (!res.headersSent) res.socket?.destroy();
    });
  };
}

async function handle(backend: RestBackend, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const parsed = new URL(req.url ?? '/', 'http://fake-twilio.invalid');
  const path = parsed.pathname;
  const raw = await readBody(req);
  if (raw === null) {
    send(res, { status: 413, body: { ...errorBody(413, 20413, 'Request body too large') } });
    return;
  }
  const params =
    method === 'GET' || method === 'DELETE' ? formParams(parsed.search.slice(1)) : formParams(raw);
  const entry: RecordedRequest = { method, path, params, status: null, at: Date.now() };
  backend.record(entry);

  if (backend.faults.latencyMs > 0) await backend.scheduler.sleep(backend.faults.latencyMs, backend.closing);

  const fault = backend.faults.decide({ method, path });
  if (fault) entry.fault = fault.kind;
  if (fault && !fault.afterApply) {
    answerFault(backend, res, entry, fault);
    return;
  }

  let result: RestResult;
  try {
    result = route(backend, method, path, params, req.headers.authorization);
  } catch (err) {
    const e = err instanceof RestError ? err : new RestError(500, 20500, 'Internal Server Error');
    result = { status: e.status, body: { ...e.toBody() } };
  }
  if (fault) {
    answerFault(backend, res, entry, fault);
    return;
  }
  entry.status = result.status;
  backend.log('fake-twilio REST', { method, path, status: result.status });
  send(res, result);
}

function answerFault(
  backend: RestBackend,
  res: ServerResponse,
  entry: RecordedRequest,
  fault: NonNullable<ReturnType<FakeTwilioFaults['decide']>>,
): void {
  if (fault.kind === 'hang') {
    backend.log('fake-twilio REST hung (injected)', { method: entry.method, path: entry.path });
    backend.faults.hold(res);
    return;
  }
  entry.status = fault.status;
  backend.log('fake-twilio REST failed (injected)', {
    method: entry.method,
    path: entry.path,
    status: fault.status,
  });
  const headers: Record<string, string> = {};
  if (fault.retryAfterSec !== undefined) headers['Retry-After'] = String(fault.retryAfterSec);
  send(
    res,
    { status: fault.status, body: { ...errorBody(fault.status, fault.code, fault.message) } },
    headers,
  );
}

function route(
  backend: RestBackend,
  method: string,
  path: string,
  params: FormParams,
  authorization: string | undefined,
): RestResult {
  if (!authorized(backend, authorization)) throw new RestError(401, 20003, 'Authenticate');
  const match = ROUTE.exec(path);
  if (!match) throw notFound(path);
  const [, accountSid, collection, sid] = match;
  // Valid credentials but another account's URL: Twilio answers as if it did not exist.
  if (accountSid !== backend.accountSid) throw notFound(path);

  if (!collection) {
    if (method !== 'GET') throw methodNotAllowed();
    return backend.fetchAccount();
  }
  if (collection === 'Calls') {
    if (!sid) {
      if (method !== 'POST') throw methodNotAllowed();
      return backend.createCall(params);
    }
    if (method === 'GET') return backend.fetchCall(sid);
    if (method === 'POST') return backend.updateCall(sid, params);
    throw methodNotAllowed();
  }
  if (!sid) {
    if (method !== 'POST') throw methodNotAllowed();
    return backend.createMessage(params);
  }
  if (method === 'GET') return backend.fetchMessage(sid);
  throw methodNotAllowed();
}

export function notFound(path: string): RestError {
  return new RestError(404, 20404, `The requested resource ${path} was not found`);
}

function methodNotAllowed(): RestError {
  return new RestError(405, 20004, 'Method not allowed');
}

function authorized(backend: RestBackend, header: string | undefined): boolean {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return (
    colon > 0 &&
    decoded.slice(0, colon) === backend.accountSid &&
    decoded.slice(colon + 1) === backend.authToken
  );
}

function send(res: ServerResponse, result: RestResult, headers: Record<string, string> = {}): void {
  if (res.writableEnded || res.destroyed) return;
  const body = JSON.stringify(result.body);
  res.writeHead(result.status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Twilio-Request-Id': makeSid('RQ'),
    ...headers,
  });
  res.end(body);
}

/** The body as text, or null when it exceeds {@link MAX_BODY_BYTES}. */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
