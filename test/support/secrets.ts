// The credentials and phone numbers the test suite uses, which must never appear in a log line or an
// incident. A fixed list of the shared ones, plus everything found by convention in the test
// sources (a string literal assigned to a name like AUTH_TOKEN, apiKey, opsTokens, ..._SECRET, and
// every E.164 number), so a new test's credential is covered without being listed here.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Shared test credentials (also found by the scan below; listed so the check never depends on it alone). */
export const KNOWN_TEST_CREDENTIALS = [
  'fake-twilio-auth-token-000000000',
  'ops-token-0123456789abcdef',
  'api-token-0123456789abcdef',
  'stream-secret-0123456789abcdef',
  'sk-test-harness-0123456789',
  'fuzz-api-token-5b0c2e7d9a41f3',
  'fuzz-ops-token-8e3d1c6b4a92f7',
  'fuzz-twilio-auth-token-77c1e9b2d4',
  'sk-fuzz-openai-key-3f9a1c7e5b',
  'fuzz-stream-secret-0d4e8b2a6c',
];

/** Shared test phone numbers. */
export const KNOWN_TEST_PHONES = ['+14155550123', '+15005550006'];

/** Names whose string value is a credential, by convention. */
const CREDENTIAL_NAME =
  /(?:\b[A-Z_]*(?:KEY|TOKEN|SECRET)S?\b|authToken|authTokens|apiKey|apiTokens|opsTokens|streamTokenSecret)\w*/;
const ASSIGNED = new RegExp(
  `${CREDENTIAL_NAME.source}['"]?\\s*[:=]\\s*(?:\\[\\s*)?((?:'[^'\\n]*'|"[^"\\n]*"|\`[^\`$\\n]*\`)(?:\\s*,\\s*(?:'[^'\\n]*'|"[^"\\n]*"))*)`,
  'g',
);
const LITERAL = /'([^'\n]*)'|"([^"\n]*)"|`([^`$\n]*)`/g;
const PHONE = /(?<![\w%*])\+\d{10,15}(?!\d)/g;

/** Not credentials even when assigned to such a name: placeholders and redaction markers. */
function plausibleCredential(value: string): boolean {
  if (value.length < 10 || value.includes('[REDACTED]') || /^[A-Za-z]+$/.test(value)) return false;
  // Idempotency keys (`tenant:op`), URLs and dotted flag keys are names, not credentials.
  return !value.includes(':') && !/^[a-z_]+(\.[a-z_]+)+$/.test(value);
}

function* sourceFiles(dir: string): Generator<string> {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|mts|js|mjs)$/.test(entry)) yield path;
  }
}

export interface TestSecrets {
  credentials: string[];
  phones: string[];
}

/** Collects the credentials and phone numbers of the test sources under `root`. */
export function collectTestSecrets(root: string): TestSecrets {
  const credentials = new Set(KNOWN_TEST_CREDENTIALS);
  const phones = new Set(KNOWN_TEST_PHONES);
  for (const sub of ['test', 'examples', 'demo', 'src/testing']) {
    for (const file of sourceFiles(join(root, sub))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(ASSIGNED)) {
        for (const literal of match[1]!.matchAll(LITERAL)) {
          const value = literal[1] ?? literal[2] ?? literal[3] ?? '';
          if (plausibleCredential(value)) credentials.add(value);
        }
      }
      for (const match of text.matchAll(PHONE)) phones.add(match[0]);
    }
  }
  return { credentials: [...credentials], phones: [...phones] };
}
