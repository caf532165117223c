// fast-check arbitraries for hostile HTTP input: bodies, content types, queries, path parameters.
import fc from 'fast-check';
import { DEFAULT_MAX_BODY_BYTES } from '../../src/http/request.js';

const enc = new TextEncoder();

/** Keys that poison naive object handling. */
export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];

/** Fields the endpoints read, so mutated bodies reach validation and business logic. */
const KNOWN_FIELDS = [
  'to',
  'from',
  'tenantId',
  'api',
  'sdpOffer',
  'instructions',
  'voice',
  'expiresAfterSeconds',
  'until',
  'forMs',
  'value',
  'tenantOverrides',
  'rollout',
  'action',
  'metadata',
];

/** Twilio's form fields, for webhook bodies. */
const TWILIO_FIELDS = [
  'CallSid',
  'AccountSid',
  'From',
  'To',
  'CallStatus',
  'Direction',
  'ApiVersion',
  'SequenceNumber',
  'Timestamp',
  'CallDuration',
  'SipResponseCode',
  'ErrorCode',
];

/** Strings that break parsers and number handling. */
export const nastyString = fc.oneof(
  fc.constantFrom(
    '',
    'NaN',
    'Infinity',
    '-Infinity',
    '-0',
    '1e999',
    '-1e999',
    '0x1F',
    '9007199254740993',
    '123456789012345678901234567890',
    'null',
    'undefined',
    'true',
    '[]',
    '{}',
    '+14155550123',
    '%2B14155550123',
    `CA${'0'.repeat(32)}`,
    `AC${'f'.repeat(32)}`,
    'completed',
    'in-progress',
    'live',
    'realtime',
    'twilio',
    'openai',
    'gemini',
    'check_config',
    '\u0000',
    '\ud800',
    '\ufeff',
    '<Response><Say>x</Say></Response>',
    "'; DROP TABLE incident_log; --",
    '../../etc/passwd',
    'a'.repeat(70_000),
    ...PROTO_KEYS,
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

const nastyNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(
    Number.MAX_SAFE_INTEGER + 2,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    Number.MIN_VALUE,
    -0,
    1e21,
    Date.now() + 60_000,
    Date.now() + 1e15,
  ),
);

const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  nastyString,
  nastyNumber,
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(nastyString, { maxLength: 4 }),
  fc.dictionary(fc.oneof(nastyString, fc.constantFrom(...PROTO_KEYS)), nastyString, { maxKeys: 4 }),
);

const fieldName = fc.oneof(fc.constantFrom(...KNOWN_FIELDS, ...PROTO_KEYS), fc.string({ maxLength: 12 }));

/** A JSON object shaped like the endpoints' inputs, with fields missing, extra, or of the wrong type. */
const mutatedObject = fc
  .array(fc.tuple(fieldName, nastyValue), { maxLength: 8 })
  .map((entries) => jsonObjectText(entries));

