import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatTwilioMessage,
  parseTwilioMessage,
  parseTwilioOutbound,
} from '../../src/realtime/twilio-media.js';

const EVENTS = ['connected', 'start', 'media', 'mark', 'dtmf', 'stop'];

type Json = Record<string, unknown>;

const digits = fc.nat({ max: 1e12 }).map(String);
const id = fc.string({ minLength: 1, maxLength: 40 });
// zod drops a `__proto__` record key (safely), so leave it out of the exact round trip.
const paramKey = fc.string({ maxLength: 12 }).filter((k) => k !== '__proto__');
const payload = fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b).toString('base64'));

/** Valid wire messages of every kind, as Twilio could send them. */
const validMessage: fc.Arbitrary<Json> = fc.oneof(
  fc.record({ event: fc.constant('connected'), protocol: fc.string(), version: fc.string() }),
  fc.record({
    event: fc.constant('start'),
    sequenceNumber: digits,
    streamSid: id,
    start: fc.record({
      streamSid: id,
      accountSid: id,
      callSid: id,
      tracks: fc.array(fc.string(), { maxLength: 3 }),
      customParameters: fc.dictionary(paramKey, fc.string(), { noNullPrototype: true }),
      mediaFormat: fc.record({
        encoding: fc.string(),
        sampleRate: fc.integer({ min: 1, max: 96000 }),
        channels: fc.integer({ min: 1, max: 8 }),
      }),
    }),
  }),
  fc.record({
    event: fc.constant('media'),
    sequenceNumber: digits,
    streamSid: id,
    media: fc.record({
      track: fc.constantFrom('inbound', 'outbound'),
      chunk: digits,
      timestamp: digits,
      payload,
    }),
  }),
  fc.record({
    event: fc.constant('mark'),
    sequenceNumber: digits,
    streamSid: id,
    mark: fc.record({ name: fc.string() }),
  }),
  fc.record({
    event: fc.constant('dtmf'),
    sequenceNumber: digits,
    streamSid: id,
    dtmf: fc.record({ track: fc.string(), digit: fc.constantFrom(...'0123456789*#ABCD') }),
  }),
  fc.record({
    event: fc.constant('stop'),
    sequenceNumber: digits,
    streamSid: id,
    stop: fc.record({ accountSid: id, callSid: id }),
  }),
);

type Kind =
  | 'digits'
  | 'id'
  | 'string'
  | 'number'
  | 'object'
  | 'array'
  | 'track'
  | 'payload'
  | 'digit'
  | 'params';

/** Every field each message must have, and what kind of value it holds. */
const FIELDS: Record<string, [string, Kind][]> = {
  connected: [
    ['protocol', 'string'],
    ['version', 'string'],
  ],
  start: [
    ['sequenceNumber', 'digits'],
    ['streamSid', 'id'],
    ['start', 'object'],
    ['start.streamSid', 'id'],
    ['start.accountSid', 'id'],
    ['start.callSid', 'id'],
    ['start.tracks', 'array'],
    ['start.customParameters', 'params'],
    ['start.mediaFormat', 'object'],
    ['start.mediaFormat.encoding', 'string'],
    ['start.mediaFormat.sampleRate', 'number'],
    ['start.mediaFormat.channels', 'number'],
  ],
  media: [
    ['sequenceNumber', 'digits'],
    ['streamSid', 'id'],
    ['media', 'object'],
    ['media.track', 'track'],
    ['media.chunk', 'digits'],
    ['media.timestamp', 'digits'],
    ['media.payload', 'payload'],
  ],
  mark: [
    ['sequenceNumber', 'digits'],
    ['streamSid', 'id'],
    ['mark', 'object'],
    ['mark.name', 'string'],
  ],
  dtmf: [
    ['sequenceNumber', 'digits'],
    ['streamSid', 'id'],
    ['dtmf', 'object'],
    ['dtmf.track', 'string'],
    ['dtmf.digit', 'digit'],
  ],
  stop: [
    ['sequenceNumber', 'digits'],
    ['streamSid', 'id'],
    ['stop', 'object'],
    ['stop.accountSid', 'id'],
    ['stop.callSid', 'id'],
  ],
};

const DELETE = Symbol('delete');
const notString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.nat(), { maxLength: 2 }),
);
const notObject = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string(), fc.array(fc.nat()));

