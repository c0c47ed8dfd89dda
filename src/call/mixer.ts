/**
 * A conference host's mix (issue #8): each participant hears everyone but themself. One sum of all
 * the frames, then for each participant the sum less their own frame (2N additions per sample
 * instead of N squared), clipped to 16 bits. A participant with nothing this turn (silent, held,
 * lost) is null: it adds nothing and hears the whole sum.
 */

import { FRAME_SAMPLES, type Frame } from './opus-codec.js';

/** For each of `frames`, the mix of all the others. */
export function mixAllButOne(frames: readonly (Frame | null)[]): Frame[] {
  const sum = new Int32Array(FRAME_SAMPLES);
  for (const f of frames) if (f) for (let i = 0; i < FRAME_SAMPLES; i++) sum[i] = (sum[i] as number) + (f[i] as number);
  return frames.map((own) => {
    const out = new Int16Array(FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const v = (sum[i] as number) - (own ? (own[i] as number) : 0);
      out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    return out;
  });
}
