// Vitest setup file (every test file, every worker): captures every console call, every stdout and
// stderr write, every entry a steadycall redacting logger passes on (through the logger's internal
// test tap) and every incident written to a memory or PostgreSQL incident log, and appends them to
// the run's capture directory. The global teardown scans them for test secrets (leak-scan.ts).
import { appendFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { format } from 'node:util';
import { threadId } from 'node:worker_threads';
import { afterAll, expect, inject } from 'vitest';
import { redactingLogger, silentLogger } from '../../src/core/logger.js';
import { MemoryIncidentLog } from '../../src/storage/memory/incidents.js';
import { PostgresIncidentLog } from '../../src/storage/postgres/incidents.js';
import { CANARY, type CaptureRecord } from './leak-scan.js';

interface CaptureState {
  buffer: CaptureRecord[];
  hooked: Set<string>;
  flush(): void;
}

const STATE = Symbol.for('steadycall.test.capture');
const PATCHED = Symbol.for('steadycall.test.capture.patched');
const LOG_TAP = Symbol.for('steadycall.test.logTap');
const root = process.cwd();
const dir = inject('captureDir');

function where(): { file?: string; test?: string } {
  try {
    const state = expect.getState();
    return { file: state.testPath ? relative(root, state.testPath) : undefined, test: state.currentTestName };
  } catch {
    return {};
  }
}

function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    const json = JSON.stringify(value, (_key, v: unknown) =>
      typeof v === 'bigint'
        ? v.toString()
        : v instanceof Error
          ? { name: v.name, message: v.message, stack: v.stack }
          : v,
    );
    return json ?? String(value);
  } catch {
    return format('%o', value);
  }
}

function captureState(captureDir: string): CaptureState {
  const global = globalThis as { [STATE]?: CaptureState };
  if (global[STATE]) return global[STATE];
  const file = join(captureDir, `${process.pid}-${threadId}.jsonl`);
  const state: CaptureState = {
    buffer: [],
    hooked: new Set(),
    flush() {
      if (state.buffer.length === 0) return;
      const lines = state.buffer.map((r) => JSON.stringify(r)).join('\n');
      state.buffer = [];
      appendFileSync(file, `${lines}\n`);
    },
  };
  process.once('exit', () => state.flush());
  global[STATE] = state;
  return state;
}

function install(state: CaptureState): void {
  const record = (ch: string, text: string) => {
    state.buffer.push({ ch, ...where(), text });
    if (state.buffer.length >= 500) state.flush();
  };
  const hooked = (name: string) => {
    if (state.hooked.has(name)) return;
    state.hooked.add(name);
    state.buffer.push({ ch: 'hooked', text: name });
  };
  const patched = (target: object) => (target as { [PATCHED]?: true })[PATCHED] === true;
  const mark = (target: object) => Object.defineProperty(target, PATCHED, { value: true });

  // Vitest may give each test file a fresh console: patch whichever one is current.
  const con = console as unknown as Record<string, (...args: unknown[]) => void>;
  if (!patched(console)) {
    for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir']) {
      const original = con[method]!;
      con[method] = function (this: unknown, ...args: unknown[]) {
        record(`console.${method}`, format(...args));
        return original.apply(this, args);
      };
    }
    mark(console);
  }
  hooked('console');
  for (const [name, stream] of [
    ['stdout', process.stdout],
    ['stderr', process.stderr],
  ] as const) {
    if (!patched(stream)) {
      const original = stream.write;
      stream.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
        record(name, typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
        return (original as (...a: unknown[]) => boolean).apply(this, [chunk, ...rest]);
      } as typeof stream.write;
      mark(stream);
    }
    hooked(name);
  }

  (globalThis as { [LOG_TAP]?: unknown })[LOG_TAP] = (level: string, entry: unknown, msg?: string) =>
    record('logger', toText({ level, entry, msg }));
  hooked('logger');

  // Each test file may load its own copy of the store modules: patch the copy this file uses.
  for (const [name, proto] of [
    ['incident.memory', MemoryIncidentLog.prototype],
    ['incident.postgres', PostgresIncidentLog.prototype],
  ] as const) {
    if (!patched(proto)) {
      const original = proto.append;
      proto.append = function (this: typeof proto, incident: Parameters<typeof original>[0]) {
        record(name, toText(incident));
        return original.call(this, incident);
      };
      mark(proto);
    }
    hooked(name);
  }
}

if (dir) {
  const state = captureState(dir);
  install(state);
  // Canaries prove the logger tap and the incident hook work in this worker.
  redactingLogger(silentLogger, (v) => v).info(CANARY);
  await new MemoryIncidentLog().append({
    severity: 'info',
    provider: null,
    code: CANARY,
    message: CANARY,
    context: {},
    callId: null,
    at: 0,
  });
  afterAll(() => state.flush());
}
