import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { isValidationError, type ProviderError, type ValidationError } from '../../src/core/errors.js';
import { API, API_KEY, fakeBreaker, recordingLogger, rejection, sessions, useNock } from './helpers.js';

useNock();

const secretAnswer = {
  value: 'ek_68af296e8e408191a1120ab6383263c2',
  expires_at: 1_756_310_470,
  session: { type: 'realtime', object: 'realtime.session', model: 'gpt-realtime-2' },
};

describe('createRealtimeClientSecret', () => {
  it('posts a GA realtime session with the bearer key and returns the ephemeral secret', async () => {
    let body: unknown;
    const scope = nock(API)
      .matchHeader('authorization', `Bearer ${API_KEY}`)
      .matchHeader('content-type', 'application/json')
      .post('/v1/realtime/client_secrets', (b: unknown) => {
        body = b;
        return true;
      })
      .reply(200, secretAnswer);

    const result = await sessions().createRealtimeClientSecret();

    expect(scope.isDone()).toBe(true);
    expect(body).toEqual({ session: { type: 'realtime', model: 'gpt-realtime-2' } });
    expect(result).toEqual({
      clientSecret: 'ek_68af296e8e408191a1120ab6383263c2',
      expiresAt: 1_756_310_470,
      model: 'gpt-realtime-2',
    });
  });

  it('sends expires_after, instructions and the output voice', async () => {
    let body: unknown;
    nock(API)
      .post('/v1/realtime/client_secrets', (b: unknown) => {
        body = b;
        return true;
      })
      .reply(200, { ...secretAnswer, session: { type: 'realtime', model: 'gpt-realtime-2-mini' } });
    const openai = sessions({ defaults: { realtimeModel: 'gpt-realtime-2-mini', voice: 'cedar' } });

    const result = await openai.createRealtimeClientSecret({
      instructions: 'Speak French.',
      voice: 'marin',
      expiresAfterSeconds: 120,
    });

    expect(body).toEqual({
      expires_after: { anchor: 'created_at', seconds: 120 },
      session: {
        type: 'realtime',
        model: 'gpt-realtime-2-mini',
        instructions: 'Speak French.',
        audio: { output: { voice: 'marin' } },
      },
    });
    expect(result.model).toBe('gpt-realtime-2-mini');
  });

  it('falls back to the requested model when the answer has no session', async () => {
    nock(API).post('/v1/realtime/client_secrets').reply(200, { value: 'ek_1', expires_at: 1_756_310_470 });
    await expect(sessions().createRealtimeClientSecret()).resolves.toMatchObject({ model: 'gpt-realtime-2' });
  });

  for (const seconds of [9, 7201, 60.5, Number.NaN]) {
    it(`rejects expiresAfterSeconds=${seconds} before any request`, async () => {
      const scope = nock(API).post('/v1/realtime/client_secrets').reply(200, secretAnswer);
      const breaker = fakeBreaker();
      const error = await rejection(
        sessions({ breaker }).createRealtimeClientSecret({ expiresAfterSeconds: seconds }),
      );
      expect(isValidationError(error)).toBe(true);
      expect((error as ValidationError).issues[0]?.path).toBe('expiresAfterSeconds');
      expect(breaker.calls).toBe(0);
      expect(scope.isDone()).toBe(false);
    });
  }

  it('accepts the bounds 10 and 7200', async () => {
    nock(API).post('/v1/realtime/client_secrets').times(2).reply(200, secretAnswer);
    await expect(sessions().createRealtimeClientSecret({ expiresAfterSeconds: 10 })).resolves.toBeDefined();
    await expect(sessions().createRealtimeClientSecret({ expiresAfterSeconds: 7200 })).resolves.toBeDefined();
  });

  for (const [name, answer] of [
    ['no value', { expires_at: 1_756_310_470, session: {} }],
    ['an empty value', { value: '', expires_at: 1_756_310_470 }],
    ['no expires_at', { value: 'ek_1' }],
    ['an array', []],
  ] as const) {
    it(`maps an answer with ${name} to a 502 ProviderError`, async () => {
      nock(API).post('/v1/realtime/client_secrets').reply(200, answer);
      const error = (await rejection(sessions().createRealtimeClientSecret())) as ProviderError;
      expect(error.code).toBe('provider_error');
      expect(error.httpStatus).toBe(502);
      expect(error.message).toBe(
        'OpenAI create Realtime client secret returned an unexpected response: no client secret',
      );
    });
  }

  it('never logs the ephemeral secret', async () => {
    nock(API).post('/v1/realtime/client_secrets').reply(200, secretAnswer);
    const logger = recordingLogger();
    await sessions({ logger }).createRealtimeClientSecret();
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(logger.lines)).not.toContain(secretAnswer.value);
  });
});
