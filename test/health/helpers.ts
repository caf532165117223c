import type { LogFn, Logger } from '../../src/core/logger.js';
import type { AccountInfo, CallOptions, TelephonyProvider } from '../../src/telephony/provider.js';

export const OPENAI_KEY = 'sk-proj-TESTKEY0123456789abcdefOPENAI';
export const GEMINI_KEY = 'AIzaSyTESTKEY0123456789abcdefGEMINI';
export const TWILIO_TOKEN = 'f3b1c9d27a8e4b6c9d0e1f2a3b4c5d6e';

/** A TelephonyProvider whose only working method is `fetchAccount`. */
export function fakeTelephony(
  fetchAccount: (options?: CallOptions) => Promise<AccountInfo>,
): TelephonyProvider & { calls: CallOptions[] } {
  const calls: CallOptions[] = [];
  const unused = () => Promise.reject(new Error('not used by health checks'));
  return {
    calls,
    createCall: unused,
    hangUp: unused,
    sendSms: unused,
    fetchAccount: (options) => {
      calls.push(options ?? {});
      return fetchAccount(options);
    },
  };
}

export interface Line {
  level: string;
  args: unknown[];
}

export function capturingLogger(): [Logger, Line[]] {
  const lines: Line[] = [];
  const make =
    (level: string): LogFn =>
    (...args: unknown[]) => {
      lines.push({ level, args });
    };
  return [{ debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') }, lines];
}

/** Wraps the global fetch, recording every URL and header set it is called with. */
export function recordingFetch(
  onResponse?: () => void,
): typeof fetch & { urls: string[]; headers: Headers[] } {
  const urls: string[] = [];
  const headers: Headers[] = [];
  const wrapped = async (input: string | URL | Request, init?: RequestInit) => {
    urls.push(String(input instanceof Request ? input.url : input));
    headers.push(new Headers(init?.headers));
    const response = await globalThis.fetch(input, init);
    onResponse?.();
    return response;
  };
  return Object.assign(wrapped, { urls, headers });
}
