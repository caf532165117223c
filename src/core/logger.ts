/**
 * A pino-compatible logger interface: pass `pino()` itself, `console`-backed {@link consoleLogger},
 * or nothing (silent). steadycall redacts what it logs before calling you.
 */
export interface LogFn {
  (msg: string): void;
  (obj: Record<string, unknown>, msg?: string): void;
}

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child?(bindings: Record<string, unknown>): Logger;
}

const noop: LogFn = () => {};

/** The default: logs nothing. */
export const silentLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
};

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** One JSON line per entry on the console, from `level` up. */
export function consoleLogger(level: Level = 'info', bindings: Record<string, unknown> = {}): Logger {
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

/** Wraps a logger so everything passed to it is redacted first. */
export function redactingLogger(inner: Logger, redactor: (value: unknown) => unknown): Logger {
  const wrap =
    (fn: LogFn): LogFn =>
    (a: string | Record<string, unknown>, b?: string) => {
      if (typeof a === 'string') fn(redactor(a) as string);
      else fn(redactor(a) as Record<string, unknown>, b === undefined ? undefined : (redactor(b) as string));
    };
  return {
    debug: wrap(inner.debug.bind(inner)),
    info: wrap(inner.info.bind(inner)),
    warn: wrap(inner.warn.bind(inner)),
    error: wrap(inner.error.bind(inner)),
    child: (bindings) => redactingLogger(inner.child?.(bindings) ?? inner, redactor),
  };
}
