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

/**
 * Twilio media streams are 8 kHz.
 *
 * @example
 * ```ts
 * import { TWILIO_SAMPLE_RATE } from 'steadycall';
 *
 * const durationMs = (mulaw.length / TWILIO_SAMPLE_RATE) * 1000;
 * ```
 */
export const TWILIO_SAMPLE_RATE = 8000;
/**
 * Inbound `media` frames carry 20 ms of audio.
 *
 * @example
 * ```ts
 * import { TWILIO_FRAME_MS } from 'steadycall';
 *
 * setInterval(sendNextFrame, TWILIO_FRAME_MS); // pace audio as Twilio does
 * ```
 */
export const TWILIO_FRAME_MS = 20;
/**
 * One mu-law byte per sample: 8 bytes per millisecond.
 *
 * @example
 * ```ts
 * import { MULAW_BYTES_PER_MS } from 'steadycall';
 *
 * const playedMs = Math.floor(bytesPlayed / MULAW_BYTES_PER_MS);
 * ```
 */
export const MULAW_BYTES_PER_MS = 8;
/**
 * Bytes in one 20 ms mu-law frame.
 *
 * @example
 * ```ts
 * import { TWILIO_FRAME_BYTES } from 'steadycall';
 *
 * const frames: Uint8Array[] = [];
 * for (let offset = 0; offset < mulaw.length; offset += TWILIO_FRAME_BYTES) {
 *   frames.push(mulaw.subarray(offset, offset + TWILIO_FRAME_BYTES));
 * }
 * ```
 */
export const TWILIO_FRAME_BYTES = 160;
/**
 * The mu-law code for a zero sample (+0): what silence is made of.
 *
 * @example
 * ```ts
 * import { MULAW_SILENCE, TWILIO_FRAME_BYTES } from 'steadycall';
 *
 * const silentFrame = new Uint8Array(TWILIO_FRAME_BYTES).fill(MULAW_SILENCE);
 * ```
 */
export const MULAW_SILENCE = 0xff;

// --- inbound (Twilio -> us) -------------------------------------------------------------------

/**
 * `connected`: the first message, before `start`.
 *
 * @example
 * ```ts
 * import type { TwilioConnectedMessage } from 'steadycall';
 *
 * const hello: TwilioConnectedMessage = { event: 'connected', protocol: 'Call', version: '1.0.0' };
 * ```
 */
export interface TwilioConnectedMessage {
  /** Always `'connected'`. */
  event: 'connected';
  /** The protocol name, `'Call'`. */
  protocol: string;
  /** The protocol version, e.g. `'1.0.0'`. */
  version: string;
}

/**
 * `start`: stream metadata, sent once right after `connected`.
 *
 * @example
 * ```ts
 * import { parseTwilioMessage } from 'steadycall';
 *
 * const parsed = parseTwilioMessage(text);
 * if (parsed.ok && parsed.message.event === 'start') {
 *   const { callSid, customParameters } = parsed.message.start;
 *   verifyStreamToken(callSid, customParameters.token);
 * }
 * ```
 */
export interface TwilioStartMessage {
  /** Always `'start'`. */
  event: 'start';
  /** Position of this message in the stream, a string of digits from `"1"`. */
  sequenceNumber: string;
  /** The media stream's SID (`MZ...`), repeated on every message. */
  streamSid: string;
  /** The stream's metadata. */
  start: {
    /** The media stream's SID. */
    streamSid: string;
    /** The Twilio account SID (`AC...`). */
    accountSid: string;
    /** The call's SID (`CA...`). */
    callSid: string;
    /** The tracks streamed, e.g. `['inbound']`. */
    tracks: string[];
    /** `<Parameter>` values from the TwiML (the only way to pass data: no query strings). */
    customParameters: Record<string, string>;
    /** The audio format: `audio/x-mulaw`, 8000 Hz, one channel. */
    mediaFormat: {
      /** The codec, `'audio/x-mulaw'`. */
      encoding: string;
      /** Samples per second, 8000. */
      sampleRate: number;
      /** Number of channels, 1. */
      channels: number;
    };
  };
}

