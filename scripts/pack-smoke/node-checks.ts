// Every entry point imported from ESM and required from CJS, each in its own Node process (so one
// entry cannot mask another's missing import), with the given Node binary.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Entry } from './entries.js';
import { expectSuccess, run } from './exec.js';
import type { Outcome } from './tarball.js';

type Format = 'esm' | 'cjs';

interface Probe {
  keys: string[];
  missing: string[];
}

// Prints the namespace's keys and the expected runtime exports it lacks; the process must then exit
// by itself: an entry that leaves a handle open on import would hang it (and time out).
function probeSource(entry: Entry, format: Format): string {
  const load =
    format === 'esm'
      ? `import * as m from '${entry.specifier}';`
      : `const m = require('${entry.specifier}');`;
  return `${load}
const expected = ${JSON.stringify(entry.exports)};
const keys = Object.keys(m).filter((k) => k !== 'default' && k !== '__esModule').sort();
const missing = expected.filter((k) => typeof m[k] !== 'function');
console.log(JSON.stringify({ keys, missing }));
`;
}

async function probe(node: string, dir: string, entry: Entry, format: Format): Promise<Probe> {
  const file = join(dir, `probe-${entry.slug}.${format === 'esm' ? 'mjs' : 'cjs'}`);
  writeFileSync(file, probeSource(entry, format));
  const result = await run(node, [file], { cwd: dir, timeoutMs: 30_000 });
  expectSuccess(result, `${format.toUpperCase()} load of ${entry.specifier} failed`);
  const line = result.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Probe;
}

/** ESM and CJS load of one entry: the expected exports in both, and the same export names in both. */
export async function checkEntry(node: string, dir: string, entry: Entry): Promise<Outcome> {
  const esm = await probe(node, dir, entry, 'esm');
  const cjs = await probe(node, dir, entry, 'cjs');
  const problems: string[] = [];
  if (esm.missing.length > 0) problems.push(`ESM lacks ${esm.missing.join(', ')}`);
  if (cjs.missing.length > 0) problems.push(`CJS lacks ${cjs.missing.join(', ')}`);
  const onlyEsm = esm.keys.filter((k) => !cjs.keys.includes(k));
  const onlyCjs = cjs.keys.filter((k) => !esm.keys.includes(k));
  if (onlyEsm.length > 0) problems.push(`only in ESM: ${onlyEsm.join(', ')}`);
  if (onlyCjs.length > 0) problems.push(`only in CJS: ${onlyCjs.join(', ')}`);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return { detail: `ESM and CJS: ${esm.keys.length} exports, the same in both` };
}

/** The core without any optional peer installed: it must load all the same (they are lazy). */
export async function checkCoreWithoutPeers(node: string, bareDir: string, core: Entry): Promise<Outcome> {
  const esm = await probe(node, bareDir, core, 'esm');
  const cjs = await probe(node, bareDir, core, 'cjs');
  const missing = [...new Set([...esm.missing, ...cjs.missing])];
  if (missing.length > 0) throw new Error(`lacks ${missing.join(', ')}`);
  return { detail: `ESM and CJS load with only ${core.specifier}'s dependencies installed` };
}
