// tsc against the installed tarball's .d.ts / .d.cts: the Express example and a consumer of every
// entry, under moduleResolution nodenext (ESM and CJS) and bundler. The tsconfigs are the repo's
// compiler options without `paths`, so `steadycall/*` can only resolve to node_modules.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import type { Entry } from './entries.js';
import { run, tail } from './exec.js';
import { writeJson } from './project.js';
import type { Outcome } from './tarball.js';

/** The repo's compilerOptions, minus what ties them to the repo's sources. */
function baseOptions(repo: string): Record<string, unknown> {
  const { config, error } = ts.readConfigFile(join(repo, 'tsconfig.json'), ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const options = { ...(config as { compilerOptions: Record<string, unknown> }).compilerOptions };
  delete options.paths;
  delete options.baseUrl;
  delete options.rootDir;
  return { ...options, noEmit: true, declaration: false };
}

/** Copies the examples and writes the consumer files and both tsconfigs into the project. */
export function prepareTypeChecks(repo: string, dir: string, entries: readonly Entry[]): void {
  cpSync(join(repo, 'examples/express'), join(dir, 'examples/express'), { recursive: true });
  mkdirSync(join(dir, 'consumers'), { recursive: true });
  const names = (e: Entry, i: number) => e.exports.map((name) => `e${i}.${name}`).join(', ');
  writeFileSync(
    join(dir, 'consumers/esm.ts'),
    `${entries.map((e, i) => `import * as e${i} from '${e.specifier}';`).join('\n')}
export const refs = [${entries.map(names).join(', ')}];
`,
  );
  writeFileSync(
    join(dir, 'consumers/cjs.cts'),
    `${entries.map((e, i) => `import e${i} = require('${e.specifier}');`).join('\n')}
export = [${entries.map(names).join(', ')}];
`,
  );
  const base = baseOptions(repo);
  writeJson(join(dir, 'tsconfig.nodenext.json'), {
    compilerOptions: { ...base, module: 'NodeNext', moduleResolution: 'NodeNext' },
    include: ['examples/express', 'consumers/esm.ts', 'consumers/cjs.cts'],
  });
  writeJson(join(dir, 'tsconfig.bundler.json'), {
    compilerOptions: { ...base, module: 'Preserve', moduleResolution: 'Bundler' },
    include: ['examples/express', 'consumers/esm.ts'],
  });
}

export async function tsc(node: string, repo: string, dir: string, project: string) {
  const bin = join(repo, 'node_modules/typescript/bin/tsc');
  return run(node, [bin, '-p', project, '--pretty', 'false'], { cwd: dir, timeoutMs: 120_000 });
}

export async function checkTypes(
  node: string,
  repo: string,
  dir: string,
  mode: 'nodenext' | 'bundler',
): Promise<Outcome> {
  const result = await tsc(node, repo, dir, `tsconfig.${mode}.json`);
  if (result.code !== 0) throw new Error(`tsc failed\n${tail(result, 25)}`);
  const what =
    mode === 'nodenext'
      ? 'examples/express + every entry from .ts (ESM) and .cts (CJS)'
      : 'examples/express + every entry';
  return { detail: what };
}

/**
 * A strict consumer of the core (skipLibCheck off) with only steadycall's own dependencies
 * installed: the core's types should not need an optional peer. A warning, not a failure: with
 * skipLibCheck on (the usual setting) a missing peer's types only degrade to `any`.
 */
export async function checkCoreTypesWithoutPeers(
  node: string,
  repo: string,
  bareDir: string,
  core: Entry,
): Promise<Outcome> {
  writeFileSync(
    join(bareDir, 'consumer.ts'),
    `import * as core from '${core.specifier}';\nexport const refs = [${core.exports.map((n) => `core.${n}`).join(', ')}];\n`,
  );
  writeJson(join(bareDir, 'tsconfig.json'), {
    compilerOptions: {
      target: 'ES2023',
      lib: ['ES2023', 'DOM'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      types: [],
    },
    include: ['consumer.ts'],
  });
  const result = await tsc(node, repo, bareDir, 'tsconfig.json');
  if (result.code === 0) return { detail: 'skipLibCheck off, no peer and no @types/node installed' };
  return { status: 'warn', detail: `types need an optional peer (skipLibCheck off):\n${tail(result, 6)}` };
}
