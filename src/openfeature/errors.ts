import { SteadyCallError } from '../core/errors.js';

/**
 * A write to flags that an OpenFeature provider manages (see `OpenFeatureFlagStore`): they are
 * changed in that provider's backend, not through steadycall. HTTP 403 with code `feature_disabled`
 * (flag writes are off in this deployment), so `PUT /ops/flags/:key` answers a clear 403.
 *
 * @example
 * ```ts
 * import { ReadOnlyFlagStoreError } from 'steadycall/openfeature';
 *
 * try {
 *   await orchestrator.flags.set('ai.enabled', false);
 * } catch (err) {
 *   if (err instanceof ReadOnlyFlagStoreError) console.log(`change ${err.flag} in ${err.source}`);
 * }
 * ```
 */
export class ReadOnlyFlagStoreError extends SteadyCallError {
  /** The flag that was to be written. */
  readonly flag: string;
  /** The name of the OpenFeature provider that manages the flags, e.g. `LaunchDarkly`. */
  readonly source: string;
  /**
   * @param flag - The flag that was to be written.
   * @param source - The name of the OpenFeature provider that manages it.
   */
  constructor(flag: string, source: string) {
    super(
      'feature_disabled',
      `Flag "${flag}" is managed by the OpenFeature provider "${source}"; change it there`,
      { httpStatus: 403, details: { flag, source } },
    );
    this.name = 'ReadOnlyFlagStoreError';
    this.flag = flag;
    this.source = source;
  }
}
