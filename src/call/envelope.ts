/**
 * How like the sent audio the received audio is: the correlation of their energy envelopes after
 * time alignment. An envelope is the RMS level in dB of each ENVELOPE_WINDOW_MS window (floored at
 * ENVELOPE_FLOOR_DB, so silence is one level whatever its noise); the received envelope is shifted
 * against the sent one by up to ALIGN_MAX_MS to where their Pearson correlation is highest, which
 * is both the alignment (the call's delay) and the figure.
 */

/** Envelope window (ms) and floor (dB below full scale). */
export const ENVELOPE_WINDOW_MS = 10;
export const ENVELOPE_FLOOR_DB = -60;
/** The largest delay searched for when aligning (ms). */
export const ALIGN_MAX_MS = 2_000;

/** The envelope (dB per window) of 16-bit samples at `rate`. */
export function energyEnvelope(samples: Int16Array, rate: number): Float64Array {
  const window = Math.max(1, Math.round((rate * ENVELOPE_WINDOW_MS) / 1000));
  const out = new Float64Array(Math.floor(samples.length / window));
  for (let w = 0; w < out.length; w++) {
    let sum = 0;
    for (let i = w * window; i < (w + 1) * window; i++) {
      const s = (samples[i] as number) / 32768;
      sum += s * s;
    }
    const rms = Math.sqrt(sum / window);
    out[w] = Math.max(ENVELOPE_FLOOR_DB, 20 * Math.log10(rms || 1e-12));
  }
  return out;
}

/** Pearson correlation of a[i] and b[i + lag] over their overlap (0 when either is flat). */
function correlationAt(a: Float64Array, b: Float64Array, lag: number): number {
  const start = Math.max(0, -lag);
  const end = Math.min(a.length, b.length - lag);
  const n = end - start;
  if (n < 2) return 0;
  let sa = 0;
  let sb = 0;
  for (let i = start; i < end; i++) {
    sa += a[i] as number;
    sb += b[i + lag] as number;
  }
  const ma = sa / n;
  const mb = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = start; i < end; i++) {
    const da = (a[i] as number) - ma;
    const db = (b[i + lag] as number) - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
}

/** The alignment of `received` to `sent` (both at `rate`): its delay and the envelopes' correlation there. */
export function compareAudio(sent: Int16Array, received: Int16Array, rate: number): { correlation: number; delayMs: number } {
  const a = energyEnvelope(sent, rate);
  const b = energyEnvelope(received, rate);
  const maxLag = Math.min(Math.round(ALIGN_MAX_MS / ENVELOPE_WINDOW_MS), b.length);
  let best = { correlation: -1, lag: 0 };
  // The received audio comes later: lags from 0 (a little before, for a clock that disagrees).
  for (let lag = -5; lag <= maxLag; lag++) {
    const c = correlationAt(a, b, lag);
    if (c > best.correlation) best = { correlation: c, lag };
  }
  return { correlation: best.correlation, delayMs: best.lag * ENVELOPE_WINDOW_MS };
}
