import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { geminiHealthCheck, openAiHealthCheck } from '../../src/health/checks.js';
import { GEMINI_KEY, OPENAI_KEY, recordingFetch } from './helpers.js';

const OPENAI = 'https://api.openai.com';
const GEMINI = 'https://generativelanguage.googleapis.com';
const signal = () => new AbortController().signal;

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
});

const openai = () => nock(OPENAI, { reqheaders: { authorization: `Bearer ${OPENAI_KEY}` } });
const gemini = () =>
  nock(GEMINI, { reqheaders: { 'x-goog-api-key': GEMINI_KEY }, badheaders: ['authorization'] });

describe('openAiHealthCheck', () => {
  it.each([undefined, '', '   '])(
    'is not_configured without an API key (%j), and sends nothing',
    async (apiKey) => {
      const fetchSpy = recordingFetch();
      const check = openAiHealthCheck({ apiKey, fetch: fetchSpy });
      expect(check.provider).toBe('openai');
      expect(await check.check(signal())).toEqual({
        status: 'not_configured',
        latencyMs: null,
        message: 'API key is not configured',
      });
      expect(fetchSpy.urls).toEqual([]);
    },
  );

  it('is healthy on 200 from GET /v1/models with a bearer token', async () => {
    const scope = openai().get('/v1/models').reply(200, { object: 'list', data: [] });
    expect(await openAiHealthCheck({ apiKey: OPENAI_KEY }).check(signal())).toMatchObject({
      status: 'healthy',
    });
    expect(scope.isDone()).toBe(true);
  });

  it('checks one model when given, on a custom base URL', async () => {
    const scope = nock('https://proxy.example.com', { reqheaders: { authorization: `Bearer ${OPENAI_KEY}` } })
      .get('/openai/v1/models/gpt-live-1')
      .reply(200, { id: 'gpt-live-1' });
    const check = openAiHealthCheck({
      apiKey: OPENAI_KEY,
      baseUrl: 'https://proxy.example.com/openai/v1/',
      model: 'gpt-live-1',
    });
    expect((await check.check(signal())).status).toBe('healthy');
    expect(scope.isDone()).toBe(true);
  });

  it('is degraded when slower than degradedAboveMs', async () => {
    const clock = new FakeClock(0);
    openai().get('/v1/models').reply(200, { data: [] });
    const fetchSpy = recordingFetch(() => clock.set(clock.now() + 900));
    const check = openAiHealthCheck({ apiKey: OPENAI_KEY, fetch: fetchSpy, clock, degradedAboveMs: 500 });
    expect(await check.check(signal())).toEqual({
      status: 'degraded',
      latencyMs: 900,
      message: 'slow response (900 ms)',
    });
  });

  it.each([
    [401, 'down', 'invalid credentials'],
    [403, 'down', 'invalid credentials'],
    [429, 'degraded', 'rate limited'],
    [500, 'down', 'server error (HTTP 500)'],
    [503, 'down', 'server error (HTTP 503)'],
    [400, 'down', 'unexpected response (HTTP 400)'],
  ] as const)('maps HTTP %i to %s', async (code, status, message) => {
    openai()
      .get('/v1/models')
      .reply(code, { error: { message: `Incorrect API key provided: ${OPENAI_KEY}` } });
    const result = await openAiHealthCheck({ apiKey: OPENAI_KEY }).check(signal());
    expect(result).toEqual({ status, latencyMs: expect.any(Number), message });
  });

  it('is down with "model not found" on 404 for a model', async () => {
    openai()
      .get('/v1/models/gpt-nope')
      .reply(404, { error: { code: 'model_not_found' } });
    const result = await openAiHealthCheck({ apiKey: OPENAI_KEY, model: 'gpt-nope' }).check(signal());
    expect(result).toMatchObject({ status: 'down', message: 'model not found' });
  });

  it('does not follow redirects (the key header would go with them)', async () => {
    // A real loopback server: nock's redirect emulation differs between Node 22 and 24.
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization ?? ''}`);
      if (req.url === '/v1/models') res.writeHead(302, { location: '/elsewhere' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const result = await openAiHealthCheck({ apiKey: OPENAI_KEY, baseUrl }).check(signal());
      expect(result).toMatchObject({ status: 'down', message: 'unexpected response (HTTP 302)' });
      expect(seen).toEqual([`/v1/models Bearer ${OPENAI_KEY}`]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('is down on a network error, reporting its code and never the key', async () => {
    openai()
      .get('/v1/models')
      .replyWithError(
        Object.assign(new Error(`socket hang up (Bearer ${OPENAI_KEY})`), { code: 'ECONNRESET' }),
      );
    const result = await openAiHealthCheck({ apiKey: OPENAI_KEY }).check(signal());
    expect(result.status).toBe('down');
    expect(result.latencyMs).toBeNull();
    expect(result.message).toMatch(/^network error/);
    expect(JSON.stringify(result)).not.toContain(OPENAI_KEY);
  });

  it('is down with "timed out" when its signal is aborted', async () => {
    const controller = new AbortController();
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    const pending = openAiHealthCheck({ apiKey: OPENAI_KEY, fetch: hanging }).check(controller.signal);
    controller.abort(new DOMException('late', 'TimeoutError'));
    expect(await pending).toEqual({ status: 'down', latencyMs: null, message: 'timed out' });
  });
});

describe('geminiHealthCheck', () => {
  it('is not_configured without an API key', async () => {
    const check = geminiHealthCheck({});
    expect(check.provider).toBe('gemini');
    expect((await check.check(signal())).status).toBe('not_configured');
  });

  it('sends the key as x-goog-api-key and never in the URL', async () => {
    const scope = gemini().get('/v1beta/models').query({ pageSize: '1' }).reply(200, { models: [] });
    const fetchSpy = recordingFetch();
    const result = await geminiHealthCheck({ apiKey: GEMINI_KEY, fetch: fetchSpy }).check(signal());
    expect(result.status).toBe('healthy');
    expect(scope.isDone()).toBe(true);
    expect(fetchSpy.urls).toEqual([`${GEMINI}/v1beta/models?pageSize=1`]);
    expect(fetchSpy.urls.join(' ')).not.toContain(GEMINI_KEY);
    expect(fetchSpy.headers[0]?.get('x-goog-api-key')).toBe(GEMINI_KEY);
  });

  it('checks one model, accepting the `models/` prefix', async () => {
    const scope = gemini()
      .get('/v1beta/models/gemini-3.8-live')
      .reply(200, { name: 'models/gemini-3.8-live' });
    const check = geminiHealthCheck({ apiKey: GEMINI_KEY, model: 'models/gemini-3.8-live' });
    expect((await check.check(signal())).status).toBe('healthy');
    expect(scope.isDone()).toBe(true);
  });

  it("maps Google's 400 API_KEY_INVALID to invalid credentials", async () => {
    gemini()
      .get('/v1beta/models')
      .query({ pageSize: '1' })
      .reply(400, {
        error: {
          code: 400,
          message: 'API key not valid. Please pass a valid API key.',
          status: 'INVALID_ARGUMENT',
          details: [{ reason: 'API_KEY_INVALID', domain: 'googleapis.com' }],
        },
      });
    const result = await geminiHealthCheck({ apiKey: GEMINI_KEY }).check(signal());
    expect(result).toMatchObject({ status: 'down', message: 'invalid credentials' });
  });

  it.each([
    [403, 'down', 'invalid credentials'],
    [429, 'degraded', 'rate limited'],
    [500, 'down', 'server error (HTTP 500)'],
  ] as const)('maps HTTP %i to %s', async (code, status, message) => {
    gemini().get('/v1beta/models').query({ pageSize: '1' }).reply(code, {});
    expect(await geminiHealthCheck({ apiKey: GEMINI_KEY }).check(signal())).toMatchObject({
      status,
      message,
    });
  });

  it('is down on a network error and the message never quotes the key', async () => {
    const throwing: typeof fetch = async (input) => {
      throw Object.assign(new TypeError(`fetch failed: ${String(input)}?key=${GEMINI_KEY}`), {
        cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      });
    };
    const result = await geminiHealthCheck({ apiKey: GEMINI_KEY, fetch: throwing }).check(signal());
    expect(result).toEqual({ status: 'down', latencyMs: null, message: 'network error (ECONNREFUSED)' });
  });
});
