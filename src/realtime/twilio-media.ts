/**
 * Twilio Media Streams wire protocol (bidirectional `<Connect><Stream>`): zod schemas for every
 * message Twilio sends, a parser that never throws, and builders for what the bridge sends back.
 * Shapes follow docs/protocols/twilio-media-streams.md: JSON text frames only; `sequenceNumber`,
 * `chunk` and `timestamp` are strings of digits; audio is base64 8 kHz G.711 mu-law.
 *
 * @module
 */

import { z } from 'zod';
import { encodeBase64, tryDecodeBase64 } from './base64.js';

/** Twilio media streams are 8 kHz. */
export const TWILIO_SAMPLE_RATE = 8000;
/** Inbound `media` frames carry 20 ms of audio. */
export const TWILIO_FRAME_MS = 20;
/** One mu-law byte per sample: 8 bytes per millisecond. */
export const MULAW_BYTES_PER_MS = 8;
/** Bytes in one 20 ms mu-law frame. */
export const TWILIO_FRAME_BYTES = 160;
/** The mu-law code for a zero sample (+0): what silence is made of. */
export const MULAW_SILENCE = 0xff;

// --- inbound (Twilio -> us) -------------------------------------------------------------------

/** `connected`: the first message, before `start`. */
export interface TwilioConnectedMessage {
  event: 'connected';
  protocol: string;
  version: string;
}

/** `start`: stream metadata, sent once right after `connected`. */
export interface TwilioStartMessage {
  event: 'start';
  sequenceNumber: string;
  streamSid: string;
  start: {
    streamSid: string;
    accountSid: string;
    callSid: string;
    tracks: string[];
    /** `<Parameter>` values from the TwiML (the only way to pass data: no query strings). */
    customParameters: Record<string, string>;
    mediaFormat: { encoding: string; sampleRate: number; channels: number };
  };
}

/** `media`: caller audio. `payload` is already decoded from base64 (raw mu-law bytes). */
export interface TwilioMediaMessage {
  event: 'media';
  sequenceNumber: string;
  streamSid: string;
  media: {
    track: 'inbound' | 'outbound';
    /** Frame counter as a string, from "1". */
    chunk: string;
    /** Presentation time in ms since the stream started, as a string. */
    timestamp: string;
    payload: Uint8Array;
  };
}

/** `mark`: echo of a mark we sent, once the audio queued before it has played (or been cleared). */
export interface TwilioMarkMessage {
  event: 'mark';
  sequenceNumber: string;
  streamSid: string;
  mark: { name: string };
}

/** `dtmf`: a key the caller pressed. */
export interface TwilioDtmfMessage {
  event: 'dtmf';
  sequenceNumber: string;
  streamSid: string;
  dtmf: { track: string; digit: string };
}

/** `stop`: the stream stopped or the call ended. */
export interface TwilioStopMessage {
  event: 'stop';
  sequenceNumber: string;
  streamSid: string;
  stop: { accountSid: string; callSid: string };
}

/** Any message Twilio sends on a media stream. */
export type TwilioInboundMessage =
  | TwilioConnectedMessage
  | TwilioStartMessage
  | TwilioMediaMessage
  | TwilioMarkMessage
  | TwilioDtmfMessage
  | TwilioStopMessage;

// --- outbound (us -> Twilio) ------------------------------------------------------------------

/** A message the bridge sends to Twilio, as {@link parseTwilioOutbound} returns it. */
export type TwilioOutboundMessage =
  | { event: 'media'; streamSid: string; media: { payload: Uint8Array } }
  | { event: 'mark'; streamSid: string; mark: { name: string } }
  | { event: 'clear'; streamSid: string };

/** Why a frame was rejected; the bridge counts these per reason and carries on. */
export type TwilioParseFailure = 'malformed_json' | 'not_an_object' | 'unknown_event' | 'invalid_message';

/** Result of {@link parseTwilioMessage} / {@link parseTwilioOutbound}: never an exception. */
export type TwilioParseResult<M> =
  | { ok: true; message: M }
  | { ok: false; reason: TwilioParseFailure; detail: string; event?: string };

// Safe integers only, so callers can `Number()` them without losing precision.
const digits = z.string().regex(/^\d{1,15}$/, 'expected a string of digits');
const id = z.string().min(1).max(256);
// The payload is validated as base64 separately (decoding is the validation).
const payload = z.string().max(16_000_000);

