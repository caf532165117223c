import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { emptyTwiml, escapeXml, fallbackTwiml, streamTwiml } from '../../src/telephony/twiml.js';

describe('TwiML', () => {
  it('builds <Connect><Stream> with escaped <Parameter>s, like the official builder', () => {
    const ours = streamTwiml({
      url: 'wss://voice.example.com/media?x=1&y=2',
      parameters: { callId: 'c-1', provider: 'openai', token: 'a"b<c>&\'d' },
    });
    const official = new twilio.twiml.VoiceResponse();
    const stream = official.connect().stream({ url: 'wss://voice.example.com/media?x=1&y=2' });
    stream.parameter({ name: 'callId', value: 'c-1' });
    stream.parameter({ name: 'provider', value: 'openai' });
    stream.parameter({ name: 'token', value: 'a"b<c>&\'d' });
    // Same document, modulo how each escapes quotes/apostrophes inside attributes.
    const normalise = (s: string) =>
      s
        .replace(/&apos;/g, "'")
        .replace(/&quot;/g, '"')
        .replace(/&gt;/g, '>');
    expect(normalise(ours)).toBe(normalise(official.toString()));
    expect(ours).not.toContain('<c>');
  });

  it('rejects a non-websocket stream url', () => {
    expect(() => streamTwiml({ url: 'https://x' })).toThrow(TypeError);
  });

  it('fallback says the message and dials a human or hangs up', () => {
    expect(fallbackTwiml({ message: 'Sorry & bye', dialTo: '+15005550006', timeoutSeconds: 20 })).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry &amp; bye</Say><Dial timeout="20">+15005550006</Dial></Response>',
    );
    expect(fallbackTwiml({ message: 'Bye' })).toContain('<Hangup/>');
    expect(emptyTwiml()).toContain('<Response/>');
  });

  it('escapes XML and strips forbidden control characters', () => {
    expect(escapeXml('<a href="x">\u0001&\'</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
  });
});