/** A value of the wrong type or format for a field of this kind (or the field removed). */
function wrongFor(kind: Kind): fc.Arbitrary<unknown> {
  const missing = fc.constant(DELETE);
  switch (kind) {
    case 'digits':
      return fc.oneof(
        missing,
        notString,
        fc.string().filter((s) => !/^\d{1,15}$/.test(s)),
        fc.constant('1e3'),
      );
    case 'id':
      return fc.oneof(missing, notString, fc.constant(''), fc.string({ minLength: 257, maxLength: 300 }));
    case 'string':
      return fc.oneof(missing, notString);
    case 'number':
      return fc.oneof(missing, fc.string(), fc.constant(null), fc.constantFrom(0, -1, 1.5, Number.NaN));
    case 'object':
      return fc.oneof(missing, notObject);
    case 'array':
      return fc.oneof(
        missing,
        fc.string(),
        fc.integer(),
        fc.constant(null),
        fc.constant({}),
        fc.constant([1]),
      );
    case 'params':
      // Absent is allowed (defaults to {}); wrong types and non-string values are not.
      return fc.oneof(
        notObject.filter((v) => v !== undefined),
        fc.constant({ k: 1 }),
        fc.constant({ k: null }),
      );
    case 'track':
      return fc.oneof(
        missing,
        notString,
        fc.string().filter((s) => s !== 'inbound' && s !== 'outbound'),
      );
    case 'payload':
      return fc.oneof(
        missing,
        notString,
        fc.string({ minLength: 1 }).map((s) => `${s}%`),
        fc.constant('A'),
      );
    case 'digit':
      return fc.oneof(
        missing,
        notString,
        fc.string().filter((s) => !/^[0-9*#A-D]$/.test(s)),
      );
  }
}

function setPath(target: Json, path: string, value: unknown): Json {
  const copy = structuredClone(target);
  const keys = path.split('.');
  let node = copy as Json;
  for (const key of keys.slice(0, -1)) node = node[key] as Json;
  const last = keys.at(-1)!;
  if (value === DELETE) delete node[last];
  else node[last] = value;
  return copy;
}

/** A valid message with exactly one required field broken. */
const brokenMessage = validMessage.chain((message) => {
  const fields = FIELDS[message.event as string]!;
  return fc
    .constantFrom(...fields)
    .chain(([path, kind]) =>
      wrongFor(kind).map((value) => ({ message, path, broken: setPath(message, path, value) })),
    );
});

describe('parseTwilioMessage never throws', () => {
  it('on arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })),
        (text) => {
          const result = parseTwilioMessage(text);
          expect(typeof result.ok).toBe('boolean');
          expect(parseTwilioOutbound(text).ok).toBeTypeOf('boolean');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('on arbitrary JSON, accepting only known events', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify({ event: 'media', ...Object(v) })),
        ),
        (text) => {
          const result = parseTwilioMessage(text);
          if (result.ok) expect(EVENTS).toContain(result.message.event);
          else
            expect(['malformed_json', 'not_an_object', 'unknown_event', 'invalid_message']).toContain(
              result.reason,
            );
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('on arbitrary events with otherwise valid fields', () => {
    fc.assert(
      fc.property(validMessage, fc.string(), (message, event) => {
        const result = parseTwilioMessage(JSON.stringify({ ...message, event }));
        expect(result.ok).toBe(EVENTS.includes(event) && event === message.event);
      }),
    );
  });
});

describe('parseTwilioMessage on generated messages', () => {
  it('accepts every valid message and round-trips it exactly', () => {
    fc.assert(
      fc.property(validMessage, (message) => {
        const result = parseTwilioMessage(JSON.stringify(message));
        expect(result.ok).toBe(true);
        if (result.ok) expect(JSON.parse(formatTwilioMessage(result.message))).toEqual(message);
      }),
      { numRuns: 1000 },
    );
  });

  it('tolerates extra fields anywhere', () => {
    fc.assert(
      fc.property(validMessage, fc.string(), fc.jsonValue(), (message, key, value) => {
        fc.pre(!(key in message) && key !== '__proto__');
        expect(parseTwilioMessage(JSON.stringify({ ...message, [key]: value })).ok).toBe(true);
      }),
    );
  });

  it('rejects a valid message with any one required field wrong', () => {
    fc.assert(
      fc.property(brokenMessage, ({ broken, path }) => {
        const result = parseTwilioMessage(JSON.stringify(broken));
        expect(result.ok, `${path} = ${JSON.stringify(broken)}`).toBe(false);
        if (!result.ok) expect(result.reason).toBe('invalid_message');
      }),
      { numRuns: 3000 },
    );
  });
});
