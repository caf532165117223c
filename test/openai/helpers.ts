import nock from 'nock';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Logger } from '../../src/core/logger.js';
import { OpenAiBrowserSessions, type OpenAiBrowserSessionsOptions } from '../../src/openai/index.js';
import type { GuardingBreaker } from '../../src/telephony/provider.js';

export const API = 'https://api.openai.com';
export const API_KEY = 'sk-proj-TESTKEY0123456789abcdefSECRET';
export const OFFER =
  'v=0\r\no=- 46117317 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';
export const ANSWER = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';

/** nock with no real network, reset after each test. */
export function useNock(): void {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    nock.abortPendingRequests();
    nock.cleanAll();
  });
  afterAll(() => nock.enableNetConnect());
}

export function sessions(options: Partial<OpenAiBrowserSessionsOptions> = {}): OpenAiBrowserSessions {
  return new OpenAiBrowserSessions({ apiKey: API_KEY, ...options });
}

/** Records every execute; runs the function with a fresh signal, or refuses with `refuse`. */
export function fakeBreaker(refuse?: Error): GuardingBreaker & { calls: number } {
  const breaker = {
    calls: 0,
    async execute<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
      breaker.calls += 1;
      if (refuse) throw refuse;
      return fn(new AbortController().signal);
    },
  };
  return breaker;
}

export function recordingLogger(): Logger & { lines: unknown[][] } {
  const lines: unknown[][] = [];
  const log =
    (level: string) =>
    (...args: unknown[]) => {
      lines.push([level, ...args]);
    };
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Everything an error could leak through: message, JSON, details, cause chain, stack. */
export function everythingIn(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const e = current as { message?: unknown; stack?: unknown; toJSON?: () => unknown; cause?: unknown };
    parts.push(String(e.message), String(e.stack));
    parts.push(JSON.stringify(typeof e.toJSON === 'function' ? e.toJSON() : e));
    parts.push(JSON.stringify(e, Object.getOwnPropertyNames(e)));
    current = e.cause;
  }
  return parts.join('\n');
}

/** A reply body that arrives after `ms` (nock's `.delay()` crashes undici when fetch aborts first). */
export function slowly<T>(ms: number, body: T): () => Promise<T> {
  return () => new Promise((resolve) => setTimeout(() => resolve(body), ms));
}
