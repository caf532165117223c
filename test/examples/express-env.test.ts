import twilio from 'twilio';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../examples/express/app.js';
import { FAKE_AUTH_TOKEN } from '../../src/testing/index.js';
import { FROM, type Harness, startHarness } from './harness.js';

const sid = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(32, '0')}`;

describe('Express example environment', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('treats variables left empty (as copied from .env.example) as unset', async () => {
    h = await startHarness({ env: { MEDIA_STREAM_URL: '', PROVIDER_TIMEOUT_MS: '', GEMINI_API_KEY: ' ' } });
    const url = `${h.baseUrl}/twilio-voice`;
    const params = {
      CallSid: sid('CA', 1),
      AccountSid: sid('AC', 1),
      From: '+14155550123',
      To: FROM,
      CallStatus: 'ringing',
      Direction: 'inbound',
    };
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(FAKE_AUTH_TOKEN, url, params),
      },
      body: new URLSearchParams(params),
    });
    expect(res.status).toBe(200);
    const twiml = await res.text();
    // The stream URL falls back to the app's own wss URL instead of an empty attribute.
    expect(twiml).toMatch(/<Stream url="ws:\/\/127\.0\.0\.1:\d+\/media-stream/);
  });

  it('refuses a numeric variable that is not a number, naming it', () => {
    expect(() => createApp({ PUBLIC_BASE_URL: 'http://127.0.0.1:1', PROVIDER_TIMEOUT_MS: '10s' })).toThrow(
      /PROVIDER_TIMEOUT_MS must be a non-negative number/,
    );
  });
});
