import { UnauthorizedError, ValidationError } from '../core/errors.js';
import { timingSafeEqualString } from '../telephony/signature.js';
import { PayloadTooLargeError } from './respond.js';

/** Default request body limit: Twilio webhooks are a few KiB; SDP offers up to 64 KiB. */
export const DEFAULT_MAX_BODY_BYTES = 128 * 1024;

/** Reads the body as UTF-8 text, refusing more than `limit` bytes (streamed, so a huge body is cut early). */
export async function readText(request: Request, limit = DEFAULT_MAX_BODY_BYTES): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? 'NaN');
  if (Number.isFinite(declared) && declared > limit) throw new PayloadTooLargeError(limit);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
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

/** Parses a JSON object body; 400 for anything else (wrong type, bad JSON, not an object). */
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

/** True when the request carries a form body (Twilio webhooks). */
export function isForm(request: Request): boolean {
  return mediaType(request) === 'application/x-www-form-urlencoded';
}

/** True when the request carries JSON. */
export function isJson(request: Request): boolean {
  const type = mediaType(request);
  return type === 'application/json' || type.endsWith('+json');
}

/** Checks `Authorization: Bearer <token>` against any of `tokens`, in constant time per token. */
export function requireBearer(request: Request, tokens: readonly string[]): void {
  const header = request.headers.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  const given = match?.[1] ?? '';
  let ok = false;
  for (const token of tokens) if (token && timingSafeEqualString(given, token)) ok = true;
  if (!ok || !given) throw new UnauthorizedError(given ? 'Invalid bearer token' : 'Missing bearer token');
}
