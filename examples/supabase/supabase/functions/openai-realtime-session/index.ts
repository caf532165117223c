// openai-realtime-session: POST, API bearer token: a browser session with OpenAI without exposing the key.
import { handlers } from '../_shared/steadycall.ts';

Deno.serve(handlers.openaiRealtimeSession);
