import {
  AsyncLocalStorageTransactionContextPropagator,
  type EvaluationContext,
  InMemoryProvider,
  type JsonValue,
  OpenFeature,
  ProviderEvents,
} from '@openfeature/server-sdk';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FakeClock } from '../../src/core/clock.js';
import { isSteadyCallError } from '../../src/core/errors.js';
import type { Logger } from '../../src/core/logger.js';
import { runbookFlags } from '../../src/flags/catalog.js';
import { chooseAiProvider } from '../../src/flags/choose-provider.js';
import { defineFlag, defineFlags } from '../../src/flags/define.js';
import { FlagResolver } from '../../src/flags/resolver.js';
import { OpenFeatureFlagStore, ReadOnlyFlagStoreError } from '../../src/openfeature/index.js';
import { rejection } from '../flags/helpers.js';
import { nextEvent, resetOpenFeatureAfterEach } from './helpers.js';

resetOpenFeatureAfterEach();

type Config = ConstructorParameters<typeof InMemoryProvider>[0];

/** One flag with a single value, as OpenFeature's in-memory provider takes it. */
function fixed(value: JsonValue | boolean | string | number) {
  return { variants: { only: value as string }, defaultVariant: 'only', disabled: false };
}

async function source(config: Config) {
  const provider = new InMemoryProvider(config);
  await OpenFeature.setProviderAndWait(provider);
  return { provider, client: OpenFeature.getClient() };
}

function recordingLogger() {
  const warnings: string[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (_fields: unknown, msg?: string) => void warnings.push(String(msg)),
    error: () => {},
  };
  return { logger, warnings };
}

