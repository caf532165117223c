import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { isValidationError, type ProviderError, type ValidationError } from '../../src/core/errors.js';
import { DEFAULT_LIVE_DATA_CHANNEL_CLIENT_EVENTS, MAX_SDP_OFFER_BYTES } from '../../src/openai/index.js';
import {
  ANSWER,
  API,
  API_KEY,
  fakeBreaker,
  OFFER,
  recordingLogger,
  rejection,
  sessions,
  useNock,
} from './helpers.js';

useNock();

const liveAnswer = { session: { id: 'live_123' }, transport: { type: 'webrtc', sdp: ANSWER } };

describe('createLiveWebRtcSession', () => {
  it('posts the offer and session config as JSON with the bearer key and returns the SDP answer', async () => {
    let body: unknown;
    const scope = nock(API)
      .matchHeader('authorization', `Bearer ${API_KEY}`)
      .matchHeader('content-type', 'application/json')
      .matchHeader('accept', 'application/json')
      .post('/v1/live/sessions', (b: unknown) => {
        body = b;
        return true;
      })
      .reply(201, liveAnswer);

    const result = await sessions().createLiveWebRtcSession({ sdpOffer: OFFER });

    expect(scope.isDone()).toBe(true);
    expect(result).toEqual({ sdpAnswer: ANSWER, sessionId: 'live_123' });
    expect(body).toEqual({
      session: {
        model: 'gpt-live-1',
        client: { data_channel: { allowed_client_events: [...DEFAULT_LIVE_DATA_CHANNEL_CLIENT_EVENTS] } },
      },
      transport: { type: 'webrtc', sdp: OFFER },
    });
  });

  it('restricts the browser to mute, unmute and close by default', () => {
    expect(DEFAULT_LIVE_DATA_CHANNEL_CLIENT_EVENTS).toEqual([
      'session.input_audio.mute',
      'session.input_audio.unmute',
      'session.close',
    ]);
  });

  it('applies per-call instructions and voice over the defaults, and the configured event lists', async () => {
    let body: unknown;
    nock(API)
      .post('/v1/live/sessions', (b: unknown) => {
        body = b;
        return true;
      })
      .reply(200, { ...liveAnswer, session: { id: 'live_9', expires_at: 1_900_000_000 } });
    const openai = sessions({
      defaults: { liveModel: 'gpt-live-1-mini', voice: 'cedar', instructions: 'Be brief.' },
      allowedDataChannelEvents: ['session.close'],
      allowedServerDataChannelEvents: ['session.started', 'error'],
    });

    const result = await openai.createLiveWebRtcSession({ sdpOffer: OFFER, voice: 'marin' });

    expect(result).toEqual({ sdpAnswer: ANSWER, sessionId: 'live_9', expiresAt: 1_900_000_000 });
    expect(body).toEqual({
      session: {
        model: 'gpt-live-1-mini',
        instructions: 'Be brief.',
        audio: { output: { voice: 'marin' } },
        client: {
          data_channel: {
            allowed_client_events: ['session.close'],
            allowed_server_events: [{ type: 'session.started' }, { type: 'error' }],
          },
        },
      },
      transport: { type: 'webrtc', sdp: OFFER },
    });
  });

  it('honours a custom baseUrl (trailing slash tolerated)', async () => {
    const scope = nock('https://proxy.example.com').post('/openai/v1/live/sessions').reply(200, liveAnswer);
    const openai = sessions({ baseUrl: 'https://proxy.example.com/openai/v1/' });
    await expect(openai.createLiveWebRtcSession({ sdpOffer: OFFER })).resolves.toMatchObject({
      sdpAnswer: ANSWER,
    });
    expect(scope.isDone()).toBe(true);
  });

  it('logs the session id and metadata, never the offer or the key', async () => {
    nock(API).post('/v1/live/sessions').reply(200, liveAnswer);
    const logger = recordingLogger();
    await sessions({ logger }).createLiveWebRtcSession({ sdpOffer: OFFER, metadata: { callId: 'call_1' } });
    const text = JSON.stringify(logger.lines);
    expect(text).toContain('live_123');
    expect(text).toContain('call_1');
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain('UDP/TLS');
  });
});

