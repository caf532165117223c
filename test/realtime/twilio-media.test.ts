import { describe, expect, it } from 'vitest';
import {
  formatTwilioMessage,
  MULAW_SILENCE,
  parseTwilioMessage,
  parseTwilioOutbound,
  TWILIO_FRAME_BYTES,
  TWILIO_FRAME_MS,
  twilioClearMessage,
  twilioMarkMessage,
  twilioMediaMessage,
} from '../../src/realtime/twilio-media.js';

// Shapes verbatim from Twilio's "WebSocket Messages" page (docs/protocols/twilio-media-streams.md),
// with the elided values filled in.
const SID = 'MZ18ad3ab5a668481ce02b83e7395059f0';
const ACCOUNT = 'AC25e16e9a716a4a1786a7c83f58e30482';
const CALL = 'CA5f1e3c2c7b4d4b5fa8a1f8b8e2d7c9a1';
const EXAMPLES = {
  connected: '{"event":"connected","protocol":"Call","version":"1.0.0"}',
  start: `{"event":"start","sequenceNumber":"1","start":{"accountSid":"${ACCOUNT}","streamSid":"${SID}","callSid":"${CALL}","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},"customParameters":{"callId":"call_123","token":"tok"}},"streamSid":"${SID}"}`,
  media: `{"event":"media","sequenceNumber":"4","media":{"track":"inbound","chunk":"2","timestamp":"5","payload":"no+JhoaJjpzS"},"streamSid":"${SID}"}`,
  dtmf: `{"event":"dtmf","streamSid":"${SID}","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"1"}}`,
  mark: `{"event":"mark","sequenceNumber":"4","streamSid":"${SID}","mark":{"name":"r7:c12"}}`,
  stop: `{"event":"stop","sequenceNumber":"5","stop":{"accountSid":"${ACCOUNT}","callSid":"${CALL}"},"streamSid":"${SID}"}`,
};

function ok(text: string) {
  const result = parseTwilioMessage(text);
  if (!result.ok) throw new Error(`expected ok, got ${result.reason}: ${result.detail}`);
  return result.message;
}

describe('constants', () => {
  it('describe a 20 ms frame of 8 kHz mu-law', () => {
    expect(TWILIO_FRAME_MS).toBe(20);
    expect(TWILIO_FRAME_BYTES).toBe(160);
    expect(MULAW_SILENCE).toBe(0xff);
  });
});

describe('parseTwilioMessage: the documented examples', () => {
  it('parses connected and start', () => {
    expect(ok(EXAMPLES.connected)).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    const start = ok(EXAMPLES.start);
    if (start.event !== 'start') throw new Error('not start');
    expect(start.sequenceNumber).toBe('1');
    expect(start.streamSid).toBe(SID);
    expect(start.start).toEqual({
      accountSid: ACCOUNT,
      streamSid: SID,
      callSid: CALL,
      tracks: ['inbound'],
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      customParameters: { callId: 'call_123', token: 'tok' },
    });
  });

  it('decodes the media payload to bytes and keeps numbers as strings', () => {
    const media = ok(EXAMPLES.media);
    if (media.event !== 'media') throw new Error('not media');
    expect(media.media.payload).toBeInstanceOf(Uint8Array);
    expect([...media.media.payload]).toEqual([...Buffer.from('no+JhoaJjpzS', 'base64')]);
    expect(media.media).toMatchObject({ track: 'inbound', chunk: '2', timestamp: '5' });
    expect(media.sequenceNumber).toBe('4');
  });

  it('parses dtmf, mark and stop', () => {
    expect(ok(EXAMPLES.dtmf)).toMatchObject({ event: 'dtmf', dtmf: { track: 'inbound_track', digit: '1' } });
    expect(ok(EXAMPLES.mark)).toMatchObject({ event: 'mark', mark: { name: 'r7:c12' } });
    expect(ok(EXAMPLES.stop)).toMatchObject({ event: 'stop', stop: { accountSid: ACCOUNT, callSid: CALL } });
  });

  it('round-trips every example through formatTwilioMessage', () => {
    for (const text of Object.values(EXAMPLES)) {
      expect(JSON.parse(formatTwilioMessage(ok(text)))).toEqual(JSON.parse(text));
    }
  });

  it('ignores extra fields and defaults missing customParameters', () => {
    const extra = JSON.parse(EXAMPLES.mark);
    extra.futureField = { x: 1 };
    extra.mark.extra = true;
    expect(ok(JSON.stringify(extra))).toEqual({
      event: 'mark',
      sequenceNumber: '4',
      streamSid: SID,
      mark: { name: 'r7:c12' },
    });
    const start = JSON.parse(EXAMPLES.start);
    delete start.start.customParameters;
    expect(ok(JSON.stringify(start))).toMatchObject({ start: { customParameters: {} } });
  });
});