/**
 * `media`: caller audio. `payload` is already decoded from base64 (raw mu-law bytes).
 *
 * @example
 * ```ts
 * import type { TwilioMediaMessage } from 'steadycall';
 *
 * function onMedia(message: TwilioMediaMessage): void {
 *   session.appendAudio(message.media.payload); // 160 bytes of mu-law per 20 ms
 * }
 * ```
 */
export interface TwilioMediaMessage {
  /** Always `'media'`. */
  event: 'media';
  /** Position of this message in the stream, a string of digits. */
  sequenceNumber: string;
  /** The media stream's SID. */
  streamSid: string;
  /** The audio frame. */
  media: {
    /** Which side of the call the audio comes from. */
    track: 'inbound' | 'outbound';
    /** Frame counter as a string, from "1". */
    chunk: string;
    /** Presentation time in ms since the stream started, as a string. */
    timestamp: string;
    /** Raw 8 kHz G.711 mu-law bytes, already decoded from base64. */
    payload: Uint8Array;
  };
}

/**
 * `mark`: echo of a mark we sent, once the audio queued before it has played (or been cleared).
 *
 * @example
 * ```ts
 * import type { TwilioMarkMessage } from 'steadycall';
 *
 * function onMark(message: TwilioMarkMessage): void {
 *   playback.markPlayed(message.mark.name);
 * }
 * ```
 */
export interface TwilioMarkMessage {
  /** Always `'mark'`. */
  event: 'mark';
  /** Position of this message in the stream, a string of digits. */
  sequenceNumber: string;
  /** The media stream's SID. */
  streamSid: string;
  /** The mark being echoed. */
  mark: {
    /** The name given when the mark was sent. */
    name: string;
  };
}

/**
 * `dtmf`: a key the caller pressed.
 *
 * @example
 * ```ts
 * import type { TwilioDtmfMessage } from 'steadycall';
 *
 * function onDtmf(message: TwilioDtmfMessage): void {
 *   if (message.dtmf.digit === '0') transferToOperator();
 * }
 * ```
 */
export interface TwilioDtmfMessage {
  /** Always `'dtmf'`. */
  event: 'dtmf';
  /** Position of this message in the stream, a string of digits. */
  sequenceNumber: string;
  /** The media stream's SID. */
  streamSid: string;
  /** The key press. */
  dtmf: {
    /** The track the tone was detected on, `'inbound_track'`. */
    track: string;
    /** The key: `0`-`9`, `*`, `#` or `A`-`D`. */
    digit: string;
  };
}

/**
 * `stop`: the stream stopped or the call ended.
 *
 * @example
 * ```ts
 * import type { TwilioStopMessage } from 'steadycall';
 *
 * function onStop(message: TwilioStopMessage): void {
 *   console.log(`stream ended for call ${message.stop.callSid}`);
 * }
 * ```
 */
export interface TwilioStopMessage {
  /** Always `'stop'`. */
  event: 'stop';
  /** Position of this message in the stream, a string of digits. */
  sequenceNumber: string;
  /** The media stream's SID. */
  streamSid: string;
  /** Which call stopped. */
  stop: {
    /** The Twilio account SID. */
    accountSid: string;
    /** The call's SID. */
    callSid: string;
  };
}

/**
 * Any message Twilio sends on a media stream, discriminated by `event`.
 *
 * @example
 * ```ts
 * import type { TwilioInboundMessage } from 'steadycall';
 *
 * function handle(message: TwilioInboundMessage): void {
 *   if (message.event === 'media') session.appendAudio(message.media.payload);
 *   else if (message.event === 'stop') session.close();
 * }
 * ```
 */
