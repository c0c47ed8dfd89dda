/**
 * How like the sent audio the received audio is: the correlation of their energy envelopes after
 * time alignment. An envelope is the RMS level in dB of each ENVELOPE_WINDOW_MS window (floored at
 * ENVELOPE_FLOOR_DB, so silence is one level whatever its noise).
 *
 * The alignment is in two steps, as ITU-T P.862 aligns speech per utterance: the whole received
 * envelope is shifted against the sent one by up to ALIGN_MAX_MS to where their Pearson
 * correlation is highest (the call's delay); then each ALIGN_SEGMENT_MS of the sent audio may move
 * by up to ALIGN_SLACK_MS more, to where it fits best. An adaptive jitter buffer changes the delay
 * during a call (it stretches a turn when nothing is there, and shortens pauses to catch up), and a
 * single shift would count that as damage. The figure is the Pearson correlation of all the
 * windows so paired.
 */

/** Envelope window (ms) and floor (dB below full scale). */
export const ENVELOPE_WINDOW_MS = 10;
export const ENVELOPE_FLOOR_DB = -60;
/** The largest delay searched for when aligning (ms). */
export const ALIGN_MAX_MS = 2_000;
/** The whole's alignment keeps at least this share of the shorter recording's windows in the overlap (a few windows always correlate). */
export const ALIGN_MIN_OVERLAP = 0.5;
/** Each segment of this length (ms) is aligned again, within this much of the whole's delay (ms). */
export const ALIGN_SEGMENT_MS = 1_000;
export const ALIGN_SLACK_MS = 100;

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

/** What compareAudio found: the correlation, the whole's delay, and how far the segments' delays spread. */
export interface AudioComparison {
  readonly correlation: number;
  readonly delayMs: number;
  /** The segments' delays, least and most (ms). */
  readonly delayRangeMs: readonly [number, number];
  /** The share of the sent audio's windows that the received recording has (a recording that stops early covers less). */
  readonly coverage: number;
}

/** The alignment of `received` to `sent` (both at `rate`): its delay and the envelopes' correlation there. */
export function compareAudio(sent: Int16Array, received: Int16Array, rate: number): AudioComparison {
  const a = energyEnvelope(sent, rate);
  const b = energyEnvelope(received, rate);
  const maxLag = Math.min(Math.round(ALIGN_MAX_MS / ENVELOPE_WINDOW_MS), b.length);
  const minOverlap = Math.ceil(ALIGN_MIN_OVERLAP * Math.min(a.length, b.length));
  let best = { correlation: -1, lag: 0 };
  // The received audio comes later: lags from 0 (a little before, for a clock that disagrees).
  for (let lag = -5; lag <= maxLag; lag++) {
    if (Math.min(a.length, b.length - lag) - Math.max(0, -lag) < minOverlap) continue;
    const c = correlationAt(a, b, lag);
    if (c > best.correlation) best = { correlation: c, lag };
  }
  const fine = alignSegments(a, b, best.lag);
  return { correlation: fine.correlation, delayMs: best.lag * ENVELOPE_WINDOW_MS, delayRangeMs: [fine.least * ENVELOPE_WINDOW_MS, fine.most * ENVELOPE_WINDOW_MS], coverage: a.length > 0 ? fine.pairs / a.length : 0 };
}

/**
 * Each segment of `a` paired with `b` at the lag within the slack of `lag` that adds most to their
 * covariance (about the whole's means); the correlation of all the pairs. As in the whole's
 * alignment, only windows that both have count (a recording that ends early is not silence).
 */
function alignSegments(a: Float64Array, b: Float64Array, lag: number): { correlation: number; least: number; most: number; pairs: number } {
  const segment = Math.round(ALIGN_SEGMENT_MS / ENVELOPE_WINDOW_MS);
  const slack = Math.round(ALIGN_SLACK_MS / ENVELOPE_WINDOW_MS);
  const mean = (x: Float64Array): number => x.reduce((sum, v) => sum + v, 0) / Math.max(1, x.length);
  const ma = mean(a);
  const mb = mean(b);
  const xs: number[] = [];
  const ys: number[] = [];
  let least = lag;
  let most = lag;
  for (let start = 0; start < a.length; start += segment) {
    const end = Math.min(a.length, start + segment);
    let chosen = { fit: -Infinity, lag };
    for (let l = lag - slack; l <= lag + slack; l++) {
      let fit = 0;
      for (let i = Math.max(start, -l); i < Math.min(end, b.length - l); i++) fit += ((a[i] as number) - ma) * ((b[i + l] as number) - mb);
      // Ties go to the lag nearest the whole's.
      if (fit > chosen.fit || (fit === chosen.fit && Math.abs(l - lag) < Math.abs(chosen.lag - lag))) chosen = { fit, lag: l };
    }
    for (let i = Math.max(start, -chosen.lag); i < Math.min(end, b.length - chosen.lag); i++) {
      xs.push(a[i] as number);
      ys.push(b[i + chosen.lag] as number);
    }
    least = Math.min(least, chosen.lag);
    most = Math.max(most, chosen.lag);
  }
  return { correlation: correlationAt(Float64Array.from(xs), Float64Array.from(ys), 0), least, most, pairs: xs.length };
}
