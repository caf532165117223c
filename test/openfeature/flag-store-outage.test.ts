// A failing OpenFeature backend is a failing flag store: the resolver serves its last known table
// (STALE) or the defaults, instead of flipping flags back to their defaults mid-outage.
import {
  type EvaluationContext,
  InMemoryProvider,
  type JsonValue,
  OpenFeature,
  ProviderEvents,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { isStorageUnavailableError } from '../../src/core/errors.js';
import { FlagResolver } from '../../src/flags/resolver.js';
import { OpenFeatureFlagStore } from '../../src/openfeature/index.js';
import { rejection } from '../flags/helpers.js';
import { nextEvent, resetOpenFeatureAfterEach } from './helpers.js';

resetOpenFeatureAfterEach();

/** The in-memory provider, except that every evaluation throws while `down`. */
class FlakyProvider extends InMemoryProvider {
  down = false;
  #check(): void {
    if (this.down) throw new Error('backend unreachable');
  }
  override async resolveBooleanEvaluation(key: string, value: boolean, ctx?: EvaluationContext) {
    this.#check();
    return super.resolveBooleanEvaluation(key, value, ctx);
  }
  override async resolveStringEvaluation(key: string, value: string, ctx?: EvaluationContext) {
    this.#check();
    return super.resolveStringEvaluation(key, value, ctx);
  }
  override async resolveNumberEvaluation(key: string, value: number, ctx?: EvaluationContext) {
    this.#check();
    return super.resolveNumberEvaluation(key, value, ctx);
  }
  override async resolveObjectEvaluation<T extends JsonValue>(
    key: string,
    value: T,
    ctx?: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    this.#check();
    return super.resolveObjectEvaluation(key, value, ctx);
  }
}

/** The in-memory provider, not ready until `open()` is called. */
class SlowStartProvider extends InMemoryProvider {
  open: () => void = () => {};
  readonly #ready = new Promise<void>((resolve) => {
    this.open = resolve;
  });
  async initialize(): Promise<void> {
    await this.#ready;
  }
}

const kill = { variants: { off: false }, defaultVariant: 'off', disabled: false };

describe('OpenFeatureFlagStore when the backend fails', () => {
  it('serves the last known values as STALE while evaluations fail, then recovers', async () => {
    const provider = new FlakyProvider({ 'calls.outbound.enabled': kill });
    await OpenFeature.setProviderAndWait(provider);
    const clock = new FakeClock();
    const flags = new FlagResolver({
      store: new OpenFeatureFlagStore({ client: OpenFeature.getClient() }),
      clock,
    });
    expect(await flags.isEnabled('calls.outbound.enabled')).toBe(false);

    provider.down = true;
    await clock.advance(5_000);
    // The kill switch stays off: a backend hiccup must not re-enable outbound calls.
    expect(await flags.resolve('calls.outbound.enabled')).toMatchObject({ value: false, reason: 'STALE' });

    provider.down = false;
    await clock.advance(1_000);
    expect(await flags.resolve('calls.outbound.enabled')).toMatchObject({ value: false, reason: 'STATIC' });
  });

  it('rejects list() and get() with StorageUnavailableError while the backend fails', async () => {
    const provider = new FlakyProvider({ 'sms.enabled': kill });
    await OpenFeature.setProviderAndWait(provider);
    const store = new OpenFeatureFlagStore({ client: OpenFeature.getClient() });
    provider.down = true;
    expect(isStorageUnavailableError(await rejection(store.list()))).toBe(true);
    expect(isStorageUnavailableError(await rejection(store.get('sms.enabled')))).toBe(true);
  });

  it('treats a client that throws as a failing backend', async () => {
    const broken = new OpenFeatureFlagStore({
      client: {
        getBooleanDetails: () => Promise.reject(new Error('socket closed')),
        getStringDetails: () => Promise.reject(new Error('socket closed')),
        getNumberDetails: () => Promise.reject(new Error('socket closed')),
        getObjectDetails: () => Promise.reject(new Error('socket closed')),
      },
    });
    const err = await rejection(broken.list());
    expect(isStorageUnavailableError(err)).toBe(true);
    expect((err as Error).cause).toMatchObject({ message: 'socket closed' });
  });

  it('serves defaults (PROVIDER_NOT_READY) until the backend is ready, then follows it', async () => {
    const provider = new SlowStartProvider({
      'ai.provider.preferred': { ...kill, variants: { off: 'openai' } },
    });
    const ready = nextEvent<unknown>((handler) => OpenFeature.addHandler(ProviderEvents.Ready, handler));
    OpenFeature.setProvider(provider);
    const flags = new FlagResolver({
      store: new OpenFeatureFlagStore({ client: OpenFeature.getClient() }),
      clock: new FakeClock(),
    });
    expect(await flags.resolve('ai.provider.preferred')).toMatchObject({
      value: 'gemini',
      reason: 'DEFAULT',
      errorCode: 'PROVIDER_NOT_READY',
    });
    provider.open();
    await ready;
    await flags.refresh();
    expect(await flags.resolve('ai.provider.preferred')).toMatchObject({ value: 'openai', reason: 'STATIC' });
  });
});