export type TwilioInboundMessage =
  | TwilioConnectedMessage
  | TwilioStartMessage
  | TwilioMediaMessage
  | TwilioMarkMessage
  | TwilioDtmfMessage
  | TwilioStopMessage;

// --- outbound (us -> Twilio) ------------------------------------------------------------------

/**
 * A message the bridge sends to Twilio, as {@link parseTwilioOutbound} returns it.
 *
 * @example
 * ```ts
 * import { parseTwilioOutbound } from 'steadycall';
 *
 * const parsed = parseTwilioOutbound(text);
 * if (parsed.ok && parsed.message.event === 'media') queue.push(parsed.message.media.payload);
 * ```
 */
export type TwilioOutboundMessage =
  | {
      /** `media`: audio to queue for playback. */
      event: 'media';
      /** The media stream's SID. */
      streamSid: string;
      /** The audio. */
      media: {
        /** Raw 8 kHz mu-law bytes, already decoded from base64. */
        payload: Uint8Array;
      };
    }
  | {
      /** `mark`: to be echoed once the audio queued before it has played. */
      event: 'mark';
      /** The media stream's SID. */
      streamSid: string;
      /** The mark. */
      mark: {
        /** The name Twilio echoes back. */
        name: string;
      };
    }
  | {
      /** `clear`: empty the playback buffer. */
      event: 'clear';
      /** The media stream's SID. */
      streamSid: string;
    };

/**
 * Why a frame was rejected; the bridge counts these per reason and carries on.
 *
 * @example
 * ```ts
 * import { parseTwilioMessage, type TwilioParseFailure } from 'steadycall';
 *
 * const rejected: Partial<Record<TwilioParseFailure, number>> = {};
 * const parsed = parseTwilioMessage(text);
 * if (!parsed.ok) rejected[parsed.reason] = (rejected[parsed.reason] ?? 0) + 1;
 * ```
 */
export type TwilioParseFailure = 'malformed_json' | 'not_an_object' | 'unknown_event' | 'invalid_message';

/**
 * Result of {@link parseTwilioMessage} / {@link parseTwilioOutbound}: never an exception.
 *
 * @typeParam M - The message type on success.
 *
 * @example
 * ```ts
 * import { parseTwilioMessage, type TwilioInboundMessage, type TwilioParseResult } from 'steadycall';
 *
 * const result: TwilioParseResult<TwilioInboundMessage> = parseTwilioMessage(text);
 * if (!result.ok) logger.warn({ reason: result.reason, detail: result.detail }, 'Twilio frame rejected');
 * ```
 */
export type TwilioParseResult<M> =
  | {
      /** The frame parsed. */
      ok: true;
      /** The parsed message. */
      message: M;
    }
  | {
      /** The frame was rejected. */
      ok: false;
      /** Why, for counting. */
      reason: TwilioParseFailure;
      /** A short human-readable detail (at most 200 characters), e.g. the first invalid field. */
      detail: string;
      /** The frame's `event`, when it had one. */
      event?: string;
    };

// Safe integers only, so callers can `Number()` them without losing precision.
const digits = z.string().regex(/^\d{1,15}$/, 'expected a string of digits');
const id = z.string().min(1).max(256);
// The payload is validated as base64 separately (decoding is the validation).
const payload = z.string().max(16_000_000);

