/**
 * A pino-compatible logger interface: pass `pino()` itself, `console`-backed {@link consoleLogger},
 * or nothing (silent). steadycall redacts what it logs before calling you.
 *
 * @example
 * ```ts
 * import type { LogFn } from 'steadycall';
 *
 * const info: LogFn = (a: string | Record<string, unknown>, msg?: string) => console.log(a, msg ?? '');
 * info('ready');
 * info({ provider: 'twilio' }, 'circuit opened');
 * ```
 */
export interface LogFn {
  (msg: string): void;
  (obj: Record<string, unknown>, msg?: string): void;
}

/**
 * The logger steadycall writes to: pino's shape (`logger.warn(obj, msg)`), so a pino logger fits as is.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * import { CallOrchestrator, consoleLogger, type Logger } from 'steadycall';
 *
 * const logger: Logger = process.env.NODE_ENV === 'production' ? pino() : consoleLogger('debug');
 * const orchestrator = new CallOrchestrator({ ...options, logger });
 * ```
 */
export interface Logger {
  /** Detail for troubleshooting. */
  debug: LogFn;
  /** Normal events (a circuit closed, a health run finished). */
  info: LogFn;
  /** Something failed but was handled (a circuit opened, a store was unreachable). */
  warn: LogFn;
  /** Something failed and could not be handled (an incident could not be written). */
  error: LogFn;
  /** Optional: a logger that adds `bindings` to every entry (pino's `child`). */
  child?(bindings: Record<string, unknown>): Logger;
}

const noop: LogFn = () => {};

/**
 * The default: logs nothing.
 *
 * @example
 * ```ts
 * import { Idempotency, silentLogger } from 'steadycall';
 *
 * const idempotency = new Idempotency({ store, logger: silentLogger }); // same as leaving `logger` out
 * ```
 */
export const silentLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
};

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * One JSON line per entry on the console, from `level` up.
 *
 * @param level - The lowest level written. Default `info`.
 * @param bindings - Fields added to every entry. Default none.
 * @example
 * ```ts
 * import { consoleLogger } from 'steadycall';
 *
 * const logger = consoleLogger('debug', { service: 'voice' });
 * logger.info({ callId: 'c1' }, 'call started');
 * // {"level":"info","time":"2026-01-01T00:00:00.000Z","service":"voice","callId":"c1","msg":"call started"}
 * ```
 */
export function consoleLogger(
  level: 'debug' | 'info' | 'warn' | 'error' = 'info',
  bindings: Record<string, unknown> = {},
): Logger {
  const make =
    (l: Level): LogFn =>
    (a: string | Record<string, unknown>, b?: string) => {
      if (ORDER[l] < ORDER[level]) return;
      const entry = typeof a === 'string' ? { ...bindings, msg: a } : { ...bindings, ...a, msg: b };
      const line = JSON.stringify({ level: l, time: new Date().toISOString(), ...entry });
      (l === 'error' ? console.error : l === 'warn' ? console.warn : console.log)(line);
    };
  return {
    debug: make('debug'),
    info: make('info'),
    warn: make('warn'),
    error: make('error'),
    child: (more) => consoleLogger(level, { ...bindings, ...more }),
  };
}

// Internal hook for steadycall's own test suite, which checks that no secret and no full phone
// number reaches any logger: it sees every entry a redacting logger passes on, after redaction.
const LOG_TAP = Symbol.for('steadycall.test.logTap');
type LogTap = (level: Level, entry: unknown, msg: string | undefined) => void;

/**
 * Wraps a logger so everything passed to it is redacted first.
 *
 * @param inner - The logger that receives the redacted entries.
 * @param redactor - Applied to every object and message, e.g. from {@link createRedactor}.
 * @example
 * ```ts
 * import { consoleLogger, createRedactor, redactingLogger } from 'steadycall';
 *
 * const logger = redactingLogger(consoleLogger(), createRedactor({ secrets: [process.env.TWILIO_AUTH_TOKEN!] }));
 * logger.info({ to: '+14155550123' }, 'dialing'); // logs "to":"+*******0123"
 * ```
 */
export function redactingLogger(inner: Logger, redactor: (value: unknown) => unknown): Logger {
  const wrap =
    (level: Level, fn: LogFn): LogFn =>
    (a: string | Record<string, unknown>, b?: string) => {
      const entry = redactor(a);
      const msg = typeof a === 'string' || b === undefined ? undefined : (redactor(b) as string);
      (globalThis as { [LOG_TAP]?: LogTap })[LOG_TAP]?.(level, entry, msg);
      if (typeof a === 'string') fn(entry as string);
      else fn(entry as Record<string, unknown>, msg);
    };
  return {
    debug: wrap('debug', inner.debug.bind(inner)),
    info: wrap('info', inner.info.bind(inner)),
    warn: wrap('warn', inner.warn.bind(inner)),
    error: wrap('error', inner.error.bind(inner)),
    // Bindings are repeated on every entry of the child: they are redacted like the entries.
    child: (bindings) =>
      redactingLogger(inner.child?.(redactor(bindings) as Record<string, unknown>) ?? inner, redactor),
  };
}
