// health-check: GET, public: liveness (store reachable, version); reveals nothing secret.
import { handlers } from '../_shared/steadycall.ts';

Deno.serve(handlers.healthCheck);
