// ops-health-run: POST, ops bearer token: checks every provider and the store, writes provider_status.
import { handlers } from '../_shared/steadycall.ts';

Deno.serve(handlers.opsHealthRun);
