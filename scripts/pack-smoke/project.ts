// The scratch consumer project under the OS temp dir: the tarball installed with npm next to the
// peers the checks need. Being outside the repo, nothing in it can resolve to the repo's
// node_modules or sources.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCRATCH_PACKAGES } from './entries.js';
import { expectSuccess, run } from './exec.js';

export interface Scratch {
  /** Project root: package.json, node_modules, the generated checks. */
  dir: string;
  /** Installed package: node_modules/steadycall. */
  pkgDir: string;
  /** A second project holding only steadycall and its dependencies: no optional peer at all. */
  bareDir: string;
  installMs: number;
  installed: string[];
}

export function makeScratchRoot(): string {
  return mkdtempSync(join(tmpdir(), 'steadycall-pack-smoke-'));
}

/** `npm install` of the tarball and the peers, preferring npm's cache (pinned to the repo's versions). */
export async function installScratch(root: string, repo: string, tarball: string): Promise<Scratch> {
  const dir = join(root, 'consumer');
  mkdirSync(dir);
  writeJson(join(dir, 'package.json'), { name: 'steadycall-pack-smoke', private: true, type: 'module' });
  const specs = SCRATCH_PACKAGES.map((name) => {
    const version = installedVersion(repo, name);
    return version ? `${name}@${version}` : name;
  });
  const result = await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...specs],
    { cwd: dir, timeoutMs: 180_000 },
  );
  expectSuccess(result, 'npm install of the tarball failed');
  const pkgDir = join(dir, 'node_modules/steadycall');

  // The bare project: steadycall and its own dependencies copied (not linked, so resolution from
  // inside steadycall cannot walk up into the full project's node_modules).
  const bareDir = join(root, 'bare');
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  writeJson(join(bareDir, 'package.json'), {
    name: 'steadycall-pack-smoke-bare',
    private: true,
    type: 'module',
  });
  for (const name of ['steadycall', ...Object.keys(pkg.dependencies ?? {})]) {
    cpSync(join(dir, 'node_modules', name), join(bareDir, 'node_modules', name), { recursive: true });
  }
  return { dir, pkgDir, bareDir, installMs: result.ms, installed: specs };
}

function installedVersion(repo: string, name: string): string | undefined {
  const file = join(repo, 'node_modules', name, 'package.json');
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version;
}

export function writeJson(file: string, value: unknown): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}
