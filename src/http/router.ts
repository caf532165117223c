import type { Handler, SteadyCallHandlers } from './handlers.js';
import { errorResponse, NotFoundError } from './respond.js';

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
  const exact: Record<string, Handler> = {
    '/calls-start': handlers.callsStart,
    '/twilio-voice': handlers.twilioVoice,
    '/twilio-status': handlers.twilioStatus,
    '/openai-realtime-session': handlers.openaiRealtimeSession,
    '/openai-realtime-status': handlers.openaiRealtimeStatus,
    '/ops-health-run': handlers.opsHealthRun,
    '/health-check': handlers.healthCheck,
    '/ops/providers': handlers.opsProviders,
    '/ops/flags': handlers.opsFlags,
    '/ops/incidents': handlers.opsIncidents,
    '/ops/calls': handlers.opsCalls,
  };
  return async (request) => {
    let path = new URL(request.url, 'http://x').pathname;
    if (base && path.startsWith(base)) path = path.slice(base.length) || '/';
    const direct = exact[path];
    if (direct) return direct(request);
    const breaker = /^\/ops\/breakers\/([^/]+)\/(reset|force-open)$/.exec(path);
    if (breaker) {
      const provider = safeDecode(breaker[1]!);
      return breaker[2] === 'reset'
        ? handlers.opsBreakerReset(request, provider)
        : handlers.opsBreakerForceOpen(request, provider);
    }
    const flag = /^\/ops\/flags\/([^/]+)$/.exec(path);
    if (flag) return handlers.opsFlag(request, safeDecode(flag[1]!));
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
