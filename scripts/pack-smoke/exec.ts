// Child processes with a time limit and captured output, and the report's check results.
import { spawn } from 'node:child_process';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Runs a command to completion (never throws for a non-zero exit); SIGKILL after `timeoutMs`. */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 120_000);
    const finish = (code: number | null, error?: Error) => {
      clearTimeout(timer);
      if (error) stderr += `${error.message}\n`;
      resolve({ code, stdout, stderr, timedOut, ms: performance.now() - started });
    };
    child.once('error', (error) => finish(null, error));
    child.once('close', (code) => finish(code));
  });
}

/**
 * The environment without the `npm_*` variables an outer `npm run` sets: a nested npm would
 * otherwise inherit the repo's prefix and configuration.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.toLowerCase().startsWith('npm_')) env[key] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/** Last lines of a command's output, for a failure's detail. */
export function tail(result: RunResult, lines = 15): string {
  const text = `${result.stdout}\n${result.stderr}`.trim();
  const all = text.split('\n');
  const shown = all.slice(-lines).join('\n');
  return result.timedOut ? `timed out after ${Math.round(result.ms)} ms\n${shown}` : shown;
}

export type Status = 'ok' | 'fail' | 'warn';

export interface CheckResult {
  name: string;
  status: Status;
  detail: string;
  ms: number;
}

/** Collects check results and prints each as it completes. */
export class Report {
  readonly results: CheckResult[] = [];

  async check(name: string, body: () => Promise<{ status?: Status; detail: string }>): Promise<CheckResult> {
    const started = performance.now();
    let result: CheckResult;
    try {
      const { status = 'ok', detail } = await body();
      result = { name, status, detail, ms: performance.now() - started };
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      result = { name, status: 'fail', detail, ms: performance.now() - started };
    }
    this.results.push(result);
    const [first = '', ...rest] = result.detail.split('\n');
    const time = `${(result.ms / 1000).toFixed(1)}s`.padStart(6);
    console.log(`${result.status.padEnd(4)} ${time}  ${name.padEnd(34)} ${first}`);
    for (const line of rest) console.log(`            ${line}`);
    return result;
  }

  get failed(): number {
    return this.results.filter((r) => r.status === 'fail').length;
  }

  summary(): string {
    const count = (s: Status) => this.results.filter((r) => r.status === s).length;
    return `pack smoke: ${count('ok')} checks ok, ${count('fail')} failed, ${count('warn')} warnings`;
  }
}

/** Throws with `message` and the command's output unless it exited 0. */
export function expectSuccess(result: RunResult, message: string): void {
  if (result.code !== 0 || result.timedOut)
    throw new Error(`${message} (exit ${result.code})\n${tail(result)}`);
}
