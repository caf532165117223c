import { ErrorCode, OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FakeClock } from '../../src/core/clock.js';
import { runbookFlags } from '../../src/flags/catalog.js';
import { defineFlag, defineFlags, type FlagDefinitions } from '../../src/flags/define.js';
import { FlagResolver } from '../../src/flags/resolver.js';
import { SteadyCallProvider, toSteadyCallContext } from '../../src/openfeature/index.js';
import { MemoryFlagStore } from '../../src/storage/memory/flags.js';
import { setup } from '../flags/helpers.js';
import { nextEvent, resetOpenFeatureAfterEach } from './helpers.js';

resetOpenFeatureAfterEach();

async function serve<Defs extends FlagDefinitions>(flags: FlagResolver<Defs>) {
  await OpenFeature.setProviderAndWait(new SteadyCallProvider(flags));
  return OpenFeature.getClient();
}

describe('SteadyCallProvider through the OpenFeature SDK', () => {
  it('is a server provider named steadycall', () => {
    const provider = new SteadyCallProvider(setup().flags);
    expect(provider.runsOn).toBe('server');
    expect(provider.metadata.name).toBe('steadycall');
  });

  it('serves the runbook defaults with reason DEFAULT', async () => {
    const client = await serve(setup().flags);
    expect(
      await client.getBooleanDetails('calls.outbound.enabled', false, { targetingKey: 'call-1' }),
    ).toEqual({
      flagKey: 'calls.outbound.enabled',
      flagMetadata: {},
      value: true,
      reason: 'DEFAULT',
      variant: 'default',
    });
    expect(await client.getStringValue('ai.provider.preferred', 'openai')).toBe('gemini');
  });

  it('serves stored values, tenant overrides and rollouts with their reasons and variants', async () => {
    const { flags } = setup([
      { key: 'sms.enabled', value: false },
      { key: 'ai.provider.preferred', value: 'gemini', tenantOverrides: { acme: 'openai' } },
      { key: 'ai.enabled', value: true, rollout: { percentage: 100, value: false } },
    ]);
    const client = await serve(flags);
    expect(await client.getBooleanDetails('sms.enabled', true)).toMatchObject({
      value: false,
      reason: 'STATIC',
      variant: 'stored',
    });
    expect(
      await client.getStringDetails('ai.provider.preferred', 'gemini', { tenantId: 'acme' }),
    ).toMatchObject({ value: 'openai', reason: 'TARGETING_MATCH', variant: 'tenant-override' });
    expect(await client.getStringValue('ai.provider.preferred', 'openai', { tenantId: 'globex' })).toBe(
      'gemini',
    );
    expect(await client.getBooleanDetails('ai.enabled', true, { targetingKey: 'call-7' })).toMatchObject({
      value: false,
      reason: 'SPLIT',
      variant: 'rollout',
    });
  });

  it('uses the client and global contexts OpenFeature merges in', async () => {
    const { flags } = setup([{ key: 'sms.enabled', value: true, tenantOverrides: { acme: false } }]);
    await serve(flags);
    OpenFeature.setContext({ tenantId: 'acme' });
    expect(await OpenFeature.getClient().getBooleanValue('sms.enabled', true)).toBe(false);
    expect(await OpenFeature.getClient({ tenantId: 'globex' }).getBooleanValue('sms.enabled', false)).toBe(
      true,
    );
  });

  it('answers FLAG_NOT_FOUND for an unknown key, with the caller default', async () => {
    const client = await serve(setup().flags);
    expect(await client.getBooleanDetails('calls.teleport.enabled', false)).toMatchObject({
      value: false,
      reason: 'ERROR',
      errorCode: ErrorCode.FLAG_NOT_FOUND,
    });
    // Own keys only: an inherited name is not a flag.
    expect((await client.getBooleanDetails('constructor', true)).errorCode).toBe(ErrorCode.FLAG_NOT_FOUND);
  });

  it('answers TYPE_MISMATCH for a read of the wrong type, with the caller default', async () => {
    const client = await serve(setup([{ key: 'ai.provider.preferred', value: 'openai' }]).flags);
    const details = await client.getBooleanDetails('ai.provider.preferred', true);
    expect(details).toMatchObject({ value: true, reason: 'ERROR', errorCode: ErrorCode.TYPE_MISMATCH });
    expect(details.errorMessage).toContain('string');
    expect((await client.getNumberDetails('ai.enabled', 3)).errorCode).toBe(ErrorCode.TYPE_MISMATCH);
    expect((await client.getObjectDetails('ai.enabled', {})).errorCode).toBe(ErrorCode.TYPE_MISMATCH);
  });

  it('passes an unusable stored value on as an error, so the caller default is served', async () => {
    const client = await serve(setup([{ key: 'ai.enabled', value: 'yes' }]).flags);
    expect(await client.getBooleanDetails('ai.enabled', false)).toMatchObject({
      value: false,
      reason: 'ERROR',
      errorCode: ErrorCode.TYPE_MISMATCH,
    });
  });

  it('serves number and object flags defined with defineFlag', async () => {
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
    const flags = new FlagResolver({
      store: new MemoryFlagStore([{ key: 'calls.max_minutes', value: 12 }]),
      flags: { ...runbookFlags, ...defineFlags([minutes, retries]) },
      clock: new FakeClock(),
    });
    const client = await serve(flags);
    expect(await client.getNumberDetails('calls.max_minutes', 1)).toMatchObject({
      value: 12,
      reason: 'STATIC',
    });
    expect(await client.getObjectDetails('calls.retry_policy', {})).toMatchObject({
      value: { attempts: 2 },
      reason: 'DEFAULT',
    });
    expect((await client.getStringDetails('calls.max_minutes', '')).errorCode).toBe(ErrorCode.TYPE_MISMATCH);
  });

  it('serves the last known value as STALE while the store is down', async () => {
    const { flags, fault, clock } = setup([{ key: 'calls.outbound.enabled', value: false }]);
    const client = await serve(flags);
    fault.down = true;
    await clock.advance(5_000);
    expect(await client.getBooleanDetails('calls.outbound.enabled', true)).toEqual({
      flagKey: 'calls.outbound.enabled',
      flagMetadata: { storeUnreachable: true },
      value: false,
      reason: 'STALE',
      variant: 'stored',
    });
  });

  it('serves the flag default as DEFAULT when the store never answered, and still becomes ready', async () => {
    const { flags, fault } = setup([{ key: 'calls.outbound.enabled', value: false }]);
    fault.down = true;
    const client = await serve(flags);
    expect(client.providerStatus).toBe('READY');
    expect(await client.getBooleanDetails('calls.outbound.enabled', false)).toEqual({
      flagKey: 'calls.outbound.enabled',
      flagMetadata: { storeUnreachable: true },
      value: true,
      reason: 'DEFAULT',
      variant: 'default',
    });
  });

  it('emits ConfigurationChanged with the changed keys when a flag is set', async () => {
    const { flags } = setup();
    const client = await serve(flags);
    const changed = nextEvent<{ flagsChanged?: string[] }>((handler) =>
      client.addHandler(ProviderEvents.ConfigurationChanged, handler),
    );
    await flags.set('ai.provider.preferred', 'openai');
    expect((await changed)?.flagsChanged).toEqual(['ai.provider.preferred']);
    expect(await client.getStringValue('ai.provider.preferred', 'gemini')).toBe('openai');
  });

  it('emits ConfigurationChanged when a refresh sees another instance’s write', async () => {
    const { flags, memory, clock } = setup();
    const client = await serve(flags);
    const changed = nextEvent<{ flagsChanged?: string[] }>((handler) =>
      client.addHandler(ProviderEvents.ConfigurationChanged, handler),
    );
    await memory.set({ key: 'sms.enabled', value: false }, clock.now());
    await flags.refresh();
    expect((await changed)?.flagsChanged).toEqual(['sms.enabled']);
  });

  it('stops forwarding changes once closed', async () => {
    const { flags } = setup();
    const provider = new SteadyCallProvider(flags);
    await OpenFeature.setProviderAndWait(provider);
    const seen: unknown[] = [];
    provider.events.addHandler(ProviderEvents.ConfigurationChanged, (e) => seen.push(e));
    await flags.set('sms.enabled', false);
    await OpenFeature.clearProviders();
    await flags.set('sms.enabled', true);
    expect(seen).toHaveLength(1);
  });

  it('maps contexts with mapContext when given', async () => {
    const { flags } = setup([{ key: 'sms.enabled', value: true, tenantOverrides: { acme: false } }]);
    await OpenFeature.setProviderAndWait(
      new SteadyCallProvider(flags, {
        mapContext: (ctx) => ({ ...toSteadyCallContext(ctx), tenantId: String(ctx.org) }),
      }),
    );
    expect(await OpenFeature.getClient().getBooleanValue('sms.enabled', true, { org: 'acme' })).toBe(false);
  });
});

describe('toSteadyCallContext', () => {
  it('keeps string targeting fields, drops non-string ones, and passes other attributes along', () => {
    expect(
      toSteadyCallContext({ targetingKey: 'call-1', tenantId: 'acme', callId: 'c1', plan: 'pro' }),
    ).toEqual({
      targetingKey: 'call-1',
      tenantId: 'acme',
      callId: 'c1',
      plan: 'pro',
    });
    expect(toSteadyCallContext({ tenantId: 42, callId: null })).toEqual({});
    const parsed = JSON.parse('{"__proto__": {"polluted": true}}');
    const mapped = toSteadyCallContext(parsed);
    expect(Object.getPrototypeOf(mapped)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
