import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { defaultClassifier } from '../../src/breaker/classify.js';
import {
  isProviderError,
  isTimeoutError,
  type ProviderError,
  type TimeoutError,
} from '../../src/core/errors.js';
import {
  ANSWER,
  API,
  API_KEY,
  everythingIn,
  OFFER,
  recordingLogger,
  rejection,
  sessions,
  slowly,
  useNock,
} from './helpers.js';

useNock();

const live = () => sessions().createLiveWebRtcSession({ sdpOffer: OFFER });

describe('upstream error mapping', () => {
  it('401: "OpenAI rejected the API key", upstream text (with a masked key) dropped, not retryable', async () => {
    nock(API)
      .post('/v1/live/sessions')
      .reply(401, {
        error: {
          message: `Incorrect API key provided: sk-proj-TES***************CRET. You can find your API key at https://platform.openai.com/account/api-keys.`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      });
    const error = (await rejection(live())) as ProviderError;
    expect(error.message).toBe('OpenAI rejected the API key');
    expect(error.status).toBe(401);
    expect(error.retryable).toBe(false);
    expect(error.httpStatus).toBe(502); // our configuration, not the browser's request
    expect(error.providerCode).toBe('invalid_api_key');
    expect(everythingIn(error)).not.toContain('sk-proj');
    expect(defaultClassifier(error)).toBe('ignore');
  });

  it('4xx messages are redacted: the key itself and key-shaped tokens', async () => {
    nock(API)
      .post('/v1/live/sessions')
      .reply(403, {
        error: {
          message: `Key ${API_KEY} (also sk-abc***xyz123) lacks scope for +14155550123`,
          type: 'permission_error',
        },
      });
    const error = (await rejection(live())) as ProviderError;
    expect(error.status).toBe(403);
    expect(error.providerCode).toBe('permission_error');
    expect(error.message).toContain('[REDACTED]');
    expect(error.message).toContain('0123');
    expect(error.message).not.toContain('4155550123');
    expect(everythingIn(error)).not.toContain(API_KEY);
    expect(everythingIn(error)).not.toContain('sk-abc');
  });

  it('429: retryable, with Retry-After and the request id in details', async () => {
    nock(API)
      .post('/v1/live/sessions')
      .reply(
        429,
        { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } },
        { 'retry-after': '2', 'x-request-id': 'req_abc' },
      );
    const error = (await rejection(live())) as ProviderError;
    expect(error.retryable).toBe(true);
    expect(error.httpStatus).toBe(502);
    expect(error.providerCode).toBe('rate_limit_exceeded');
    expect(error.details).toMatchObject({ retryAfterMs: 2000, requestId: 'req_abc', status: 429 });
    expect(defaultClassifier(error)).toBe('record');
  });

  it('500 with a non-JSON body: retryable ProviderError naming the status', async () => {
    nock(API).post('/v1/live/sessions').reply(500, '<html>Internal Server Error</html>');
    const error = (await rejection(live())) as ProviderError;
    expect(error.message).toBe('OpenAI create Live session failed: HTTP 500 (HTTP 500)');
    expect(error.retryable).toBe(true);
    expect(error.providerCode).toBeUndefined();
    expect(defaultClassifier(error)).toBe('record');
  });

  it('network failure: retryable ProviderError without status, sanitized cause keeps the code', async () => {
    nock(API)
      .post('/v1/live/sessions')
      .replyWithError(
        Object.assign(new Error(`connect ECONNREFUSED (${API_KEY})`), { code: 'ECONNREFUSED' }),
      );
    const error = (await rejection(live())) as ProviderError;
    expect(isProviderError(error)).toBe(true);
    expect(error.status).toBeUndefined();
    expect(error.retryable).toBe(true);
    expect(error.message).toBe('OpenAI create Live session failed: network error (ECONNREFUSED)');
    expect((error.cause as { code?: string }).code).toBe('ECONNREFUSED');
    expect(everythingIn(error)).not.toContain(API_KEY);
    expect(defaultClassifier(error)).toBe('record');
  });

  it('timeout: a reply slower than timeoutMs rejects with TimeoutError', async () => {
    nock(API)
      .post('/v1/live/sessions')
      .reply(200, slowly(400, { session: { id: 'l' }, transport: { sdp: ANSWER } }));
    const started = Date.now();
    const error = (await rejection(
      sessions({ timeoutMs: 50 }).createLiveWebRtcSession({ sdpOffer: OFFER }),
    )) as TimeoutError;
    expect(isTimeoutError(error)).toBe(true);
    expect(error.timeoutMs).toBe(50);
    expect(error.message).toBe('OpenAI create Live session timed out after 50 ms');
    expect(Date.now() - started).toBeLessThan(350);
  });

  it("the caller's abort rejects with the caller's reason", async () => {
    nock(API).post('/v1/live/sessions').reply(200, slowly(400, {}));
    const controller = new AbortController();
    const reason = new Error('client went away');
    setTimeout(() => controller.abort(reason), 20);
    const error = await rejection(
      sessions().createLiveWebRtcSession({ sdpOffer: OFFER }, { signal: controller.signal }),
    );
    expect(error).toBe(reason);
  });

  it('an already-aborted caller signal makes no request', async () => {
    const scope = nock(API).post('/v1/live/sessions').reply(200, {});
    const error = await rejection(
      sessions().createLiveWebRtcSession(
        { sdpOffer: OFFER },
        { signal: AbortSignal.abort(new Error('gone')) },
      ),
    );
    expect((error as Error).message).toBe('gone');
    expect(scope.isDone()).toBe(false);
  });

  it('logs failures without the key', async () => {
    nock(API)
      .post('/v1/live/sessions')
      .reply(401, { error: { message: `bad key ${API_KEY}` } });
    const logger = recordingLogger();
    await rejection(sessions({ logger }).createLiveWebRtcSession({ sdpOffer: OFFER }));
    expect(logger.lines.some(([level]) => level === 'warn')).toBe(true);
    expect(JSON.stringify(logger.lines)).not.toContain(API_KEY);
  });

  it('a missing API key fails fast with a 503, before any request', async () => {
    const scope = nock(API).post('/v1/live/sessions').reply(200, {});
    const error = (await rejection(
      sessions({ apiKey: '  ' }).createLiveWebRtcSession({ sdpOffer: OFFER }),
    )) as ProviderError;
    expect(error.message).toBe('OpenAI API key is not configured');
    expect(error.httpStatus).toBe(503);
    expect(error.retryable).toBe(false);
    expect(scope.isDone()).toBe(false);
  });
});
