import { describe, expect, it } from 'vitest';
import { findMissingExamples } from '../../scripts/doc-examples.js';

describe('public API docs', () => {
  it('every public export of every entry point has a doc comment with an @example', () => {
    const missing = findMissingExamples().map((m) => `${m.file} ${m.name}: ${m.reason}`);
    expect(missing).toEqual([]);
  }, 60_000);
});
