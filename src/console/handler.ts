import { ValidationError } from '../core/errors.js';
import { renderConsolePage } from './page.js';
import { consoleScriptCore } from './script-core.js';
import { consoleScriptViews } from './script-views.js';
import { consoleCss } from './styles.js';

/**
 * Options of {@link createOpsConsole}.
 *
 * @example
 * ```ts
 * // Routes mounted under /steadycall: the console is at /steadycall/admin/health/
 * app.use('/steadycall', opsConsole({ path: '/admin/health', refreshMs: 10_000 }));
 * ```
 */
export interface OpsConsoleOptions {
  /**
   * Where the console is served, relative to where the steadycall routes are mounted. The page is
   * at `<path>/`; `<path>` itself redirects there. Default `/ops/console`.
   */
  path?: string;
  /** Prefix stripped from request paths before matching, as `createRouter`'s `basePath`. */
  basePath?: string;
  /**
   * Where the browser finds the ops routes (`ops/providers`, `ops-health-run`, ...), as a URL
   * relative to the console page or an absolute path. Default: the mount point of the steadycall
   * routes, derived from `path` (`../../` for `/ops/console`), so it works under any mount prefix.
   */
  apiBase?: string;
  /** How often the open console refreshes its data, in ms (minimum 1000). Default 5000. */
  refreshMs?: number;
}

/**
 * A web-standard handler for the ops console: resolves to a `Response` for the console's own
 * paths and to `undefined` for anything else, so it chains in front of another handler.
 *
 * @example
 * ```ts
 * const opsConsole: OpsConsoleHandler = createOpsConsole();
 * const response = (await opsConsole(request)) ?? new Response('Not found', { status: 404 });
 * ```
 */
export type OpsConsoleHandler = (request: Request) => Promise<Response | undefined>;

/**
 * The Content-Security-Policy every console response carries: same-origin files only, no inline code.
 *
 * @example
 * ```ts
 * // A proxy in front of the console may pin the same policy.
 * headers.set('content-security-policy', OPS_CONSOLE_CSP);
 * ```
 */
export const OPS_CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': OPS_CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

interface Asset {
  body: string;
  type: string;
  etag: string;
  cacheControl: string;
}

/** FNV-1a: a cheap, synchronous content fingerprint for ETags (not a security boundary). */
function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `"sc-${(hash >>> 0).toString(16)}-${text.length.toString(16)}"`;
}

function asset(body: string, type: string, cacheControl: string): Asset {
  return { body, type, etag: fingerprint(body), cacheControl };
}

function normalisePath(path: string, name: string): string {
  const trimmed = `/${path.trim().replace(/^\/+|\/+$/g, '')}`;
  if (trimmed === '/') return '';
  if (!/^(\/[A-Za-z0-9._~-]+)*$/.test(trimmed) || trimmed.split('/').some((s) => s === '.' || s === '..')) {
    throw new ValidationError(`Invalid ${name}`, [{ path: name, message: 'must be a plain URL path' }]);
  }
  return trimmed;
}

/** The full console script: both halves in one strict-mode scope. */
export function consoleScript(): string {
  return `'use strict';\n(() => {\n${consoleScriptCore}\n${consoleScriptViews}\n})();\n`;
}

/**
 * Serves the ops console: one HTML page, `console.js` and `console.css`, every response with a
 * strict Content-Security-Policy, `nosniff` and `no-referrer`. The page talks only to the ops
 * routes of the same server with the operator's bearer token, typed into its sign-in form and kept
 * in the tab's session storage (never in a URL). Nothing secret is in the served files.
 *
 * @example
 * ```ts
 * const opsConsole = createOpsConsole({ path: '/ops/console' });
 * const route = createRouter(createHandlers(orchestrator, { opsTokens: [env.OPS_TOKEN] }));
 * Deno.serve(async (request) => (await opsConsole(request)) ?? route(request));
 * // open https://voice.example.com/ops/console/
 * ```
 */
export function createOpsConsole(options: OpsConsoleOptions = {}): OpsConsoleHandler {
  const path = normalisePath(options.path ?? '/ops/console', 'path');
  if (!path) throw new ValidationError('Invalid path', [{ path: 'path', message: 'must not be /' }]);
  const base = normalisePath(options.basePath ?? '', 'basePath');
  const depth = path.split('/').length - 1;
  const refreshMs = Math.max(1000, Math.floor(options.refreshMs ?? 5000) || 5000);
  const apiBase = options.apiBase ?? '../'.repeat(depth);
  const html = asset(renderConsolePage({ apiBase, refreshMs }), 'text/html; charset=utf-8', 'no-cache');
  const assets: Record<string, Asset> = {
    '/': html,
    '/index.html': html,
    '/console.js': asset(consoleScript(), 'text/javascript; charset=utf-8', 'no-cache'),
    '/console.css': asset(consoleCss, 'text/css; charset=utf-8', 'no-cache'),
  };
  const lastSegment = path.slice(path.lastIndexOf('/') + 1);

  return async (request) => {
    let pathname = new URL(request.url, 'http://x').pathname;
    if (base) {
      if (pathname !== base && !pathname.startsWith(`${base}/`)) return undefined;
      pathname = pathname.slice(base.length) || '/';
    }
    if (pathname !== path && !pathname.startsWith(`${path}/`)) return undefined;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return plain(405, 'Method not allowed', { allow: 'GET, HEAD' });
    }
    // Relative, so the redirect is right under any mount prefix or proxy.
    if (pathname === path) return plain(308, 'Moved', { location: `${lastSegment}/` });
    const file = assets[pathname.slice(path.length)];
    if (!file) return plain(404, 'Not found');
    const headers = {
      ...SECURITY_HEADERS,
      'content-type': file.type,
      'cache-control': file.cacheControl,
      etag: file.etag,
    };
    if (request.headers.get('if-none-match') === file.etag)
      return new Response(null, { status: 304, headers });
    return new Response(request.method === 'HEAD' ? null : file.body, { status: 200, headers });
  };
}

function plain(status: number, text: string, extra: Record<string, string> = {}): Response {
  return new Response(text, {
    status,
    headers: {
      ...SECURITY_HEADERS,
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
      ...extra,
    },
  });
}
