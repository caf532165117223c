// calls-start: POST, API bearer token: places an outbound call (flag, breaker, Idempotency-Key).
import { handlers } from '../_shared/steadycall.ts';

Deno.serve(handlers.callsStart);