// The field comments below are what the API reference shows for `twilioMediaSchemas`.
const wire = {
  /** Messages Twilio sends, keyed by `event`. */
  inbound: {
    /** Schema of {@link TwilioConnectedMessage}. */
    connected: z.object({
      /** `'connected'`. */
      event: z.literal('connected'),
      /** The protocol name. */
      protocol: z.string(),
      /** The protocol version. */
      version: z.string(),
    }),
    /** Schema of {@link TwilioStartMessage}. */
    start: z.object({
      /** `'start'`. */
      event: z.literal('start'),
      /** A string of digits. */
      sequenceNumber: digits,
      /** The media stream's SID. */
      streamSid: id,
      /** The stream's metadata. */
      start: z.object({
        /** The media stream's SID. */
        streamSid: id,
        /** The Twilio account SID. */
        accountSid: id,
        /** The call's SID. */
        callSid: id,
        /** The tracks streamed (at most 8). */
        tracks: z.array(z.string()).max(8),
        // Twilio always sends it; tolerate its absence rather than drop the stream.
        /** `<Parameter>` values from the TwiML; `{}` when absent. */
        customParameters: z.record(z.string(), z.string()).default({}),
        /** The audio format. */
        mediaFormat: z.object({
          /** The codec, `'audio/x-mulaw'`. */
          encoding: z.string(),
          /** Samples per second. */
          sampleRate: z.number().int().positive(),
          /** Number of channels. */
          channels: z.number().int().positive(),
        }),
      }),
    }),
    /** Schema of {@link TwilioMediaMessage} (with `payload` still base64). */
    media: z.object({
      /** `'media'`. */
      event: z.literal('media'),
      /** A string of digits. */
      sequenceNumber: digits,
      /** The media stream's SID. */
      streamSid: id,
      /** The audio frame. */
      media: z.object({
        /** `'inbound'` or `'outbound'`. */
        track: z.enum(['inbound', 'outbound']),
        /** Frame counter, a string of digits. */
        chunk: digits,
        /** Milliseconds since the stream started, a string of digits. */
        timestamp: digits,
        /** Base64 mu-law audio. */
        payload,
      }),
    }),
    /** Schema of {@link TwilioMarkMessage}. */
    mark: z.object({
      /** `'mark'`. */
      event: z.literal('mark'),
      /** A string of digits. */
      sequenceNumber: digits,
      /** The media stream's SID. */
      streamSid: id,
      /** The mark echoed. */
      mark: z.object({
        /** The mark's name. */
        name: z.string(),
      }),
    }),
    /** Schema of {@link TwilioDtmfMessage}. */
    dtmf: z.object({
      /** `'dtmf'`. */
      event: z.literal('dtmf'),
      /** A string of digits. */
      sequenceNumber: digits,
      /** The media stream's SID. */
      streamSid: id,
      /** The key press. */
      dtmf: z.object({
        /** The track the tone was detected on. */
        track: z.string(),
        /** One DTMF key: `0`-`9`, `*`, `#`, `A`-`D`. */
        digit: z.string().regex(/^[0-9*#A-D]$/, 'expected one DTMF key'),
      }),
    }),
    /** Schema of {@link TwilioStopMessage}. */
    stop: z.object({
      /** `'stop'`. */
      event: z.literal('stop'),
      /** A string of digits. */
      sequenceNumber: digits,
      /** The media stream's SID. */
      streamSid: id,
      /** Which call stopped. */
      stop: z.object({
        /** The Twilio account SID. */
        accountSid: id,
        /** The call's SID. */
        callSid: id,
      }),
    }),
  },
  /** Messages a bridge sends to Twilio, keyed by `event`. */
  outbound: {
    /** Schema of an outbound `media` message (with `payload` still base64). */
    media: z.object({
      /** `'media'`. */
      event: z.literal('media'),
      /** The media stream's SID. */
      streamSid: id,
      /** The audio. */
      media: z.object({
        /** Base64 mu-law audio. */
        payload,
      }),
    }),
    /** Schema of an outbound `mark` message. */
    mark: z.object({
      /** `'mark'`. */
      event: z.literal('mark'),
      /** The media stream's SID. */
      streamSid: id,
      /** The mark. */
      mark: z.object({
        /** The name Twilio echoes back. */
        name: z.string(),
      }),
    }),
    /** Schema of an outbound `clear` message. */
    clear: z.object({
      /** `'clear'`. */
      event: z.literal('clear'),
      /** The media stream's SID. */
      streamSid: id,
    }),
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
