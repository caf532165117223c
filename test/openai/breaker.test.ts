import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/breaker/breaker.js';
import {
  CircuitOpenError,
  isCircuitOpenError,
  isProviderError,
  isTimeoutError,
} from '../../src/core/errors.js';
import { MemoryProviderStatusStore } from '../../src/storage/memory/provider-status.js';
import { ANSWER, API, fakeBreaker, OFFER, rejection, sessions, slowly, useNock } from './helpers.js';

useNock();

const liveAnswer = { session: { id: 'live_1' }, transport: { type: 'webrtc', sdp: ANSWER } };

describe('breaker integration', () => {
  it('runs every request through breaker.execute', async () => {
    nock(API).post('/v1/live/sessions').reply(200, liveAnswer);
    nock(API).post('/v1/realtime/client_secrets').reply(200, { value: 'ek_1', expires_at: 1_756_310_470 });
    nock(API).get('/v1/models/gpt-realtime-2').reply(200, { id: 'gpt-realtime-2', object: 'model' });
    const breaker = fakeBreaker();
    const openai = sessions({ breaker });
    await openai.createLiveWebRtcSession({ sdpOffer: OFFER });
    await openai.createRealtimeClientSecret();
    await openai.status();
    expect(breaker.calls).toBe(3);
  });

  it('a breaker refusing with CircuitOpenError: no request, the error passes through', async () => {
    const scope = nock(API).post('/v1/live/sessions').reply(200, liveAnswer);
    const breaker = fakeBreaker(new CircuitOpenError('openai', 30_000));
    const error = await rejection(sessions({ breaker }).createLiveWebRtcSession({ sdpOffer: OFFER }));
    expect(isCircuitOpenError(error)).toBe(true);
    expect(breaker.calls).toBe(1);
    expect(scope.isDone()).toBe(false);
  });

  it("aborting the breaker's signal ends the request with the breaker's reason", async () => {
    nock(API).post('/v1/live/sessions').reply(200, slowly(400, liveAnswer));
    const reason = new Error('breaker budget spent');
    const breaker = {
      execute<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
        const controller = new AbortController();
        setTimeout(() => controller.abort(reason), 20);
        return fn(controller.signal);
      },
    };
    expect(await rejection(sessions({ breaker }).createLiveWebRtcSession({ sdpOffer: OFFER }))).toBe(reason);
  });

  it('trips a real CircuitBreaker on 5xx and timeouts but not on a rejected offer', async () => {
    const breaker = new CircuitBreaker({
      provider: 'openai',
      store: new MemoryProviderStatusStore(),
      policy: { consecutiveFailures: 2 },
      cacheTtlMs: 0,
    });
    const openai = sessions({ breaker, timeoutMs: 50 });

    nock(API)
      .post('/v1/live/sessions')
      .times(3)
      .reply(400, { error: { message: 'bad sdp', code: 'invalid_sdp' } });
    for (let i = 0; i < 3; i++) {
      expect(isProviderError(await rejection(openai.createLiveWebRtcSession({ sdpOffer: OFFER })))).toBe(
        true,
      );
    }

    nock(API)
      .post('/v1/live/sessions')
      .reply(503, { error: { message: 'overloaded' } });
    nock(API).post('/v1/live/sessions').reply(200, slowly(300, liveAnswer));
    expect(isProviderError(await rejection(openai.createLiveWebRtcSession({ sdpOffer: OFFER })))).toBe(true);
    expect(isTimeoutError(await rejection(openai.createLiveWebRtcSession({ sdpOffer: OFFER })))).toBe(true);

    const scope = nock(API).post('/v1/live/sessions').reply(200, liveAnswer);
    expect(isCircuitOpenError(await rejection(openai.createLiveWebRtcSession({ sdpOffer: OFFER })))).toBe(
      true,
    );
    expect(scope.isDone()).toBe(false);
  });

  it('validation and a missing key never reach the breaker', async () => {
    const breaker = fakeBreaker();
    await rejection(sessions({ breaker }).createLiveWebRtcSession({ sdpOffer: 'nope' }));
    await rejection(sessions({ breaker, apiKey: '' }).createRealtimeClientSecret());
    expect(breaker.calls).toBe(0);
  });
});
