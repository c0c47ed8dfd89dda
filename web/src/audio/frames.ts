/**
 * The live-audio frame of the daemon's /v1/calls/{id}/audio WebSocket (src/call/live-audio.ts):
 * 20 ms of 48 kHz mono, 960 samples of 16-bit little-endian PCM. The worklets run at 48 kHz (the
 * AudioContext is made at that rate; the browser resamples the microphone and the speakers).
 */

export const SAMPLE_RATE = 48_000;
export const FRAME_SAMPLES = 960;

/** Float samples (-1..1) to 16-bit PCM, clipped. */
export function toPcm16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i] ?? 0));
    out[i] = s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff);
  }
  return out;
}

/** 16-bit PCM to float samples. */
export function fromPcm16(pcm: Int16Array, out: Float32Array = new Float32Array(pcm.length)): Float32Array {
  for (let i = 0; i < pcm.length; i++) out[i] = (pcm[i] ?? 0) / 0x8000;
  return out;
}
