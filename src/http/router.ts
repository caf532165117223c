import type { Handler, SteadyCallHandlers } from './handlers.js';
import { errorResponse, NotFoundError } from './respond.js';
import { fixedRoutes, paramRoutes } from './routes.js';

/**
 * One fetch-style handler that routes every steadycall endpoint by path, for `Deno.serve`, Bun,
 * workers or any framework that speaks `Request`/`Response`.
 *
 * @example
 * ```ts
 * Deno.serve(createRouter(createHandlers(orchestrator, options)));
 * ```
 */
export function createRouter(handlers: SteadyCallHandlers, options: { basePath?: string } = {}): Handler {
  const base = (options.basePath ?? '').replace(/\/+$/, '');
  const exact = fixedRoutes(handlers);
  return async (request) => {
    let path = new URL(request.url, 'http://x').pathname;
    if (base && path.startsWith(base)) path = path.slice(base.length) || '/';
    const direct = exact[path];
    if (direct) return direct(request);
    for (const route of paramRoutes) {
      const match = route.pattern.exec(path);
      if (match) return route.handle(handlers, request, match.slice(1).map(safeDecode));
    }
    return errorResponse(new NotFoundError(`No route for ${request.method} ${path}`));
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