const wire = {
  inbound: {
    connected: z.object({ event: z.literal('connected'), protocol: z.string(), version: z.string() }),
    start: z.object({
      event: z.literal('start'),
      sequenceNumber: digits,
      streamSid: id,
      start: z.object({
        streamSid: id,
        accountSid: id,
        callSid: id,
        tracks: z.array(z.string()).max(8),
        // Twilio always sends it; tolerate its absence rather than drop the stream.
        customParameters: z.record(z.string(), z.string()).default({}),
        mediaFormat: z.object({
          encoding: z.string(),
          sampleRate: z.number().int().positive(),
          channels: z.number().int().positive(),
        }),
      }),
    }),
    media: z.object({
      event: z.literal('media'),
      sequenceNumber: digits,
      streamSid: id,
      media: z.object({ track: z.enum(['inbound', 'outbound']), chunk: digits, timestamp: digits, payload }),
    }),
    mark: z.object({
      event: z.literal('mark'),
      sequenceNumber: digits,
      streamSid: id,
      mark: z.object({ name: z.string() }),
    }),
    dtmf: z.object({
      event: z.literal('dtmf'),
      sequenceNumber: digits,
      streamSid: id,
      dtmf: z.object({ track: z.string(), digit: z.string().regex(/^[0-9*#A-D]$/, 'expected one DTMF key') }),
    }),
    stop: z.object({
      event: z.literal('stop'),
      sequenceNumber: digits,
      streamSid: id,
      stop: z.object({ accountSid: id, callSid: id }),
    }),
  },
  outbound: {
    media: z.object({ event: z.literal('media'), streamSid: id, media: z.object({ payload }) }),
    mark: z.object({ event: z.literal('mark'), streamSid: id, mark: z.object({ name: z.string() }) }),
    clear: z.object({ event: z.literal('clear'), streamSid: id }),
  },
} as const;

/**
 * zod schemas of the wire messages (media payloads still base64 strings), for reuse and docs.
 *
 * @example
 * ```ts
 * const start = twilioMediaSchemas.inbound.start.parse(JSON.parse(text)); // throws ZodError
 * ```
 */
export const twilioMediaSchemas = wire;

type Schemas = Record<string, z.ZodType<{ event: string }>>;

function fail(reason: TwilioParseFailure, detail: string, event?: string): TwilioParseResult<never> {
  return event === undefined ? { ok: false, reason, detail } : { ok: false, reason, detail, event };
}

function parseWith<M>(text: unknown, schemas: Schemas): TwilioParseResult<M> {
  if (typeof text !== 'string') return fail('malformed_json', 'not a text frame');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail('malformed_json', 'not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail('not_an_object', 'JSON is not an object');
  }
  const event = (json as { event?: unknown }).event;
  if (typeof event !== 'string') return fail('invalid_message', 'event: expected a string');
  // The per-frame messages (50 a second per call) skip zod when their shape is plainly right;
  // anything unusual takes the full schema path below, which gives the detailed reason.
  if (schemas === (wire.inbound as unknown as Schemas)) {
    const fast = fastInbound(event, json as Record<string, unknown>);
    if (fast !== undefined) return fast as TwilioParseResult<M>;
  }
  // hasOwn, so `"event": "toString"` or `"__proto__"` is unknown rather than a prototype lookup.
  const schema = Object.hasOwn(schemas, event) ? schemas[event] : undefined;
  if (schema === undefined) return fail('unknown_event', `unknown event "${event.slice(0, 40)}"`, event);
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const detail = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
    return fail('invalid_message', detail.slice(0, 200), event);
  }
  const message = parsed.data as { event: string; media?: { payload: string | Uint8Array } };
  if (message.event === 'media' && message.media !== undefined) {
    const bytes = tryDecodeBase64(message.media.payload as string);
    if (bytes === null) return fail('invalid_message', 'media.payload: not base64', event);
    message.media.payload = bytes;
  }
  return { ok: true, message: message as M };
}

const DIGITS = /^\d{1,15}$/;
const isId = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= 256;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** `media` and `mark` checked by hand, exactly as their schemas would; undefined = use the schema. */
function fastInbound(
  event: string,
  json: Record<string, unknown>,
): TwilioParseResult<TwilioInboundMessage> | undefined {
  const { sequenceNumber, streamSid } = json;
  if (typeof sequenceNumber !== 'string' || !DIGITS.test(sequenceNumber) || !isId(streamSid))
    return undefined;
  if (event === 'media') {
    const media = json.media;
    if (!isObject(media)) return undefined;
    const { track, chunk, timestamp, payload } = media;
    if (track !== 'inbound' && track !== 'outbound') return undefined;
    if (
      typeof chunk !== 'string' ||
      !DIGITS.test(chunk) ||
      typeof timestamp !== 'string' ||
      !DIGITS.test(timestamp)
    ) {
      return undefined;
    }
    if (typeof payload !== 'string' || payload.length > 16_000_000) return undefined;
    const bytes = tryDecodeBase64(payload);
    if (bytes === null) return fail('invalid_message', 'media.payload: not base64', event);
    return {
      ok: true,
      message: { event, sequenceNumber, streamSid, media: { track, chunk, timestamp, payload: bytes } },
    };
  }
  if (event === 'mark') {
    const mark = json.mark;
    if (!isObject(mark) || typeof mark.name !== 'string') return undefined;
    return { ok: true, message: { event, sequenceNumber, streamSid, mark: { name: mark.name } } };
  }
  return undefined;
}

/**
 * Parses one frame Twilio sent. Never throws: malformed JSON, an unknown `event` or a bad field
 * give `ok: false` with a reason to count. Extra fields are ignored (Twilio may add some).
 *
 * @example
 * ```ts
 * const parsed = parseTwilioMessage(text);
 * if (!parsed.ok) return void rejected[parsed.reason]++;
 * if (parsed.message.event === 'media') session.appendAudio(parsed.message.media.payload);
 * ```
 */
export function parseTwilioMessage(text: string): TwilioParseResult<TwilioInboundMessage> {
  try {
    return parseWith<TwilioInboundMessage>(text, wire.inbound as unknown as Schemas);
  } catch {
    // Belt and braces: the contract is "never throws", whatever arrives.
    return fail('invalid_message', 'unparseable');
  }
}

/**
 * Parses one frame a bridge sent to Twilio (`media`, `mark`, `clear`), as the fake Twilio and
 * proxies need. Never throws; same failure reasons as {@link parseTwilioMessage}.
 *
 * @example
 * ```ts
 * const parsed = parseTwilioOutbound(text);
 * if (parsed.ok && parsed.message.event === 'clear') dropQueuedAudio();
 * ```
 */
export function parseTwilioOutbound(text: string): TwilioParseResult<TwilioOutboundMessage> {
  try {
    return parseWith<TwilioOutboundMessage>(text, wire.outbound as unknown as Schemas);
  } catch {
    return fail('invalid_message', 'unparseable');
  }
}

/**
 * Serialises a message as Twilio sends it (the inverse of {@link parseTwilioMessage}): used by the
 * fake Twilio client, and handy for replaying recorded streams.
 *
 * @example
 * ```ts
 * socket.send(formatTwilioMessage({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
 * ```
 */
export function formatTwilioMessage(message: TwilioInboundMessage): string {
  if (message.event !== 'media') return JSON.stringify(message);
  const { track, chunk, timestamp } = message.media;
  const media = { track, chunk, timestamp, payload: encodeBase64(message.media.payload) };
  return JSON.stringify({
    event: 'media',
    sequenceNumber: message.sequenceNumber,
    media,
    streamSid: message.streamSid,
  });
}

/**
 * Outbound `media`: mu-law 8 kHz audio (raw, no WAV header, any length) for Twilio to queue and
 * play in order.
 *
 * @example
 * ```ts
 * twilio.send(twilioMediaMessage(streamSid, event.mulaw));
 * ```
 */
export function twilioMediaMessage(streamSid: string, mulaw: Uint8Array): string {
  return JSON.stringify({ event: 'media', streamSid, media: { payload: encodeBase64(mulaw) } });
}

/**
 * Outbound `mark`: Twilio echoes it when the audio queued before it has played, at once if nothing
 * is queued, and also at once on `clear` (so remember when you cleared).
 *
 * @example
 * ```ts
 * twilio.send(twilioMarkMessage(streamSid, `${responseId}:${seq}`));
 * ```
 */
export function twilioMarkMessage(streamSid: string, name: string): string {
  return JSON.stringify({ event: 'mark', streamSid, mark: { name } });
}

/**
 * Outbound `clear`: empties Twilio's playback buffer (barge-in); pending marks come back at once.
 *
 * @example
 * ```ts
 * twilio.send(twilioClearMessage(streamSid));
 * ```
 */
export function twilioClearMessage(streamSid: string): string {
  return JSON.stringify({ event: 'clear', streamSid });
}
