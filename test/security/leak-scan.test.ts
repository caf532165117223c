// The leak scanner itself, on synthetic captures (never the run's real one): it finds planted
// credentials and phone numbers in every encoding, leaves masked ones alone, names where without
// printing the secret, and refuses a capture that is empty or missing a hook.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CANARY,
  type CaptureRecord,
  checkCapture,
  REQUIRED_HOOKS,
  readCapture,
  scanRecords,
} from '../support/leak-scan.js';
import { collectTestSecrets } from '../support/secrets.js';

const secrets = { credentials: ['planted-token-0123456789'], phones: ['+14155550123'] };
const healthy: CaptureRecord[] = [
  ...REQUIRED_HOOKS.map((text) => ({ ch: 'hooked', text })),
  { ch: 'logger', text: CANARY },
  { ch: 'incident.memory', text: `{"code":"${CANARY}"}` },
  { ch: 'console.log', file: 'test/a.test.ts', text: 'calling +*******0123 at 1795636517195' },
];
const withLine = (record: CaptureRecord) => [...healthy, record];

describe('leak scanner', () => {
  it('passes a clean capture with every hook and canary', () => {
    expect(checkCapture(healthy, secrets).records).toBe(healthy.length);
  });

  it.each([
    ['a credential in a log line', { ch: 'logger', text: '{"auth":"planted-token-0123456789"}' }],
    ['a credential url-encoded', { ch: 'stdout', text: 'GET /x?k=planted-token-0123456789' }],
    ['a phone number', { ch: 'incident.postgres', text: '{"message":"call to +14155550123 failed"}' }],
    ['a phone number %2B-encoded', { ch: 'console.warn', text: 'body To=%2B14155550123&From=x' }],
    ['a phone number without its +', { ch: 'stderr', text: 'dialled 14155550123.' }],
  ])('finds %s and says where without printing it', (_what, record) => {
    const planted = { ...record, file: 'test/planted.test.ts', test: 'plants a secret' };
    expect(() => checkCapture(withLine(planted), secrets)).toThrow(
      /test\/planted\.test\.ts > plants a secret/,
    );
    try {
      checkCapture(withLine(planted), secrets);
    } catch (error) {
      const message = (error as Error).message;
      expect(message).not.toContain('planted-token-0123456789');
      expect(message).not.toContain('4155550123');
    }
  });

  it('ignores masked numbers and numbers inside longer digit runs', () => {
    const findings = scanRecords(
      [
        { ch: 'logger', text: '+*******0123 and ********0123' },
        { ch: 'logger', text: 'id 9914155550123999' },
      ],
      secrets,
    );
    expect(findings).toEqual([]);
  });

  it('refuses an empty capture, a missing hook or a missing canary', () => {
    expect(() => checkCapture([], secrets)).toThrow(/nothing was captured/);
    expect(() =>
      checkCapture(
        healthy.filter((r) => r.text !== 'incident.postgres'),
        secrets,
      ),
    ).toThrow(/incident\.postgres hook was never installed/);
    expect(() =>
      checkCapture(
        healthy.filter((r) => r.ch !== 'logger'),
        secrets,
      ),
    ).toThrow(/canary/);
    expect(() => checkCapture(healthy, { credentials: [], phones: [] })).toThrow(/no test secrets/);
  });

  it('reads a capture directory of jsonl files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capture-'));
    try {
      writeFileSync(join(dir, '1-0.jsonl'), `${healthy.map((r) => JSON.stringify(r)).join('\n')}\n`);
      writeFileSync(
        join(dir, '2-0.jsonl'),
        `${JSON.stringify({ ch: 'stdout', text: 'x planted-token-0123456789' })}\n`,
      );
      writeFileSync(join(dir, 'notes.txt'), 'planted-token-0123456789');
      const records = readCapture(dir);
      expect(records).toHaveLength(healthy.length + 1);
      expect(scanRecords(records, secrets)).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('collects the suite credentials and phone numbers by convention', () => {
    const found = collectTestSecrets(process.cwd());
    // The fuzz suite's constants, found by their names, and the shared Twilio test numbers.
    expect(found.credentials).toEqual(
      expect.arrayContaining(['fuzz-ops-token-8e3d1c6b4a92f7', 'fake-twilio-auth-token-000000000']),
    );
    expect(found.phones).toEqual(expect.arrayContaining(['+14155550123', '+15005550006']));
    // Flag keys, idempotency keys and Object.prototype names are not credentials.
    expect(found.credentials).not.toContain('ai.provider.preferred');
    expect(found.credentials).not.toContain('constructor');
    expect(found.credentials.every((c) => !c.includes(':'))).toBe(true);
  });
});
