// `deno check` of every function against the package's real types: the example's Deno code is not
// part of the repo's tsc program (Deno globals, `.ts` import paths), so Deno type-checks it here.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DENO, type DenoProject, FUNCTIONS_DIR, prepareDenoProject } from './deno-harness.js';

describe('Supabase example type-checks under Deno', () => {
  let project: DenoProject;

  beforeAll(async () => {
    project = await prepareDenoProject({ types: true });
  });

  afterAll(() => project?.remove());

  it('deno check passes for every function', { timeout: 60_000 }, () => {
    const entries = readdirSync(FUNCTIONS_DIR, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('_'))
      .map((d) => join(FUNCTIONS_DIR, d.name, 'index.ts'));
    expect(entries).toHaveLength(7);
    const result = spawnSync(
      DENO,
      [
        'check',
        '--config',
        project.config,
        '--node-modules-dir=manual',
        '--no-remote',
        '--no-lock',
        ...entries,
      ],
      {
        cwd: project.dir,
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH ?? '',
          DENO_DIR: project.denoDir,
          DENO_NO_UPDATE_CHECK: '1',
          NO_COLOR: '1',
        },
      },
    );
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
  });
});
