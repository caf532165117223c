// A whole deployment fed by an OpenFeature backend: calls follow its flags, and the ops flag route
// explains that flags are changed in the backend.
import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { describe, expect, it } from 'vitest';
import {
  CallOrchestrator,
  createHandlers,
  createMemoryStores,
  createRouter,
  voiceWebhookSchema,
} from '../../src/index.js';
import { OpenFeatureFlagStore } from '../../src/openfeature/index.js';
import { resetOpenFeatureAfterEach } from './helpers.js';

resetOpenFeatureAfterEach();

const OPS = 'ops-token-openfeature-0123456789';
const sid = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(32, '0')}`;
const inbound = (n: number) =>
  voiceWebhookSchema.parse({
    CallSid: sid('CA', n),
    AccountSid: sid('AC', 1),
    From: '+14155550123',
    To: '+14155550100',
    CallStatus: 'ringing',
    Direction: 'inbound',
  });

async function deployment(config: ConstructorParameters<typeof InMemoryProvider>[0]) {
  await OpenFeature.setProviderAndWait(new InMemoryProvider(config));
  const orchestrator = new CallOrchestrator({
    stores: { ...createMemoryStores(), flags: new OpenFeatureFlagStore({ client: OpenFeature.getClient() }) },
    publicBaseUrl: 'https://voice.example.com',
    streamTokenSecret: 'stream-secret-0123456789abcdef',
    openai: { apiKey: 'sk-test-openfeature-0123456789' },
    gemini: { apiKey: 'gemini-test-openfeature-0123456789' },
  });
  return orchestrator;
}

describe('CallOrchestrator with flags from an OpenFeature backend', () => {
  it('bridges calls to the provider the backend prefers', async () => {
    const orchestrator = await deployment({
      'ai.provider.preferred': { variants: { o: 'openai' }, defaultVariant: 'o', disabled: false },
    });
    expect((await orchestrator.handleVoiceWebhook(inbound(1))).provider).toBe('openai');
  });

  it('serves the fallback when the backend turns AI off', async () => {
    const orchestrator = await deployment({
      'ai.enabled': { variants: { off: false }, defaultVariant: 'off', disabled: false },
    });
    expect((await orchestrator.handleVoiceWebhook(inbound(2))).provider).toBeNull();
  });

  it('answers PUT /ops/flags/:key with a 403 saying where flags are changed; GET still works', async () => {
    const orchestrator = await deployment({
      'sms.enabled': { variants: { off: false }, defaultVariant: 'off', disabled: false },
    });
    const route = createRouter(createHandlers(orchestrator, { opsTokens: [OPS] }));
    const call = (method: string, body?: unknown) =>
      route(
        new Request('http://localhost/ops/flags/sms.enabled', {
          method,
          headers: { authorization: `Bearer ${OPS}`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
    const put = await call('PUT', { value: true });
    expect(put.status).toBe(403);
    const { error } = (await put.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('feature_disabled');
    expect(error.message).toMatch(/managed by the OpenFeature provider "in-memory"/);

    const get = await call('GET');
    expect(get.status).toBe(200);
    expect(await get.json()).toMatchObject({
      flag: { flagKey: 'sms.enabled', value: false, reason: 'STATIC' },
    });
  });
});
