import type { Handler, SteadyCallHandlers } from './handlers.js';

// The route table the router serves. Kept apart from the router so the test suite can enumerate
// every route (the fuzz and auth suites iterate it: a new route is covered without being listed).

/** A route with path parameters: its template, its pattern, and how the captures reach the handler. */
export interface ParamRoute {
  /** As documented, e.g. `/ops/flags/:key`. */
  template: string;
  pattern: RegExp;
  handle(handlers: SteadyCallHandlers, request: Request, params: readonly string[]): Promise<Response>;
}

/** Fixed paths and their handlers. */
export function fixedRoutes(handlers: SteadyCallHandlers): Record<string, Handler> {
  return {
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
}

/** Routes with path parameters, tried in order after the fixed paths. */
export const paramRoutes: readonly ParamRoute[] = [
  {
    template: '/ops/breakers/:provider/reset',
    pattern: /^\/ops\/breakers\/([^/]+)\/reset$/,
    handle: (h, request, [provider]) => h.opsBreakerReset(request, provider!),
  },
  {
    template: '/ops/breakers/:provider/force-open',
    pattern: /^\/ops\/breakers\/([^/]+)\/force-open$/,
    handle: (h, request, [provider]) => h.opsBreakerForceOpen(request, provider!),
  },
  {
    template: '/ops/flags/:key',
    pattern: /^\/ops\/flags\/([^/]+)$/,
    handle: (h, request, [key]) => h.opsFlag(request, key!),
  },
];
