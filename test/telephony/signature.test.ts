import fc from 'fast-check';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import {
  bodySha256Hex,
  publicWebhookUrl,
  signedUrlCandidates,
  TwilioSigner,
  timingSafeEqualString,
} from '../../src/telephony/signature.js';

const TOKEN = '12345678901234567890123456789012';
const signer = new TwilioSigner(TOKEN);
const params = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+14158675310',
  Digits: '1234',
  From: '+14158675310',
  To: '+18005551212',
};

describe('TwilioSigner', () => {
  it('produces the same signature as the official twilio package', async () => {
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    const expected = twilio.getExpectedTwilioSignature(TOKEN, url, params);
    expect(await signer.sign(url, params)).toBe(expected);
  });

  it('agrees with the official package on random URLs and params (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.webUrl({ withQueryParameters: true }),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 20 }), {
          maxKeys: 8,
        }),
        async (url, p) => {
          const ours = await signer.sign(url, p);
          expect(ours).toBe(twilio.getExpectedTwilioSignature(TOKEN, url, p));
          expect(await signer.validate({ url, signature: ours, params: p })).toBe(true);
          expect(twilio.validateRequest(TOKEN, ours, url, p)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('accepts the port and no-port variants Twilio signs', async () => {
    const withPort = 'https://example.com:443/twilio-voice?x=1';
    const noPort = 'https://example.com/twilio-voice?x=1';
    const sigWithPort = twilio.getExpectedTwilioSignature(TOKEN, withPort, params);
    const sigNoPort = twilio.getExpectedTwilioSignature(TOKEN, noPort, params);
    expect(await signer.validate({ url: noPort, signature: sigWithPort, params })).toBe(true);
    expect(await signer.validate({ url: withPort, signature: sigNoPort, params })).toBe(true);
    expect(signedUrlCandidates('wss://h.example/media')).toContain('wss://h.example:443/media');
    expect(signedUrlCandidates('http://h.example:8080/x')).toEqual([
      'http://h.example:8080/x',
      'http://h.example/x',
    ]);
  });

  it('rejects forged, missing, other-URL and other-body signatures', async () => {
    const url = 'https://example.com/twilio-status';
    const sig = await signer.sign(url, params);
    expect(await signer.validate({ url, signature: sig, params })).toBe(true);
    expect(await signer.validate({ url, signature: null, params })).toBe(false);
    expect(await signer.validate({ url, signature: '', params })).toBe(false);
    expect(await signer.validate({ url, signature: `${sig.slice(0, -2)}A=`, params })).toBe(false);
    expect(await signer.validate({ url: 'https://example.com/other', signature: sig, params })).toBe(false);
    expect(await signer.validate({ url, signature: sig, params: { ...params, Digits: '9' } })).toBe(false);
    expect(
      await new TwilioSigner('another-token-000000000000000000').validate({ url, signature: sig, params }),
    ).toBe(false);
  });

  it('validates JSON bodies through bodySHA256 like the official package', async () => {
    const body = JSON.stringify({ property: 'value', boolean: true });
    const hash = await bodySha256Hex(body);
    expect(hash).toBe(twilio.getExpectedBodyHash(body));
    const url = `https://example.com/myapp?bodySHA256=${hash}`;
    const sig = twilio.getExpectedTwilioSignature(TOKEN, url, {});
    expect(twilio.validateRequestWithBody(TOKEN, sig, url, body)).toBe(true);
    expect(await signer.validate({ url, signature: sig, rawBody: body })).toBe(true);
    expect(await signer.validate({ url, signature: sig, rawBody: `${body} ` })).toBe(false);
  });

  it('validates a WebSocket upgrade URL (no params)', async () => {
    const url = 'wss://example.com/media-stream?callId=abc';
    const sig = twilio.getExpectedTwilioSignature(TOKEN, url, {});
    expect(await signer.validate({ url, signature: sig })).toBe(true);
  });

  it('supports token rotation: any configured token validates', async () => {
    const rotating = new TwilioSigner(['new-token-aaaaaaaaaaaaaaaaaaaaaaaa', TOKEN]);
    const url = 'https://example.com/twilio-voice';
    expect(
      await rotating.validate({
        url,
        signature: twilio.getExpectedTwilioSignature(TOKEN, url, params),
        params,
      }),
    ).toBe(true);
  });

  it('repeated keys are signed as Twilio does', async () => {
    const url = 'https://example.com/x';
    const p = { Tag: ['b', 'a', 'b'], One: '1' };
    expect(await signer.sign(url, p)).toBe(
      twilio.getExpectedTwilioSignature(TOKEN, url, { Tag: ['b', 'a', 'b'], One: '1' }),
    );
  });
});

describe('publicWebhookUrl', () => {
  it('rebuilds the URL from the configured base, never the Host header', () => {
    const req = new Request('http://10.0.0.5:3000/twilio-voice?callId=a%27b', {
      headers: { host: 'evil.example' },
    });
    expect(publicWebhookUrl('https://voice.example.com/', req)).toBe(
      'https://voice.example.com/twilio-voice?callId=a%27b',
    );
    expect(publicWebhookUrl('https://x.example/functions/v1', '/twilio-status', '')).toBe(
      'https://x.example/functions/v1/twilio-status',
    );
    expect(
      publicWebhookUrl('https://x.example/api', 'http://localhost/steadycall/twilio-status', '/steadycall'),
    ).toBe('https://x.example/api/twilio-status');
  });

  it('timingSafeEqualString', () => {
    expect(timingSafeEqualString('abc', 'abc')).toBe(true);
    expect(timingSafeEqualString('abc', 'abd')).toBe(false);
    expect(timingSafeEqualString('abc', 'abcd')).toBe(false);
  });
});
