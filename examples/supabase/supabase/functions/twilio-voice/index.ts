// twilio-voice: POST from Twilio (signature checked): answers <Connect><Stream> TwiML or the fallback.
import { handlers } from '../_shared/steadycall.ts';

Deno.serve(handlers.twilioVoice);
