import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { CircuitOpenError } from '../../src/core/errors.js';
import { API, API_KEY, fakeBreaker, rejection, sessions, slowly, useNock } from './helpers.js';

useNock();

describe('status', () => {
  it('200 on GET /models/{realtime model} -> available', async () => {
    const scope = nock(API)
      .matchHeader('authorization', `Bearer ${API_KEY}`)
      .get('/v1/models/gpt-realtime-2')
      .reply(200, { id: 'gpt-realtime-2', object: 'model', owned_by: 'system' });
    const status = await sessions().status();
    expect(scope.isDone()).toBe(true);
    expect(status).toMatchObject({ available: true, apiKeyConfigured: true, model: 'gpt-realtime-2' });
    expect(status.error).toBeUndefined();
    expect(typeof status.latencyMs).toBe('number');
    expect(Number.isNaN(Date.parse(status.checkedAt))).toBe(false);
  });

  it('checks the configured realtime model (URL-encoded)', async () => {
    const scope = nock(API).get('/v1/models/my%2Fmodel').reply(200, { id: 'my/model' });
    const status = await sessions({ defaults: { realtimeModel: 'my/model' } }).status();
    expect(scope.isDone()).toBe(true);
    expect(status.available).toBe(true);
  });

  it('no API key -> unavailable, not configured, no request', async () => {
    const scope = nock(API).get(/.*/).reply(200, {});
    const status = await sessions({ apiKey: '' }).status();
    expect(status).toMatchObject({
      available: false,
      apiKeyConfigured: false,
      error: { code: 'provider_error', message: 'OpenAI API key is not configured', retryable: false },
    });
    expect(scope.isDone()).toBe(false);
  });

  it('401 -> unavailable with the key-free message', async () => {
    nock(API)
      .get('/v1/models/gpt-realtime-2')
      .reply(401, { error: { message: `Incorrect API key provided: ${API_KEY}`, code: 'invalid_api_key' } });
    const status = await sessions().status();
    expect(status).toMatchObject({
      available: false,
      apiKeyConfigured: true,
      error: {
        code: 'provider_error',
        message: 'OpenAI rejected the API key',
        status: 401,
        retryable: false,
      },
    });
    expect(JSON.stringify(status)).not.toContain(API_KEY);
  });

  it('404 (model not available to this project) -> unavailable', async () => {
    nock(API)
      .get('/v1/models/gpt-realtime-2')
      .reply(404, {
        error: { message: "The model 'gpt-realtime-2' does not exist", code: 'model_not_found' },
      });
    const status = await sessions().status();
    expect(status.available).toBe(false);
    expect(status.error).toMatchObject({ status: 404, retryable: false });
    expect(status.error?.message).toContain('does not exist');
  });

  it('500, timeouts and an open circuit -> unavailable and retryable; status() never throws for them', async () => {
    nock(API)
      .get('/v1/models/gpt-realtime-2')
      .reply(500, { error: { message: 'boom' } });
    expect((await sessions().status()).error).toMatchObject({ status: 500, retryable: true });

    nock(API)
      .get('/v1/models/gpt-realtime-2')
      .reply(200, slowly(300, { id: 'gpt-realtime-2' }));
    expect((await sessions({ timeoutMs: 30 }).status()).error).toMatchObject({
      code: 'timeout',
      retryable: true,
    });

    const scope = nock(API).get('/v1/models/gpt-realtime-2').reply(200, { id: 'gpt-realtime-2' });
    const breaker = fakeBreaker(new CircuitOpenError('openai', 5000));
    expect((await sessions({ breaker }).status()).error).toMatchObject({ code: 'circuit_open' });
    expect(scope.isDone()).toBe(false);
  });

  it('a 200 without a model id -> unavailable (invalid response)', async () => {
    nock(API).get('/v1/models/gpt-realtime-2').reply(200, { nope: true });
    const status = await sessions().status();
    expect(status.available).toBe(false);
    expect(status.error?.message).toMatch(/unexpected response/);
  });

  it("rethrows the caller's own abort", async () => {
    nock(API)
      .get('/v1/models/gpt-realtime-2')
      .reply(200, slowly(300, { id: 'gpt-realtime-2' }));
    const controller = new AbortController();
    const reason = new Error('stop');
    setTimeout(() => controller.abort(reason), 20);
    expect(await rejection(sessions().status({ signal: controller.signal }))).toBe(reason);
  });
});
