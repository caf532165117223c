import {
  ErrorCode,
  type FlagValueType,
  type ResolutionDetails,
  type ResolutionReason,
  StandardResolutionReasons,
} from '@openfeature/server-sdk';
import type { FlagErrorCode, FlagReason, FlagResolution } from '../flags/evaluate.js';

// steadycall's reasons and error codes are OpenFeature's own names; the maps keep the two in step
// at compile time should either side grow.
const REASONS: Record<FlagReason, ResolutionReason> = {
  STATIC: StandardResolutionReasons.STATIC,
  DEFAULT: StandardResolutionReasons.DEFAULT,
  TARGETING_MATCH: StandardResolutionReasons.TARGETING_MATCH,
  SPLIT: StandardResolutionReasons.SPLIT,
  STALE: StandardResolutionReasons.STALE,
  ERROR: StandardResolutionReasons.ERROR,
};

const ERROR_CODES: Record<FlagErrorCode, ErrorCode> = {
  TYPE_MISMATCH: ErrorCode.TYPE_MISMATCH,
  PARSE_ERROR: ErrorCode.PARSE_ERROR,
  GENERAL: ErrorCode.GENERAL,
  FLAG_NOT_FOUND: ErrorCode.FLAG_NOT_FOUND,
  PROVIDER_NOT_READY: ErrorCode.PROVIDER_NOT_READY,
};

/** The OpenFeature type of a JSON value (null, arrays and objects are all `object`). */
export function valueTypeOf(value: unknown): FlagValueType | undefined {
  const type = typeof value;
  return type === 'boolean' || type === 'string' || type === 'number' || type === 'object' ? type : undefined;
}

/** An error resolution: OpenFeature clients answer these with the caller's default and reason ERROR. */
export function errorDetails<T>(
  defaultValue: T,
  errorCode: ErrorCode,
  errorMessage: string,
): ResolutionDetails<T> {
  return { value: defaultValue, reason: StandardResolutionReasons.ERROR, errorCode, errorMessage };
}

/**
 * A steadycall resolution as OpenFeature resolution details, for a read of type `requested`.
 *
 * An unusable stored value (steadycall's reason ERROR) keeps its error code, so OpenFeature hooks see
 * the error and the caller gets its own default, as the OpenFeature spec requires. A store outage is
 * not an error here: steadycall's designed fallback (the last known value, STALE, or the flag's
 * default, DEFAULT) is served, with `flagMetadata.storeUnreachable` set.
 */
export function toResolutionDetails<T>(
  resolution: FlagResolution<unknown>,
  requested: FlagValueType,
  defaultValue: T,
): ResolutionDetails<T> {
  const { flagKey, value, reason, variant, errorCode, errorMessage } = resolution;
  if (reason === 'ERROR' && errorCode) {
    return errorDetails(defaultValue, ERROR_CODES[errorCode], errorMessage ?? `Flag "${flagKey}" failed`);
  }
  const actual = valueTypeOf(value);
  if (actual !== requested) {
    return errorDetails(
      defaultValue,
      ErrorCode.TYPE_MISMATCH,
      `Flag "${flagKey}" holds a ${actual ?? typeof value} value; it was read as ${requested}`,
    );
  }
  const storeUnreachable = reason === 'STALE' || errorCode === 'PROVIDER_NOT_READY';
  return {
    value: value as T,
    reason: REASONS[reason],
    variant,
    ...(storeUnreachable ? { flagMetadata: { storeUnreachable: true } } : {}),
  };
}
