/**
 * Audio for the realtime bridge: the G.711 mu-law codec, streaming resamplers and the Gemini Live
 * transcoders built from them.
 *
 * @module
 */

export { decodeMulaw, decodeMulawInto, encodeMulaw, encodeMulawInto } from './mulaw.js';
export { pcm16FromBytes, pcm16ToBytes } from './pcm16.js';
export { createResampler, type Resampler, type ResamplerOptions } from './resample.js';
export {
  createMulawToPcm16k,
  createPcm24kToMulaw,
  type MulawToPcm16k,
  type Pcm24kToMulaw,
} from './transcode.js';
