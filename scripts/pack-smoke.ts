// Pack smoke test: builds, `npm pack`s, installs the tarball into a fresh project outside the repo,
// then loads every entry point from ESM and CJS on the given Node, the core and steadycall/postgres
// from Deno, and type-checks the examples against the installed .d.ts. Prints one line per check;
// exits 1 if any failed.
//
//   npm run pack:smoke -- [--node <bin>] [--deno <bin>] [--no-build] [--skip node,deno,types] [--keep]
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkDenoImports, checkDenoTypes, type DenoSetup, prepareDeno } from './pack-smoke/deno-checks.js';
import { checkDistImports, checkSourceMaps } from './pack-smoke/dist-checks.js';
import { DENO_ENTRIES, ENTRIES } from './pack-smoke/entries.js';
import { expectSuccess, Report, run } from './pack-smoke/exec.js';
import { checkCoreWithoutPeers, checkEntry } from './pack-smoke/node-checks.js';
import { installScratch, makeScratchRoot, type Scratch } from './pack-smoke/project.js';
import { checkContents, type PackageJson, type Packed, pack } from './pack-smoke/tarball.js';
import { checkCoreTypesWithoutPeers, checkTypes, prepareTypeChecks } from './pack-smoke/type-checks.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const GROUPS = ['node', 'deno', 'types'] as const;

const { values: args } = parseArgs({
  options: {
    node: { type: 'string' },
    deno: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    skip: { type: 'string', default: '' },
    keep: { type: 'boolean', default: false },
  },
});
const skip = new Set(args.skip.split(',').filter(Boolean));
for (const group of skip) {
  if (!(GROUPS as readonly string[]).includes(group)) throw new Error(`--skip: unknown group ${group}`);
}
const node = resolve(args.node ?? join(REPO, 'node_modules/.bin/node'));
const deno = resolve(args.deno ?? join(REPO, 'node_modules/.bin/deno'));

const report = new Report();
const root = makeScratchRoot();
const cleanup = () => {
  if (!args.keep) rmSync(root, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanup();
    process.exit(130);
  });
}

async function main(): Promise<void> {
  const version = await run(node, ['--version'], { cwd: REPO, timeoutMs: 10_000 });
  expectSuccess(version, `cannot run ${node}`);
  console.log(`pack smoke on Node ${version.stdout.trim()} (${node}), scratch project in ${root}\n`);

  const built = await report.check('build', async () => {
    if (args['no-build']) {
      if (!existsSync(join(REPO, 'dist/index.js'))) throw new Error('--no-build, but dist/ has no build');
      return { detail: 'skipped (--no-build): packing the existing dist/' };
    }
    const result = await run('npm', ['run', 'build'], { cwd: REPO, timeoutMs: 180_000 });
    expectSuccess(result, 'npm run build failed');
    return { detail: 'npm run build' };
  });
  if (built.status === 'fail') return;

  let packed: Packed | undefined;
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as PackageJson;
  await report.check('npm pack + tarball contents', async () => {
    packed = await pack(REPO, join(REPO, '.tmp/pack'));
    return checkContents(packed, pkg);
  });
  if (!packed) return;
  const tarball = packed.tarball;

  let scratch: Scratch | undefined;
  await report.check('npm install of the tarball', async () => {
    scratch = await installScratch(root, REPO, tarball);
    return { detail: `with ${scratch.installed.join(' ')}` };
  });
  if (!scratch) return;
  const { dir, pkgDir, bareDir } = scratch;
  const installed = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as PackageJson;

  await report.check('source maps', async () => checkSourceMaps(pkgDir));
  await report.check('dist imports', async () => checkDistImports(pkgDir, installed, ENTRIES));

  if (!skip.has('node')) {
    for (const entry of ENTRIES) {
      await report.check(`node: ${entry.specifier}`, () => checkEntry(node, dir, entry));
    }
    const core = ENTRIES[0]!;
    await report.check('node: core without optional peers', () => checkCoreWithoutPeers(node, bareDir, core));
  }

  if (!skip.has('deno')) {
    let setup: DenoSetup | undefined;
    await report.check('deno: core + postgres', async () => {
      if (!existsSync(deno))
        throw new Error(`no Deno binary at ${deno} (npm ci installs it; or pass --deno)`);
      setup = prepareDeno(deno, REPO, dir);
      return checkDenoImports(setup, DENO_ENTRIES);
    });
    if (setup) {
      const ready = setup;
      await report.check('deno check: Supabase example', () => checkDenoTypes(ready));
    }
  }

  if (!skip.has('types')) {
    prepareTypeChecks(REPO, dir, ENTRIES);
    await report.check('tsc nodenext: examples + entries', () => checkTypes(node, REPO, dir, 'nodenext'));
    await report.check('tsc bundler: examples + entries', () => checkTypes(node, REPO, dir, 'bundler'));
    const core = ENTRIES[0]!;
    await report.check('tsc: core types without peers', () =>
      checkCoreTypesWithoutPeers(node, REPO, bareDir, core),
    );
  }
}

const started = performance.now();
try {
  await main();
} finally {
  cleanup();
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`\n${report.summary()} (${seconds}s)${args.keep ? `; kept ${root}` : ''}`);
process.exitCode = report.failed > 0 ? 1 : 0;
