import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, OPS_TOKEN, startHarness } from './harness.js';

const OPENAI_KEY = 'sk-test-openai-key-0123456789abcdef';
const OFFER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n';

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
});
afterAll(() => {
  nock.enableNetConnect();
});

describe('openai-realtime-session and openai-realtime-status through the Express example', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ env: { OPENAI_API_KEY: OPENAI_KEY } });
  });
  afterEach(async () => {
    nock.cleanAll();
    await h.close();
  });

  it('does the Live API SDP exchange server-side; the browser never sees the key', async () => {
    let sentBody = '';
    const scope = nock('https://api.openai.com', { reqheaders: { authorization: `Bearer ${OPENAI_KEY}` } })
      .post('/v1/live/sessions', (body) => {
        sentBody = JSON.stringify(body);
        return true;
      })
      .reply(200, { session: { id: 'sess_1' }, transport: { type: 'webrtc', sdp: 'v=0\r\nanswer' } });
    const res = await h.api('/openai-realtime-session', {
      method: 'POST',
      json: { api: 'live', sdpOffer: OFFER },
    });
    const text = await res.text();
    expect(res.status).toBe(201);
    expect(text).toContain('answer');
    expect(text).not.toContain(OPENAI_KEY);
    expect(scope.isDone()).toBe(true);
    expect(sentBody).toContain('webrtc');
    expect(sentBody).toContain('v=0');
  });

  it('mints an ephemeral client secret on the Realtime API', async () => {
    nock('https://api.openai.com')
      .post('/v1/realtime/client_secrets')
      .reply(200, { value: 'ek_test_123', expires_at: 1_900_000_000, session: { model: 'gpt-realtime-2' } });
    const res = await h.api('/openai-realtime-session', { method: 'POST', json: { api: 'realtime' } });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(JSON.stringify(body)).toContain('ek_test_123');
    expect(JSON.stringify(body)).not.toContain(OPENAI_KEY);
  });

  it('is refused when the ai.openai.enabled flag is off, and validates the offer before any request', async () => {
    const bad = await h.api('/openai-realtime-session', {
      method: 'POST',
      json: { api: 'live', sdpOffer: 'hello' },
    });
    expect(bad.status).toBe(400);
    await h.api('/ops/flags/ai.openai.enabled', { method: 'PUT', json: { value: false }, token: OPS_TOKEN });
    const off = await h.api('/openai-realtime-session', { method: 'POST', json: { api: 'realtime' } });
    expect(off.status).toBe(403);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('maps an OpenAI outage to 502s, then fails fast with 503 once the breaker opens', async () => {
    nock('https://api.openai.com')
      .post('/v1/realtime/client_secrets')
      .times(3)
      .reply(503, { error: { message: 'down' } });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      codes.push(
        (await h.api('/openai-realtime-session', { method: 'POST', json: { api: 'realtime' } })).status,
      );
    }
    expect(codes).toEqual([502, 502, 502, 503]);
    const status = await (await h.api('/openai-realtime-status')).json();
    expect(status).toMatchObject({ configured: true, available: false, circuit: 'open' });
  });
});
