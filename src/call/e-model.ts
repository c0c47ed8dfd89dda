/**
 * Call quality by the E-model (ITU-T G.107), simplified as usual for VoIP monitoring: the rating
 * R = Ro - Is - Id - Ie,eff + A with the recommendation's defaults (Ro - Is = 93.2, A = 0), the
 * delay impairment Id from the one-way mouth-to-ear delay (G.107's simplified form, as in Cole and
 * Rosenbluth 2001), and the effective equipment impairment from the share of frames the listener
 * did not get (lost and concealed):
 *
 *   Ie,eff = Ie + (95 - Ie) * Ppl / (Ppl / BurstR + Bpl)
 *
 * Opus is taken as Ie = 0 (wideband voice at 24-32 kbit/s is at least as good as G.711, which G.113
 * rates 0) with Bpl = 20 (its concealment is robust, between G.711's 25.1 with PLC and G.729A's 19);
 * losses are taken as random (BurstR = 1). MOS follows from R by G.107 Annex B.
 */

/** Ro - Is with G.107's default parameters. */
export const E_MODEL_R0 = 93.2;
/** Opus's equipment impairment and packet-loss robustness (see above). */
export const OPUS_IE = 0;
export const OPUS_BPL = 20;
/** Codec delay counted in the mouth-to-ear delay: a 20 ms frame plus Opus's 6.5 ms look-ahead. */
export const CODEC_DELAY_MS = 26.5;

/** G.107's simplified delay impairment for a one-way delay `d` (ms). */
export function delayImpairment(d: number): number {
  const delay = Math.max(0, d);
  return 0.024 * delay + (delay > 177.3 ? 0.11 * (delay - 177.3) : 0);
}

/** The rating R for a one-way delay (ms) and the percentage of frames lost to the listener. */
export function rating(oneWayDelayMs: number, lossPercent: number, burstR = 1): number {
  const ppl = Math.max(0, Math.min(100, lossPercent));
  const ieEff = OPUS_IE + ((95 - OPUS_IE) * ppl) / (ppl / burstR + OPUS_BPL);
  return E_MODEL_R0 - delayImpairment(oneWayDelayMs) - ieEff;
}

/** MOS (1-4.5) from R (G.107 Annex B). */
export function mos(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}
