import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { consoleScript } from '../../src/console/handler.js';
import { createOpsConsole, OPS_CONSOLE_CSP, ValidationError } from '../../src/index.js';

const get = (url: string, init: RequestInit = {}) => new Request(`http://localhost${url}`, init);

async function fetchAll(handler: ReturnType<typeof createOpsConsole>, prefix = '/ops/console') {
  const out: Record<string, Response> = {};
  for (const file of ['/', '/index.html', '/console.js', '/console.css']) {
    const res = await handler(get(`${prefix}${file}`));
    if (!res) throw new Error(`no response for ${file}`);
    out[file] = res;
  }
  return out;
}

describe('createOpsConsole', () => {
  it('serves the page, script and stylesheet with strict headers', async () => {
    const files = await fetchAll(createOpsConsole());
    const types = {
      '/': 'text/html; charset=utf-8',
      '/index.html': 'text/html; charset=utf-8',
      '/console.js': 'text/javascript; charset=utf-8',
      '/console.css': 'text/css; charset=utf-8',
    };
    for (const [file, res] of Object.entries(files)) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(types[file as keyof typeof types]);
      expect(res.headers.get('content-security-policy')).toBe(OPS_CONSOLE_CSP);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('etag')).toMatch(/^"sc-[0-9a-f]+-[0-9a-f]+"$/);
    }
    expect(OPS_CONSOLE_CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });

  it('has no inline script, inline style or external URL, and renders data without innerHTML', async () => {
    const files = await fetchAll(createOpsConsole());
    const html = await files['/']!.text();
    const js = await files['/console.js']!.text();
    const css = await files['/console.css']!.text();
    // Every <script> has a same-origin src and no body; no style element or attribute, no handler attribute.
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script src="console.js" defer>']);
    expect(html).toContain('<script src="console.js" defer></script>');
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    expect(html).toContain('<link rel="stylesheet" href="console.css">');
    for (const text of [html, js, css]) {
      expect(text).not.toMatch(/https?:\/\/|\/\/[a-z0-9-]+\.[a-z]/i);
      expect(text).not.toMatch(/@import|url\(/);
    }
    expect(js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
    expect(js).toContain('textContent');
    // The token is kept in sessionStorage, sent as a header, never put in a URL.
    expect(js).toContain('sessionStorage');
    expect(js).not.toContain('localStorage');
    expect(js).toContain("authorization: 'Bearer ' + bearer");
    expect(js).not.toMatch(/[?&]token=|searchParams\.set\(['"]token/);
    expect(js).not.toMatch(/console\.(log|info|debug|warn|error)/);
    // Parses as a script (it is a string in the bundle: a syntax error would only show in a browser).
    expect(() => new Script(consoleScript())).not.toThrow();
    expect(html).toContain('<label for="token">Ops token</label>');
    expect(html).toContain('type="password"');
  });

  it('takes no secret: every client gets the same files, with no token in them', async () => {
    const texts = async (files: Record<string, Response>) =>
      Object.fromEntries(await Promise.all(Object.entries(files).map(async ([k, r]) => [k, await r.text()])));
    const a = await texts(await fetchAll(createOpsConsole()));
    const b = await texts(await fetchAll(createOpsConsole()));
    expect(a).toEqual(b);
    for (const text of Object.values(a)) expect(text).not.toMatch(/token-[0-9a-f]|Bearer [A-Za-z0-9]/);
  });

  it('redirects the bare path to the page relatively, so any mount prefix works', async () => {
    const handler = createOpsConsole();
    const res = (await handler(get('/ops/console')))!;
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe('console/');
    expect(new URL(res.headers.get('location')!, 'http://h/steadycall/ops/console').pathname).toBe(
      '/steadycall/ops/console/',
    );
  });

  it('points the page at the ops routes relative to its own path, or where told', async () => {
    const meta = async (handler: ReturnType<typeof createOpsConsole>, prefix: string) => {
      const html = await (await handler(get(`${prefix}/`)))!.text();
      return /<meta name="steadycall-ops-api" content="([^"]*)">/.exec(html)?.[1];
    };
    expect(await meta(createOpsConsole(), '/ops/console')).toBe('../../');
    expect(await meta(createOpsConsole({ path: '/admin/ops/health/' }), '/admin/ops/health')).toBe(
      '../../../',
    );
    expect(await meta(createOpsConsole({ path: 'health' }), '/health')).toBe('../');
    expect(await meta(createOpsConsole({ apiBase: '/x/"><script>' }), '/ops/console')).toBe(
      '/x/&quot;&gt;&lt;script&gt;',
    );
    const refresh = await (await createOpsConsole({ refreshMs: 2500 })(get('/ops/console/')))!.text();
    expect(refresh).toContain('data-refresh-ms="2500"');
    const floor = await (await createOpsConsole({ refreshMs: 10 })(get('/ops/console/')))!.text();
    expect(floor).toContain('data-refresh-ms="1000"');
  });

  it('strips basePath before matching and ignores everything outside its path', async () => {
    const handler = createOpsConsole({ basePath: '/functions/v1' });
    expect((await handler(get('/functions/v1/ops/console/console.js')))?.status).toBe(200);
    expect(await handler(get('/ops/console/console.js'))).toBeUndefined();
    expect(await handler(get('/functions/v1/ops/providers'))).toBeUndefined();
    const plain = createOpsConsole();
    for (const path of ['/', '/ops/providers', '/ops/consoles', '/ops/console.js', '/health-check']) {
      expect(await plain(get(path))).toBeUndefined();
    }
  });

  it('404s unknown files under its path and 405s other methods, with the same strict headers', async () => {
    const handler = createOpsConsole();
    for (const path of ['/ops/console/secret', '/ops/console/.env', '/ops/console/console.js/x']) {
      const res = (await handler(get(path)))!;
      expect(res.status).toBe(404);
      expect(res.headers.get('content-security-policy')).toBe(OPS_CONSOLE_CSP);
    }
    const post = (await handler(get('/ops/console/', { method: 'POST', body: 'x' })))!;
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(post.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers HEAD without a body and a matching If-None-Match with 304', async () => {
    const handler = createOpsConsole();
    const head = (await handler(get('/ops/console/console.js', { method: 'HEAD' })))!;
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const etag = head.headers.get('etag')!;
    const cached = (await handler(get('/ops/console/console.js', { headers: { 'if-none-match': etag } })))!;
    expect(cached.status).toBe(304);
    expect(cached.body).toBeNull();
    expect(cached.headers.get('content-security-policy')).toBe(OPS_CONSOLE_CSP);
    const stale = (await handler(get('/ops/console/console.js', { headers: { 'if-none-match': '"x"' } })))!;
    expect(stale.status).toBe(200);
  });

  it('rejects a path that is not a plain URL path', () => {
    for (const path of ['/', '', '/a/../b', '/a b', '/a?x=1']) {
      expect(() => createOpsConsole({ path })).toThrow(ValidationError);
    }
    expect(() => createOpsConsole({ basePath: '/x/..' })).toThrow(ValidationError);
  });
});
