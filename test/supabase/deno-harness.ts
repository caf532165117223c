// Runs the Supabase example's functions for real: each one is its own `deno run` process with the
// REAL Deno binary, offline, behind a loopback stand-in for Supabase's gateway.
//
// How Deno resolves the package offline: each function's own deno.json maps `steadycall` to
// `npm:steadycall@^0.1` (and postgres, twilio to npm: ranges), exactly as deployed. The test copies
// those imports verbatim into a generated deno.json inside a scratch directory under
// node_modules/.cache/, next to a `node_modules/steadycall` package built from this repo's sources
// (tsup, the entries of tsup.config.ts, ESM) with this repo's package.json. Deno runs with
// `--node-modules-dir=manual` ("bring your own node_modules"): `npm:` specifiers resolve from local
// node_modules directories (version ranges are checked), steadycall from the scratch package, and
// its own imports (zod, postgres, twilio) from the repo's node_modules, found by walking up.
// `--cached-only --no-remote` and a fresh, empty DENO_DIR make any download attempt an error, and
// `--allow-net=127.0.0.1` makes any non-loopback connection one.
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const FUNCTIONS_DIR = join(REPO, 'examples/supabase/supabase/functions');
export const DENO = join(REPO, 'node_modules/.bin/deno');

/** The runbook's functions: directory name -> handler exported by _shared/steadycall.ts. */
export const FUNCTIONS = {
  'calls-start': 'callsStart',
  'twilio-voice': 'twilioVoice',
  'twilio-status': 'twilioStatus',
  'openai-realtime-session': 'openaiRealtimeSession',
  'openai-realtime-status': 'openaiRealtimeStatus',
  'ops-health-run': 'opsHealthRun',
  'health-check': 'healthCheck',
} as const;
export type FunctionName = keyof typeof FUNCTIONS;

// Last resort if the test process dies before afterAll: no Deno process outlives it.
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** A scratch directory with a deno.json and `node_modules/steadycall` built from this repo. */
export interface DenoProject {
  dir: string;
  config: string;
  denoDir: string;
  remove(): void;
}

/**
 * Builds the package (ESM, every tsup.config.ts entry) into a fresh scratch project; with `types`,
 * also the `.d.ts` of the entries the functions import, for `deno check`.
 */
export async function prepareDenoProject(options: { types?: boolean } = {}): Promise<DenoProject> {
  const cache = join(REPO, 'node_modules/.cache/steadycall-supabase-test');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'run-'));
  const pkgDir = join(dir, 'node_modules/steadycall');
  const { build } = await import('tsup');
  const { default: config } = await import('../../tsup.config.js');
  if (typeof config !== 'object' || Array.isArray(config) || !config.entry) {
    throw new Error('tsup.config.ts is expected to export one config object with `entry`');
  }
  await build({
    entry: config.entry,
    target: config.target,
    splitting: config.splitting,
    treeshake: config.treeshake,
    format: ['esm'],
    dts: false,
    sourcemap: false,
    clean: true,
    outDir: join(pkgDir, 'dist'),
    config: false,
    silent: true,
  });
  if (options.types) {
    await build({
      entry: { index: 'src/index.ts', postgres: 'src/storage/postgres/index.ts' },
      target: config.target,
      format: ['esm'],
      dts: { only: true },
      outDir: join(pkgDir, 'dist'),
      config: false,
      silent: true,
    });
  }
  cpSync(join(REPO, 'package.json'), join(pkgDir, 'package.json'));
  // Every function's deno.json is the same import map; the test uses it verbatim.
  const imports = readFunctionImports('health-check');
  const configPath = join(dir, 'deno.json');
  writeFileSync(configPath, JSON.stringify({ imports }, null, 2));
  const denoDir = mkdtempSync(join(tmpdir(), 'steadycall-deno-dir-'));
  return {
    dir,
    config: configPath,
    denoDir,
    remove() {
      rmSync(dir, { recursive: true, force: true });
      rmSync(denoDir, { recursive: true, force: true });
    },
  };
}

export function readFunctionImports(name: string): Record<string, string> {
  const json = JSON.parse(readFileSync(join(FUNCTIONS_DIR, name, 'deno.json'), 'utf8')) as {
    imports?: Record<string, string>;
  };
  return json.imports ?? {};
}

export interface DenoFunction {
  name: string;
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the process printed, stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts one function with `deno run` and minimal permissions; resolves once it listens. */
export async function startFunction(
  project: DenoProject,
  name: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<DenoFunction> {
  const args = [
    'run',
    '--config',
    project.config,
    '--node-modules-dir=manual',
    '--cached-only',
    '--no-remote',
    '--no-lock',
    '--no-prompt',
    // Loopback only (listening, PostgreSQL, FakeTwilio): any other connection is an error.
    '--allow-net=127.0.0.1',
    // All of it: the `debug` package inside twilio's axios lists every variable's name at load.
    '--allow-env',
    join(FUNCTIONS_DIR, name, 'index.ts'),
  ];
  const child = spawn(DENO, args, {
    cwd: project.dir,
    // Only what the function needs: nothing leaks in from the test runner's environment.
    env: {
      PATH: process.env.PATH ?? '',
      DENO_DIR: project.denoDir,
      DENO_NO_UPDATE_CHECK: '1',
      NO_COLOR: '1',
      // The address a bare Deno.serve(handler) listens on: loopback, any free port (printed on stderr).
      DENO_SERVE_ADDRESS: 'tcp:127.0.0.1:0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      children.delete(child);
      resolve();
    }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`deno function ${name} did not start: ${error.message}\n${output}`));
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /Listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`exited (${code ?? signal})`)));
  });
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/**
 * A loopback stand-in for Supabase's gateway: `/functions/v1/<name>/...?...` is forwarded to that
 * function's process as `/<name>/...?...` (the gateway strips `/functions/v1`; the function sees
 * its own name as the first path segment), method, headers and body unchanged.
 */
export async function startGateway(
  routes: () => ReadonlyMap<string, string>,
): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    forward(routes(), req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/functions/v1`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function forward(
  routes: ReadonlyMap<string, string>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const match = /^\/functions\/v1(\/([^/?]+)[^?]*)(\?.*)?$/.exec(req.url ?? '');
  const target = match ? routes.get(match[2]!) : undefined;
  if (!match || !target) {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"msg":"Function not found"}');
    return;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined || ['host', 'connection', 'content-length'].includes(key)) continue;
    for (const v of [value].flat()) headers.append(key, v);
  }
  const method = req.method ?? 'GET';
  const upstream = await fetch(`${target}${match[1]}${match[3] ?? ''}`, {
    method,
    headers,
    body: method === 'GET' || method === 'HEAD' ? undefined : Buffer.concat(chunks),
    redirect: 'manual',
  });
  const out: Record<string, string> = {};
  upstream.headers.forEach((value, key) => {
    if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(key))
      out[key] = value;
  });
  const body = Buffer.from(await upstream.arrayBuffer());
  res.writeHead(upstream.status, out).end(body);
}
