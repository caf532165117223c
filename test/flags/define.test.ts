import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { isValidationError } from '../../src/core/errors.js';
import { type RunbookFlagKey, runbookFlags } from '../../src/flags/catalog.js';
import {
  type BooleanFlagKey,
  checkFlagValue,
  defineFlag,
  defineFlags,
  type FlagValue,
} from '../../src/flags/define.js';

describe('runbookFlags', () => {
  it('holds the runbook table with its defaults', () => {
    const defaults = Object.fromEntries(Object.values(runbookFlags).map((d) => [d.key, d.defaultValue]));
    expect(defaults).toEqual({
      'calls.outbound.enabled': true,
      'sms.enabled': true,
      'ai.enabled': true,
      'ai.provider.preferred': 'gemini',
      'ai.openai.enabled': true,
      'ai.gemini.enabled': true,
      'healthchecks.enabled': true,
    });
    for (const [key, def] of Object.entries(runbookFlags)) {
      expect(def.key).toBe(key);
      expect(def.description.length).toBeGreaterThan(0);
    }
  });

  it('accepts only the two AI providers as preferred', () => {
    const schema = runbookFlags['ai.provider.preferred'].schema;
    expect(schema.safeParse('openai').success).toBe(true);
    expect(schema.safeParse('anthropic').success).toBe(false);
  });

  it('is typed', () => {
    expectTypeOf<RunbookFlagKey>().toEqualTypeOf<
      | 'calls.outbound.enabled'
      | 'sms.enabled'
      | 'ai.enabled'
      | 'ai.provider.preferred'
      | 'ai.openai.enabled'
      | 'ai.gemini.enabled'
      | 'healthchecks.enabled'
    >();
    expectTypeOf<FlagValue<typeof runbookFlags, 'ai.provider.preferred'>>().toEqualTypeOf<
      'gemini' | 'openai'
    >();
    expectTypeOf<FlagValue<typeof runbookFlags, 'sms.enabled'>>().toEqualTypeOf<boolean>();
    expectTypeOf<BooleanFlagKey<typeof runbookFlags>>().toEqualTypeOf<
      Exclude<RunbookFlagKey, 'ai.provider.preferred'>
    >();
  });
});

describe('defineFlag / defineFlags', () => {
  const minutes = defineFlag({
    key: 'calls.max_minutes',
    schema: z.number().int().positive(),
    defaultValue: 30,
    description: 'Hang up after this long',
  });

  it('keeps the key and value type', () => {
    expectTypeOf(minutes.key).toEqualTypeOf<'calls.max_minutes'>();
    expectTypeOf(minutes.defaultValue).toEqualTypeOf<number>();
    const all = { ...runbookFlags, ...defineFlags([minutes]) };
    expectTypeOf<FlagValue<typeof all, 'calls.max_minutes'>>().toEqualTypeOf<number>();
    expect(Object.keys(all)).toContain('calls.max_minutes');
  });

  it('rejects a default that fails the schema', () => {
    let caught: unknown;
    try {
      defineFlag({ key: 'bad', schema: z.number().positive(), defaultValue: -1, description: '' });
    } catch (err) {
      caught = err;
    }
    expect(isValidationError(caught)).toBe(true);
  });

  it('checks candidate values with checkFlagValue', () => {
    expect(checkFlagValue(minutes, 5)).toEqual([]);
    const issues = checkFlagValue(minutes, 1.5, 'value');
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe('value');
  });

  it('rejects an empty key and a duplicate key', () => {
    expect(() => defineFlag({ key: ' ', schema: z.boolean(), defaultValue: true, description: '' })).toThrow(
      /non-empty/,
    );
    expect(() => defineFlags([minutes, minutes])).toThrow(/defined twice/);
  });
});
