// The Supabase example's wiring: one function per runbook endpoint, the same import map in each,
// JWT verification off where Twilio calls, and every variable the functions read documented.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS, FUNCTIONS_DIR, REPO, readFunctionImports } from './deno-harness.js';

const EXAMPLE = join(REPO, 'examples/supabase');
const read = (path: string) => readFileSync(join(EXAMPLE, path), 'utf8');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  version: string;
  peerDependencies: Record<string, string>;
};
const major = (range: string) => /(\d+)/.exec(range)?.[1];

describe('Supabase example layout', () => {
  it('has one function per runbook endpoint, each serving its handler', () => {
    const dirs = readdirSync(FUNCTIONS_DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('_'))
      .map((d) => d.name)
      .sort();
    expect(dirs).toEqual(Object.keys(FUNCTIONS).sort());
    for (const [name, handler] of Object.entries(FUNCTIONS)) {
      const source = read(`supabase/functions/${name}/index.ts`);
      expect(source).toContain("from '../_shared/steadycall.ts'");
      expect(source).toContain(`Deno.serve(handlers.${handler});`);
    }
  });

  it('maps the package names to npm: in every deno.json, matching package.json', () => {
    const [minorRange] = /^\d+\.\d+/.exec(pkg.version)!;
    const expected = readFunctionImports('health-check');
    expect(expected).toMatchObject({
      steadycall: `npm:steadycall@^${minorRange}`,
      'steadycall/postgres': `npm:steadycall@^${minorRange}/postgres`,
    });
    for (const peer of ['postgres', 'twilio']) {
      expect(major(expected[peer]!.replace(`npm:${peer}@`, ''))).toBe(major(pkg.peerDependencies[peer]!));
    }
    for (const name of Object.keys(FUNCTIONS)) expect(readFunctionImports(name)).toEqual(expected);
  });

  it('turns the gateway JWT check off for every function (each authenticates itself)', () => {
    const toml = read('supabase/config.toml');
    for (const name of Object.keys(FUNCTIONS)) {
      const section = new RegExp(`\\[functions\\.${name}\\]\\s*\\n\\s*verify_jwt\\s*=\\s*false`);
      expect(toml, name).toMatch(section);
    }
  });

  it('documents every variable the functions read, and deploys every function', () => {
    const shared = read('supabase/functions/_shared/steadycall.ts');
    const names = new Set([...shared.matchAll(/(?:env\(|env, )'([A-Z0-9_]+)'/g)].map((m) => m[1]!));
    expect(names.size).toBeGreaterThan(15);
    const readme = read('README.md');
    const example = read('supabase/functions/.env.example');
    for (const name of names) {
      expect(readme, name).toContain(name);
      if (!name.startsWith('SUPABASE_')) expect(example, name).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
    }
    for (const name of Object.keys(FUNCTIONS)) expect(readme).toContain(`supabase functions deploy ${name}`);
  });
});
