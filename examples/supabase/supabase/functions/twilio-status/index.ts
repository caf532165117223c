// twilio-status: POST from Twilio (signature checked): applies each status callback once, monotonically.
import { handlers } from '../_shared/steadycall.ts';

Deno.serve(handlers.twilioStatus);