describe('createLiveWebRtcSession SDP validation (no request is made)', () => {
  const cases: [string, unknown, RegExp][] = [
    ['empty', '', /non-empty/],
    ['not a string', 42, /non-empty/],
    ['missing', undefined, /non-empty/],
    ['not SDP', '<html>hello</html>', /v=0/],
    ['leading junk', ' v=0\r\n', /v=0/],
    ['too large', `v=0\r\n${'a'.repeat(MAX_SDP_OFFER_BYTES)}`, /at most 65536 bytes/],
    ['too large in bytes', `v=0\r\n${'é'.repeat(MAX_SDP_OFFER_BYTES / 2)}`, /at most 65536 bytes/],
  ];
  for (const [name, sdpOffer, message] of cases) {
    it(`rejects an offer that is ${name} with a 400 ValidationError`, async () => {
      const scope = nock(API).post('/v1/live/sessions').reply(200, liveAnswer);
      const breaker = fakeBreaker();
      const error = await rejection(
        sessions({ breaker }).createLiveWebRtcSession({ sdpOffer: sdpOffer as string }),
      );
      expect(isValidationError(error)).toBe(true);
      expect((error as ValidationError).httpStatus).toBe(400);
      expect((error as ValidationError).issues[0]).toMatchObject({ path: 'sdpOffer' });
      expect((error as ValidationError).issues[0]?.message).toMatch(message);
      expect(breaker.calls).toBe(0);
      expect(scope.isDone()).toBe(false);
    });
  }

  it('accepts an offer of exactly 64 KiB', async () => {
    nock(API).post('/v1/live/sessions').reply(200, liveAnswer);
    const sdpOffer = `v=0\r\n${'a'.repeat(MAX_SDP_OFFER_BYTES - 5)}`;
    await expect(sessions().createLiveWebRtcSession({ sdpOffer })).resolves.toMatchObject({
      sdpAnswer: ANSWER,
    });
  });

  it('rejects bad voice, instructions and metadata before any request', async () => {
    const scope = nock(API).post('/v1/live/sessions').reply(200, liveAnswer);
    const error = await rejection(
      sessions().createLiveWebRtcSession({
        sdpOffer: OFFER,
        voice: '',
        instructions: 'x'.repeat(40_000),
        metadata: { k: 'v'.repeat(600) },
      }),
    );
    expect(isValidationError(error)).toBe(true);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([
      'instructions',
      'voice',
      'metadata',
    ]);
    expect(scope.isDone()).toBe(false);
  });
});

describe('createLiveWebRtcSession upstream answers', () => {
  it('maps an answer without SDP to a 502 ProviderError, not a crash', async () => {
    nock(API)
      .post('/v1/live/sessions')
      .reply(200, { session: { id: 'live_1' }, transport: { type: 'webrtc' } });
    const error = (await rejection(sessions().createLiveWebRtcSession({ sdpOffer: OFFER }))) as ProviderError;
    expect(error.code).toBe('provider_error');
    expect(error.httpStatus).toBe(502);
    expect(error.providerCode).toBe('invalid_response');
    expect(error.message).toMatch(/unexpected response/);
  });

  it('maps a non-JSON 200 body to a 502 ProviderError', async () => {
    nock(API).post('/v1/live/sessions').reply(200, ANSWER, { 'content-type': 'application/sdp' });
    const error = (await rejection(sessions().createLiveWebRtcSession({ sdpOffer: OFFER }))) as ProviderError;
    expect(error.httpStatus).toBe(502);
    expect(error.message).toMatch(/not JSON/);
  });

  it('maps OpenAI rejecting the offer (400) to a non-retryable ProviderError with the code', async () => {
    nock(API)
      .post('/v1/live/sessions')
      .reply(400, {
        error: {
          message: 'Invalid SDP offer: no audio m-line',
          type: 'invalid_request_error',
          code: 'invalid_sdp',
        },
      });
    const error = (await rejection(sessions().createLiveWebRtcSession({ sdpOffer: OFFER }))) as ProviderError;
    expect(error.code).toBe('provider_error');
    expect(error.status).toBe(400);
    expect(error.httpStatus).toBe(400);
    expect(error.retryable).toBe(false);
    expect(error.providerCode).toBe('invalid_sdp');
    expect(error.message).toBe(
      'OpenAI create Live session failed: Invalid SDP offer: no audio m-line (HTTP 400)',
    );
  });
});
