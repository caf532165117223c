import { UnauthorizedError, ValidationError } from '../core/errors.js';
import { timingSafeEqualString } from '../telephony/signature.js';
import { PayloadTooLargeError } from './respond.js';

/**
 * Default request body limit: Twilio webhooks are a few KiB; SDP offers up to 64 KiB.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_BODY_BYTES, createHandlers } from 'steadycall';
 *
 * const handlers = createHandlers(orchestrator, { maxBodyBytes: DEFAULT_MAX_BODY_BYTES / 2 });
 * ```
 */
export const DEFAULT_MAX_BODY_BYTES = 128 * 1024;

/**
 * Reads the body as UTF-8 text, refusing more than `limit` bytes (streamed, so a huge body is cut early).
 *
 * @param limit - Largest accepted body in bytes. Default {@link DEFAULT_MAX_BODY_BYTES}.
 * @throws {@link PayloadTooLargeError} (413) above the limit; {@link ValidationError} (400) for invalid UTF-8.
 * @example
 * ```ts
 * import { readText } from 'steadycall';
 *
 * const body = await readText(request, 16 * 1024);
 * const params = new URLSearchParams(body);
 * ```
 */
export async function readText(request: Request, limit = DEFAULT_MAX_BODY_BYTES): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? 'NaN');
  if (Number.isFinite(declared) && declared > limit) throw new PayloadTooLargeError(limit);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    // The client went away mid-upload (or the body stream broke): bad input, not a server fault.
    const { done, value } = await reader.read().catch(() => {
      throw new ValidationError('Request body could not be read');
    });
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ValidationError('Body is not valid UTF-8');
  }
}

function mediaType(request: Request): string {
  return (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Parses a JSON object body; 400 for anything else (wrong type, bad JSON, not an object).
 *
 * @param limit - Largest accepted body in bytes. Default {@link DEFAULT_MAX_BODY_BYTES}.
 * @throws {@link ValidationError} (400) for another content type, invalid JSON or a non-object; {@link PayloadTooLargeError} (413).
 * @example
 * ```ts
 * import { readJsonObject } from 'steadycall';
 *
 * const body = await readJsonObject(request); // throws ValidationError unless Content-Type is JSON
 * const to = typeof body.to === 'string' ? body.to : undefined;
 * ```
 */
export async function readJsonObject(request: Request, limit?: number): Promise<Record<string, unknown>> {
  const type = mediaType(request);
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new ValidationError('Expected Content-Type: application/json', [
      { path: 'content-type', message: type || 'missing' },
    ]);
  }
  const text = await readText(request, limit);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError('Body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError('Body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/**
 * True when the request carries a form body (Twilio webhooks).
 *
 * @example
 * ```ts
 * import { isForm, readText } from 'steadycall';
 *
 * if (isForm(request)) params = new URLSearchParams(await readText(request));
 * ```
 */
export function isForm(request: Request): boolean {
  return mediaType(request) === 'application/x-www-form-urlencoded';
}

/**
 * True when the request carries JSON.
 *
 * @example
 * ```ts
 * import { isJson, readJsonObject } from 'steadycall';
 *
 * const body = isJson(request) ? await readJsonObject(request) : {};
 * ```
 */
export function isJson(request: Request): boolean {
  const type = mediaType(request);
  return type === 'application/json' || type.endsWith('+json');
}

/**
 * Checks `Authorization: Bearer <token>` against any of `tokens`, in constant time per token.
 *
 * @throws {@link UnauthorizedError} (401) when the header is missing or matches none of `tokens` (empty tokens never match).
 * @example
 * ```ts
 * import { requireBearer } from 'steadycall';
 *
 * requireBearer(request, [process.env.OPS_TOKEN!, process.env.OPS_TOKEN_NEXT!]); // rotation: both accepted
 * ```
 */
export function requireBearer(request: Request, tokens: readonly string[]): void {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  const given = match?.[1] ?? '';
  let ok = false;
  for (const token of tokens) if (token && timingSafeEqualString(given, token)) ok = true;
  if (!ok || !given) throw new UnauthorizedError(given ? 'Invalid bearer token' : 'Missing bearer token');
}
