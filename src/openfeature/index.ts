/**
 * OpenFeature interop for steadycall's flags: {@link SteadyCallProvider} serves them to OpenFeature
 * clients, and {@link OpenFeatureFlagStore} feeds steadycall from an OpenFeature client.
 * `@openfeature/server-sdk` is an optional peer dependency imported only by this entry.
 *
 * @packageDocumentation
 * @module steadycall/openfeature
 */
export { toSteadyCallContext } from './context.js';
export { ReadOnlyFlagStoreError } from './errors.js';
export {
  type OpenFeatureFlagClient,
  OpenFeatureFlagStore,
  type OpenFeatureFlagStoreOptions,
} from './flag-store.js';
export { SteadyCallProvider, type SteadyCallProviderOptions } from './provider.js';
