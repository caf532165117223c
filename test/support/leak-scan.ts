// Scans what capture-setup.ts recorded during a run for test credentials and full test phone
// numbers. Run by the global teardown on the real capture; by test/security/leak-scan.test.ts on
// synthetic ones. It refuses an empty or unhooked capture, so it cannot pass by seeing nothing.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestSecrets } from './secrets.js';

/** One captured line: the channel it came through, where it happened, and its text. */
export interface CaptureRecord {
  ch: string;
  file?: string;
  test?: string;
  text: string;
}

/** Channels capture-setup.ts hooks; each worker records a `hooked` line for each. */
export const REQUIRED_HOOKS = [
  'console',
  'stdout',
  'stderr',
  'logger',
  'incident.memory',
  'incident.postgres',
];
/** Channels proven live by a canary (a record holding {@link CANARY}) sent through them in each worker. */
export const REQUIRED_CANARIES = ['logger', 'incident.memory'];
export const CANARY = 'steadycall-capture-canary';

interface Needle {
  value: string;
  kind: 'credential' | 'phone';
  /** How the finding names it: never the whole value. */
  hint: string;
}

export interface Finding {
  kind: 'credential' | 'phone';
  hint: string;
  where: string;
  excerpt: string;
}

const mask = (value: string, kind: Needle['kind']) =>
  kind === 'phone'
    ? `${'*'.repeat(Math.max(0, value.length - 4))}${value.slice(-4)}`
    : `${value.slice(0, 4)}...(${value.length} chars)`;

function needlesOf(secrets: TestSecrets): Needle[] {
  const needles: Needle[] = [];
  for (const value of secrets.credentials) {
    const hint = mask(value, 'credential');
    needles.push({ value, kind: 'credential', hint });
    const encoded = encodeURIComponent(value);
    if (encoded !== value) needles.push({ value: encoded, kind: 'credential', hint: `${hint} url-encoded` });
  }
  for (const phone of secrets.phones) {
    const digits = phone.replace(/\D/g, '');
    const hint = mask(phone, 'phone');
    needles.push({ value: phone, kind: 'phone', hint });
    needles.push({ value: `%2B${digits}`, kind: 'phone', hint: `${hint} %2B-encoded` });
    needles.push({ value: `%2b${digits}`, kind: 'phone', hint: `${hint} %2b-encoded` });
    needles.push({ value: digits, kind: 'phone', hint: `${hint} without +` });
  }
  return needles;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every occurrence of a credential or a full phone number in the records. */
export function scanRecords(records: Iterable<CaptureRecord>, secrets: TestSecrets): Finding[] {
  const needles = needlesOf(secrets).sort((a, b) => b.value.length - a.value.length);
  if (needles.length === 0) return [];
  const byValue = new Map(needles.map((n) => [n.value, n]));
  // Digits-only phone numbers count only as a whole run of digits (not inside a longer number).
  const pattern = new RegExp(
    needles
      .map((n) => (/^\d+$/.test(n.value) ? `(?<!\\d)${n.value}(?!\\d)` : escapeRegExp(n.value)))
      .join('|'),
    'g',
  );
  const findings: Finding[] = [];
  for (const record of records) {
    for (const match of record.text.matchAll(pattern)) {
      const needle = byValue.get(match[0])!;
      const start = Math.max(0, match.index - 60);
      const excerpt = record.text
        .slice(start, match.index + match[0].length + 60)
        .replace(pattern, (m) => `<${byValue.get(m)!.hint}>`);
      findings.push({
        kind: needle.kind,
        hint: needle.hint,
        where: `${record.ch} in ${record.file ?? '(no test file)'}${record.test ? ` > ${record.test}` : ''}`,
        excerpt,
      });
    }
  }
  return findings;
}

/** Reads every `*.jsonl` capture file of a run directory. */
export function readCapture(dir: string): CaptureRecord[] {
  const records: CaptureRecord[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.jsonl')) continue;
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (line) records.push(JSON.parse(line) as CaptureRecord);
    }
  }
  return records;
}

/** Throws a report when the capture is missing, incomplete, or holds a secret. */
export function checkCapture(records: readonly CaptureRecord[], secrets: TestSecrets): { records: number } {
  const hooked = new Set(records.filter((r) => r.ch === 'hooked').map((r) => r.text));
  const canaries = new Set(records.filter((r) => r.text.includes(CANARY)).map((r) => r.ch));
  const problems: string[] = [];
  if (records.length === 0)
    problems.push('nothing was captured: is test/support/capture-setup.ts in setupFiles?');
  for (const hook of REQUIRED_HOOKS)
    if (!hooked.has(hook)) problems.push(`the ${hook} hook was never installed`);
  for (const canary of REQUIRED_CANARIES) {
    if (!canaries.has(canary)) problems.push(`no canary came through the ${canary} channel`);
  }
  if (secrets.credentials.length === 0 || secrets.phones.length === 0)
    problems.push('no test secrets to look for');
  const findings = scanRecords(records, secrets);
  for (const f of findings.slice(0, 50)) {
    problems.push(`a test ${f.kind} (${f.hint}) appeared in ${f.where}:\n      ${JSON.stringify(f.excerpt)}`);
  }
  if (findings.length > 50) problems.push(`... and ${findings.length - 50} more`);
  if (problems.length > 0) {
    throw new Error(`Secret and phone-number leak check failed:\n  - ${problems.join('\n  - ')}`);
  }
  return { records: records.length };
}