/** Serialises entries as a JSON object, keeping `__proto__` as a literal key (JSON.stringify would drop it). */
function jsonObjectText(entries: readonly (readonly [string, unknown])[]): string {
  const parts = entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`);
  return `{${parts.join(',')}}`;
}

/** Bodies close to valid, so runs reach the orchestrator: plausible values, some fields broken. */
const plausibleObject = fc
  .record(
    {
      to: fc.oneof(fc.constantFrom('+14155550123', '+442071838750'), nastyString),
      tenantId: fc.oneof(fc.constantFrom('acme', 't-1'), nastyString),
      api: fc.oneof(fc.constantFrom('live', 'realtime'), nastyString),
      sdpOffer: fc.oneof(fc.constant('v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n'), nastyString),
      expiresAfterSeconds: fc.oneof(fc.integer({ min: 10, max: 7200 }), nastyNumber),
      forMs: fc.oneof(fc.integer({ min: 1, max: 600_000 }), nastyNumber),
      until: nastyNumber,
      value: fc.oneof(fc.boolean(), fc.constantFrom('openai', 'gemini'), nastyValue),
      action: fc.oneof(fc.constant('check_config'), nastyString),
    },
    { requiredKeys: [] },
  )
  .map((o) => JSON.stringify(o));

/** Valid bodies of the JSON endpoints, sometimes with one extra (poisoned) field. */
const validObject = fc
  .tuple(
    fc.constantFrom<Record<string, unknown>>(
      { to: '+14155550123' },
      { to: '+14155550123', tenantId: 'acme', timeoutSeconds: 30 },
      { api: 'realtime', expiresAfterSeconds: 60 },
      { api: 'live', sdpOffer: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' },
      { forMs: 60_000 },
      { value: true },
      { value: 'gemini' },
      { action: 'check_config' },
      // Valid for the validators, hard for a store: NUL bytes, lone surrogates, huge numbers in jsonb.
      { to: '+14155550123', metadata: { note: '\u0000', '\ud800': 1, n: 1e308 } },
      { value: true, tenantOverrides: { 'acme\u0000': false, '\udfff': true } },
    ),
    fc.option(fc.tuple(fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.string({ maxLength: 8 })), nastyValue), {
      nil: undefined,
    }),
  )
  .map(([body, extra]) => jsonObjectText([...Object.entries(body), ...(extra ? [extra] : [])]));

const deeplyNested = fc
  .tuple(fc.integer({ min: 100, max: 20_000 }), fc.constantFrom('[', '{"a":'))
  .map(([depth, open]) => `${open.repeat(depth)}1${(open === '[' ? ']' : '}').repeat(depth)}`);

const hugeNumbers = fc
  .tuple(
    fc.constantFrom('until', 'forMs', 'value', 'expiresAfterSeconds', 'to'),
    fc.constantFrom(
      '1e400',
      '-1e400',
      '123456789012345678901234567890123456789',
      '0.0000000000000000000000000000001',
      '1E+308',
    ),
  )
  .map(([k, n]) => `{"${k}":${n}}`);

const pollution = fc.constantFrom(
  '{"__proto__":{"polluted":true,"value":1}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"value":true,"__proto__":{"isAdmin":true},"tenantOverrides":{"__proto__":true}}',
  '{"action":"check_config","__proto__":{"action":"x"}}',
  '{"api":"realtime","__proto__":{"api":"live"}}',
);

/** Form bodies with Twilio's field names, garbage values, repeated and poisoned keys. */
export const formBody = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...TWILIO_FIELDS, ...PROTO_KEYS), fc.string({ maxLength: 12 })),
      nastyString,
    ),
    { maxLength: 12 },
  )
  .map((entries) => new URLSearchParams(entries.map(([k, v]) => [k, v])).toString());

/** A mostly valid Twilio status or voice webhook with one field broken or added. */
export const twilioishForm = fc
  .record(
    {
      CallSid: fc.oneof(fc.constant(`CA${'ab12'.repeat(8)}`), nastyString),
      AccountSid: fc.oneof(fc.constant(`AC${'cd34'.repeat(8)}`), nastyString),
      CallStatus: fc.oneof(
        fc.constantFrom('queued', 'ringing', 'in-progress', 'completed', 'busy', 'failed'),
        nastyString,
      ),
      SequenceNumber: fc.oneof(fc.nat().map(String), nastyString),
      From: fc.oneof(fc.constant('+14155550123'), nastyString),
      extraKey: fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.string({ maxLength: 8 })),
      extraValue: nastyString,
    },
    { requiredKeys: [] },
  )
  .map(({ extraKey, extraValue, ...fields }) => {
    const params = new URLSearchParams(fields as Record<string, string>);
    if (extraKey !== undefined) params.append(extraKey, extraValue ?? '');
    return params.toString();
  });

const invalidUtf8 = fc.constantFrom(
  [0xff, 0xfe, 0xfd],
  [0xc3, 0x28],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0x22, 0x7d], // {"a":"<cut>"}
);

/** Bytes over the default body limit (413 expected, nothing read past it). */
const oversize = fc
  .integer({ min: 1, max: 4096 })
  .map((extra) => new Uint8Array(DEFAULT_MAX_BODY_BYTES + extra).fill(0x61));

export type Body = string | Uint8Array | undefined;

/** Any body, from plausible to hostile. */
export const anyBody: fc.Arbitrary<Body> = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? ''),
  mutatedObject,
  mutatedObject,
  plausibleObject,
  validObject,
  validObject,
  deeplyNested,
  hugeNumbers,
  pollution,
  formBody,
  twilioishForm,
  fc.uint8Array({ maxLength: 512 }),
  invalidUtf8.map((b) => new Uint8Array(b)),
  oversize,
  fc.string({ maxLength: 200 }),
);

/** Content types: right, wrong, malformed or absent. */
export const contentType = fc.oneof(
  fc.constantFrom(
    undefined,
    'application/json',
    'application/json; charset=utf-8',
    'APPLICATION/JSON',
    'application/merge-patch+json',
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded; charset=latin1',
    'text/plain',
    'text/xml',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    ';;;',
    'application/json; charset=nonsense',
    '*/*',
  ),
  fc.string({ maxLength: 30 }).filter((s) => !/[\r\n\0]/.test(s)),
);

export const method = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('POST', 'GET') },
  { weight: 2, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS') },
  { weight: 1, arbitrary: fc.constantFrom('PROPFIND', 'FOO') },
);

/** Query strings, including invalid percent-escapes and huge or odd numbers. */
export const query = fc.oneof(
  fc.constant(''),
  fc.constantFrom(
    '?limit=1e999',
    '?limit=-5',
    '?limit=NaN',
    '?since=99999999999999999999999',
    '?since=abc',
    '?severity=__proto__',
    '?severity=critical&provider=constructor',
    '?tenantId=%zz',
    '?callId=%E0%A4%A',
    '?bodySHA256=deadbeef',
    '?token=x&token=y',
  ),
  fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom('limit', 'since', 'severity', 'provider', 'tenantId', 'callId'),
          fc.string({ maxLength: 8 }),
        ),
        nastyString,
      ),
      { maxLength: 4 },
    )
    .map((pairs) => (pairs.length ? `?${new URLSearchParams(pairs).toString()}` : '')),
);

/** A path parameter segment (already encoded for the URL). */
export const pathParam = fc.oneof(
  fc.constantFrom(
    'twilio',
    'openai',
    'gemini',
    'calls.outbound.enabled',
    'ai.provider.preferred',
    'ai.enabled',
  ),
  fc.constantFrom('__proto__', 'constructor', '%zz', '%00', '..', '%2F..%2F', 'a'.repeat(2000)),
  fc.string({ minLength: 1, maxLength: 30 }).map(encodeURIComponent),
);

export const asBytes = (body: Body): Uint8Array | undefined =>
  body === undefined ? undefined : typeof body === 'string' ? enc.encode(body) : body;