describe('parseTwilioMessage: rejects without throwing', () => {
  const media = () => JSON.parse(EXAMPLES.media);
  const cases: [string, unknown, string][] = [
    ['not JSON', '{"event":', 'malformed_json'],
    ['empty', '', 'malformed_json'],
    ['array', '[1,2]', 'not_an_object'],
    ['null', 'null', 'not_an_object'],
    ['number', '42', 'not_an_object'],
    ['no event', '{"streamSid":"MZ1"}', 'invalid_message'],
    ['numeric event', '{"event":5}', 'invalid_message'],
    ['unknown event', '{"event":"transcript"}', 'unknown_event'],
    ['prototype event', '{"event":"toString"}', 'unknown_event'],
    ['__proto__ event', '{"event":"__proto__"}', 'unknown_event'],
    ['outbound event', `{"event":"clear","streamSid":"${SID}"}`, 'unknown_event'],
    ['numeric sequenceNumber', { ...media(), sequenceNumber: 4 }, 'invalid_message'],
    ['negative chunk', { ...media(), media: { ...media().media, chunk: '-1' } }, 'invalid_message'],
    ['numeric timestamp', { ...media(), media: { ...media().media, timestamp: 5 } }, 'invalid_message'],
    ['bad base64', { ...media(), media: { ...media().media, payload: 'no+J%%' } }, 'invalid_message'],
    ['unknown track', { ...media(), media: { ...media().media, track: 'both' } }, 'invalid_message'],
    ['no streamSid', { ...media(), streamSid: undefined }, 'invalid_message'],
    ['empty streamSid', { ...media(), streamSid: '' }, 'invalid_message'],
    [
      'dtmf letter',
      { ...JSON.parse(EXAMPLES.dtmf), dtmf: { track: 'inbound_track', digit: 'X' } },
      'invalid_message',
    ],
    ['string sampleRate', JSON.parse(EXAMPLES.start.replace('8000', '"8000"')), 'invalid_message'],
    ['mark without name', { ...JSON.parse(EXAMPLES.mark), mark: {} }, 'invalid_message'],
  ];
  it.each(cases)('%s', (_label, input, reason) => {
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    const result = parseTwilioMessage(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe(reason);
      expect(result.detail.length).toBeGreaterThan(0);
    }
  });

  it('reports the event of a bad message so the bridge can count per event', () => {
    const result = parseTwilioMessage(JSON.stringify({ ...media(), sequenceNumber: 4 }));
    expect(result).toMatchObject({ ok: false, event: 'media' });
    expect(!result.ok && result.detail).toContain('sequenceNumber');
  });

  it('handles a non-string input from a careless caller', () => {
    expect(parseTwilioMessage(undefined as unknown as string)).toMatchObject({ ok: false });
  });
});

describe('outbound builders', () => {
  it('build exactly the documented shapes', () => {
    const bytes = new Uint8Array([0xff, 0x7f, 0x00, 0x80]);
    expect(JSON.parse(twilioMediaMessage(SID, bytes))).toEqual({
      event: 'media',
      streamSid: SID,
      media: { payload: Buffer.from(bytes).toString('base64') },
    });
    expect(JSON.parse(twilioMarkMessage(SID, 'r7:c12'))).toEqual({
      event: 'mark',
      streamSid: SID,
      mark: { name: 'r7:c12' },
    });
    expect(JSON.parse(twilioClearMessage(SID))).toEqual({ event: 'clear', streamSid: SID });
  });

  it('round-trip through parseTwilioOutbound', () => {
    const bytes = Uint8Array.from({ length: 160 }, (_, i) => i);
    const media = parseTwilioOutbound(twilioMediaMessage(SID, bytes));
    expect(media.ok && media.message.event === 'media' && [...media.message.media.payload]).toEqual([
      ...bytes,
    ]);
    expect(parseTwilioOutbound(twilioMarkMessage(SID, 'a "quoted" name'))).toEqual({
      ok: true,
      message: { event: 'mark', streamSid: SID, mark: { name: 'a "quoted" name' } },
    });
    expect(parseTwilioOutbound(twilioClearMessage(SID))).toEqual({
      ok: true,
      message: { event: 'clear', streamSid: SID },
    });
  });

  it('parseTwilioOutbound rejects inbound events and bad payloads', () => {
    expect(parseTwilioOutbound(`{"event":"media","streamSid":"${SID}"}`)).toMatchObject({
      ok: false,
      reason: 'invalid_message',
    });
    expect(parseTwilioOutbound(EXAMPLES.stop)).toMatchObject({ ok: false, reason: 'unknown_event' });
    expect(parseTwilioOutbound('{"event":"media","streamSid":"MZ1","media":{"payload":"@@"}}')).toMatchObject(
      {
        ok: false,
        detail: 'media.payload: not base64',
      },
    );
  });
});
