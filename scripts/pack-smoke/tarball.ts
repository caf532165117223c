// `npm pack` and what can be checked on the tarball's file list: only dist/ and npm's standard files,
// every file package.json points at present.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, posix } from 'node:path';
import { expectSuccess, run, type Status } from './exec.js';

export interface PackageJson {
  name: string;
  version: string;
  main?: string;
  module?: string;
  types?: string;
  license?: string;
  exports?: unknown;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

export interface Packed {
  tarball: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

export type Outcome = { status?: Status; detail: string };

/** `npm pack` of the repo into `dest`, replacing earlier tarballs there. */
export async function pack(repo: string, dest: string): Promise<Packed> {
  // npm does not create the destination itself.
  mkdirSync(dest, { recursive: true });
  for (const name of readdirSync(dest)) if (name.endsWith('.tgz')) rmSync(join(dest, name));
  const result = await run('npm', ['pack', '--json', '--pack-destination', dest], { cwd: repo });
  expectSuccess(result, 'npm pack failed');
  // npm prints lifecycle noise before the JSON on some versions: parse from the first '['.
  const json = JSON.parse(result.stdout.slice(result.stdout.indexOf('['))) as (Omit<Packed, 'tarball'> & {
    filename: string;
  })[];
  const info = json[0];
  if (!info) throw new Error('npm pack printed no package');
  return {
    tarball: join(dest, info.filename),
    size: info.size,
    unpackedSize: info.unpackedSize,
    files: info.files,
  };
}

const ALLOWED_TOP = /^(package\.json|README\.md|CHANGELOG\.md|LICEN[CS]E(\.md|\.txt)?)$/i;
const FORBIDDEN = [
  /(^|\/)\.env(\.|$)/,
  /(^|\/)(test|tests|__tests__|fixtures)\//,
  /\.(test|spec)\.[cm]?[jt]sx?$/,
  /\.tsbuildinfo$/,
  /(^|\/)\.DS_Store$/,
  /\.tgz$/,
];

/** Only dist/ and npm's standard files; no tests, env files or build leftovers; every export target present. */
export function checkContents(packed: Packed, pkg: PackageJson): Outcome {
  const paths = new Set(packed.files.map((f) => f.path));
  const problems: string[] = [];
  for (const path of paths) {
    if (!path.startsWith('dist/') && !ALLOWED_TOP.test(path)) problems.push(`unexpected file ${path}`);
    if (FORBIDDEN.some((re) => re.test(path))) problems.push(`forbidden file ${path}`);
  }
  for (const target of exportTargets(pkg)) {
    if (!paths.has(target)) problems.push(`${target} is named in package.json but not in the tarball`);
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const maps = packed.files.filter((f) => f.path.endsWith('.map')).reduce((sum, f) => sum + f.size, 0);
  const detail =
    `${paths.size} files, ${mib(packed.size)} packed, ${mib(packed.unpackedSize)} unpacked ` +
    `(source maps ${mib(maps)}) - ${posix.basename(packed.tarball)}`;
  const license = [...paths].some((p) => /^LICEN[CS]E/i.test(p));
  if (!license && pkg.license) {
    return {
      status: 'warn',
      detail: `${detail}\nno LICENSE file in the tarball (package.json says ${pkg.license})`,
    };
  }
  return { detail };
}

/** Every file package.json points a consumer at: main, module, types and each exports target. */
export function exportTargets(pkg: PackageJson): string[] {
  const targets = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === 'string') targets.add(value.replace(/^\.\//, ''));
    else if (value && typeof value === 'object') for (const v of Object.values(value)) add(v);
  };
  add(pkg.main);
  add(pkg.module);
  add(pkg.types);
  add(pkg.exports);
  return [...targets];
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
