// Deno through the tarball, offline. The Supabase example's deno.json maps `steadycall` to
// `npm:steadycall@^0.1` (and postgres, twilio to npm: ranges); that import map is used verbatim,
// and `--node-modules-dir=manual` makes Deno resolve those npm: specifiers from the scratch
// project's node_modules, where npm installed the tarball. A fresh, empty DENO_DIR with
// `--cached-only --no-remote` turns any download attempt into an error.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Entry } from './entries.js';
import { expectSuccess, run } from './exec.js';
import { writeJson } from './project.js';
import type { Outcome } from './tarball.js';

const OFFLINE = ['--node-modules-dir=manual', '--cached-only', '--no-remote', '--no-lock'];

export interface DenoSetup {
  deno: string;
  dir: string;
  config: string;
  env: NodeJS.ProcessEnv;
  functionsDir: string;
}

/** deno.json from the example's import map, the example's functions copied into the project. */
export function prepareDeno(deno: string, repo: string, dir: string): DenoSetup {
  const source = join(repo, 'examples/supabase/supabase/functions');
  const functionsDir = join(dir, 'supabase/functions');
  cpSync(source, functionsDir, { recursive: true });
  const imports = (
    JSON.parse(readFileSync(join(source, 'health-check/deno.json'), 'utf8')) as {
      imports?: Record<string, string>;
    }
  ).imports;
  if (!imports?.steadycall) throw new Error('examples/supabase: health-check/deno.json maps no `steadycall`');
  const config = join(dir, 'deno.json');
  writeJson(config, { imports });
  const denoDir = join(dir, '.deno-dir');
  mkdirSync(denoDir);
  const env = { PATH: process.env.PATH ?? '', DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
  return { deno, dir, config, env, functionsDir };
}

/** `deno run` of a module importing each entry, with no permission granted at all. */
export async function checkDenoImports(setup: DenoSetup, entries: readonly Entry[]): Promise<Outcome> {
  const file = join(setup.dir, 'deno-probe.ts');
  const lines = entries.map((e, i) => `import * as m${i} from '${e.specifier}';`);
  const table = entries.map(
    (e, i) => `  [${JSON.stringify(e.specifier)}, m${i}, ${JSON.stringify(e.exports)}],`,
  );
  writeFileSync(
    file,
    `${lines.join('\n')}
const table: [string, Record<string, unknown>, string[]][] = [
${table.join('\n')}
];
let failed = false;
for (const [name, m, expected] of table) {
  const missing = expected.filter((k) => typeof m[k] !== 'function');
  if (missing.length > 0) failed = true;
  console.log(JSON.stringify({ name, count: Object.keys(m).length, missing }));
}
if (failed) Deno.exit(1);
`,
  );
  const version = await denoVersion(setup);
  const result = await run(setup.deno, ['run', '--config', setup.config, ...OFFLINE, '--no-prompt', file], {
    cwd: setup.dir,
    env: setup.env,
    timeoutMs: 60_000,
  });
  expectSuccess(result, 'deno run of the entries failed');
  const counts = result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { name: string; count: number })
    .map((r) => `${r.name} (${r.count})`);
  return { detail: `${version}: ${counts.join(', ')}, no permissions, offline` };
}

/** `deno check` of every Supabase function (and the probe) against the tarball's types. */
export async function checkDenoTypes(setup: DenoSetup): Promise<Outcome> {
  const functions = readdirSync(setup.functionsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('_'))
    .map((d) => join(setup.functionsDir, d.name, 'index.ts'))
    .filter((f) => existsSync(f));
  if (functions.length === 0) throw new Error('no Supabase function found');
  const probe = join(setup.dir, 'deno-probe.ts');
  const result = await run(
    setup.deno,
    ['check', '--config', setup.config, ...OFFLINE, ...functions, ...(existsSync(probe) ? [probe] : [])],
    { cwd: setup.dir, env: setup.env, timeoutMs: 120_000 },
  );
  expectSuccess(result, 'deno check failed');
  return { detail: `${functions.length} Supabase functions type-check against the tarball's .d.ts` };
}

async function denoVersion(setup: DenoSetup): Promise<string> {
  const result = await run(setup.deno, ['--version'], { cwd: setup.dir, env: setup.env, timeoutMs: 10_000 });
  return result.stdout.split('\n')[0]?.trim() || 'deno';
}