describe('OpenFeatureFlagStore: steadycall reading an OpenFeature backend', () => {
  it('serves the backend’s values, and steadycall defaults for flags it does not have', async () => {
    const { client } = await source({
      'ai.provider.preferred': fixed('openai'),
      'sms.enabled': fixed(false),
    });
    const flags = new FlagResolver({ store: new OpenFeatureFlagStore({ client }), clock: new FakeClock() });
    expect(await flags.resolve('ai.provider.preferred')).toMatchObject({ value: 'openai', reason: 'STATIC' });
    expect(await flags.isEnabled('sms.enabled')).toBe(false);
    expect(await flags.resolve('ai.enabled')).toMatchObject({ value: true, reason: 'DEFAULT' });
  });

  it('makes chooseAiProvider follow the backend', async () => {
    const { client } = await source({ 'ai.provider.preferred': fixed('openai') });
    const flags = new FlagResolver({ store: new OpenFeatureFlagStore({ client }), clock: new FakeClock() });
    const choice = await chooseAiProvider({ flags, breakers: () => undefined });
    expect(choice).toMatchObject({ provider: 'openai', order: ['openai', 'gemini'] });
  });

  it('rejects a schema-invalid backend value and serves the default (reason ERROR)', async () => {
    const { client } = await source({ 'ai.provider.preferred': fixed('anthropic') });
    const flags = new FlagResolver({ store: new OpenFeatureFlagStore({ client }), clock: new FakeClock() });
    expect(await flags.resolve('ai.provider.preferred')).toMatchObject({
      value: 'gemini',
      reason: 'ERROR',
      errorCode: 'TYPE_MISMATCH',
    });
    expect((await chooseAiProvider({ flags, breakers: () => undefined })).provider).toBe('gemini');
  });

  it('serves the default for a backend value of the wrong type, and warns once', async () => {
    const { client } = await source({ 'ai.enabled': fixed('yes') });
    const { logger, warnings } = recordingLogger();
    const clock = new FakeClock();
    const flags = new FlagResolver({ store: new OpenFeatureFlagStore({ client, logger }), clock });
    expect(await flags.resolve('ai.enabled')).toMatchObject({ value: true, reason: 'DEFAULT' });
    await clock.advance(5_000);
    await flags.resolve('ai.enabled');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('ai.enabled');
    expect(warnings[0]).toContain('TYPE_MISMATCH');
  });

  it('serves the steadycall default for a flag disabled in the backend', async () => {
    const { client } = await source({ 'sms.enabled': { ...fixed(false), disabled: true } });
    const flags = new FlagResolver({ store: new OpenFeatureFlagStore({ client }), clock: new FakeClock() });
    expect(await flags.resolve('sms.enabled')).toMatchObject({ value: true, reason: 'DEFAULT' });
  });

  it('reads user flags with the type of their default (number, object)', async () => {
    const minutes = defineFlag({
      key: 'calls.max_minutes',
      schema: z.number().int().positive(),
      defaultValue: 30,
      description: 'Hang up calls longer than this',
    });
    const retries = defineFlag({
      key: 'calls.retry_policy',
      schema: z.object({ attempts: z.number().int().min(1) }),
      defaultValue: { attempts: 2 },
      description: 'Retries',
    });
    const definitions = { ...runbookFlags, ...defineFlags([minutes, retries]) };
    const { client } = await source({
      'calls.max_minutes': fixed(12),
      'calls.retry_policy': fixed({ attempts: 5 }),
    });
    const flags = new FlagResolver({
      store: new OpenFeatureFlagStore({ client, flags: definitions }),
      flags: definitions,
      clock: new FakeClock(),
    });
    expect(await flags.getValue('calls.max_minutes')).toBe(12);
    expect(await flags.getValue('calls.retry_policy')).toEqual({ attempts: 5 });
  });

  it('keeps per-tenant backend targeting as tenant overrides for the listed tenants', async () => {
    const tenantRule = (ctx: EvaluationContext) => (ctx.tenantId === 'acme' ? 'off' : 'on');
    const { client } = await source({
      'calls.outbound.enabled': {
        variants: { on: true, off: false },
        defaultVariant: 'on',
        disabled: false,
        contextEvaluator: tenantRule,
      },
    });
    const store = new OpenFeatureFlagStore({ client, tenants: ['acme', 'globex'] });
    expect(await store.get('calls.outbound.enabled')).toMatchObject({
      value: true,
      tenantOverrides: { acme: false },
      rollout: null,
    });
    const flags = new FlagResolver({ store, clock: new FakeClock() });
    expect(await flags.resolve('calls.outbound.enabled', { tenantId: 'acme' })).toMatchObject({
      value: false,
      reason: 'TARGETING_MATCH',
    });
    expect(await flags.isEnabled('calls.outbound.enabled', { tenantId: 'globex' })).toBe(true);
  });

  it('evaluates the shared value with the context given at construction', async () => {
    const { client } = await source({
      'ai.provider.preferred': {
        variants: { g: 'gemini', o: 'openai' },
        defaultVariant: 'g',
        disabled: false,
        contextEvaluator: (ctx) => (ctx.region === 'eu' ? 'o' : 'g'),
      },
    });
    const eu = new OpenFeatureFlagStore({ client, context: { targetingKey: 'voice', region: 'eu' } });
    const us = new OpenFeatureFlagStore({ client, context: { targetingKey: 'voice', region: 'us' } });
    expect((await eu.get('ai.provider.preferred'))?.value).toBe('openai');
    expect((await us.get('ai.provider.preferred'))?.value).toBe('gemini');
  });

  it('keeps a request’s transaction context out of the shared values when the key is pinned', async () => {
    const { client } = await source({
      'sms.enabled': {
        variants: { on: true, off: false },
        defaultVariant: 'on',
        disabled: false,
        contextEvaluator: (ctx) => (ctx.tenantId === 'acme' ? 'off' : 'on'),
      },
    });
    OpenFeature.setTransactionContextPropagator(new AsyncLocalStorageTransactionContextPropagator());
    const inRequest = <T>(run: () => Promise<T>) =>
      new Promise<T>((resolve, reject) =>
        OpenFeature.setTransactionContext({ tenantId: 'acme' }, () => run().then(resolve, reject)),
      );
    const leaky = new OpenFeatureFlagStore({ client });
    const pinned = new OpenFeatureFlagStore({ client, context: { tenantId: null } });
    expect((await inRequest(() => leaky.get('sms.enabled')))?.value).toBe(false);
    expect((await inRequest(() => pinned.get('sms.enabled')))?.value).toBe(true);
  });

  it('get() answers null for unknown keys and for flags the backend does not have', async () => {
    const { client } = await source({ 'sms.enabled': fixed(false) });
    const store = new OpenFeatureFlagStore({ client });
    expect(await store.get('nope.enabled')).toBeNull();
    expect(await store.get('ai.enabled')).toBeNull();
    expect(await store.get('sms.enabled')).toMatchObject({ key: 'sms.enabled', value: false });
  });

  it('refuses writes with a ReadOnlyFlagStoreError naming the backend', async () => {
    const { client } = await source({});
    const flags = new FlagResolver({ store: new OpenFeatureFlagStore({ client }), clock: new FakeClock() });
    const err = await rejection(flags.set('ai.enabled', false));
    expect(err).toBeInstanceOf(ReadOnlyFlagStoreError);
    expect(err).toMatchObject({
      flag: 'ai.enabled',
      source: 'in-memory',
      httpStatus: 403,
      code: 'feature_disabled',
    });
    expect(isSteadyCallError(err)).toBe(true);
    expect((err as Error).message).toContain('in-memory');
    expect(await rejection(flags.setTenantOverride('ai.enabled', 'acme', false))).toBeInstanceOf(
      ReadOnlyFlagStoreError,
    );
    const store = new OpenFeatureFlagStore({ client });
    expect(await rejection(store.delete('ai.enabled'))).toBeInstanceOf(ReadOnlyFlagStoreError);
  });

  it('keeps updatedAt while a value is unchanged, so refreshes report only real changes', async () => {
    const { client, provider } = await source({ 'sms.enabled': fixed(true) });
    const clock = new FakeClock(1_000);
    const store = new OpenFeatureFlagStore({ client, clock });
    const flags = new FlagResolver({ store, clock });
    const changes: string[][] = [];
    flags.onChange((e) => changes.push(e.flagsChanged));
    await flags.refresh();
    await clock.advance(10_000);
    await flags.refresh();
    expect(changes).toEqual([]);
    expect((await store.get('sms.enabled'))?.updatedAt).toBe(1_000);

    provider.putConfiguration({ 'sms.enabled': fixed(false) });
    await flags.refresh();
    expect(changes).toEqual([['sms.enabled']]);
    expect((await store.get('sms.enabled'))?.updatedAt).toBe(11_000);
  });

  it('follows backend changes at once when ConfigurationChanged triggers a refresh', async () => {
    const { client, provider } = await source({ 'ai.provider.preferred': fixed('gemini') });
    const flags = new FlagResolver({ store: new OpenFeatureFlagStore({ client }), clock: new FakeClock() });
    expect(await flags.getValue('ai.provider.preferred')).toBe('gemini');
    const refreshed = nextEvent<unknown>((handler) =>
      client.addHandler(ProviderEvents.ConfigurationChanged, () => void flags.refresh().then(handler)),
    );
    provider.putConfiguration({ 'ai.provider.preferred': fixed('openai') });
    await refreshed;
    // The fake clock never moved: without the refresh the cached table would still say gemini.
    expect(await flags.getValue('ai.provider.preferred')).toBe('openai');
  });
});
