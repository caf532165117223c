// openai-realtime-status: GET or POST, API bearer token: OpenAI availability and its circuit.
import { handlers } from '../_shared/steadycall.ts';

Deno.serve(handlers.openaiRealtimeStatus);
