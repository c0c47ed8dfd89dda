/**
 * Pearson's chi-square test per 4-bit group of packet bytes (Bonfiglio et al., "Revealing Skype
 * traffic", SIGCOMM 2007): for each nibble position, how far the counts of its 16 values stray
 * from uniform. With 15 degrees of freedom, a statistic above CHI_SQUARE_15_P0001 (44.26) happens
 * by chance with probability 0.0001: a byte position that regular is a fingerprint.
 */

/** The chi-square(15) critical value for p = 0.0001. */
export const CHI_SQUARE_15_P0001 = 44.26;

/** The statistic of each nibble position over the first `bytes` bytes of `packets` (shorter packets count where they reach). */
export function nibbleChiSquare(packets: readonly Uint8Array[], bytes: number): number[] {
  const counts = Array.from({ length: 2 * bytes }, () => new Float64Array(16));
  const totals = new Float64Array(2 * bytes);
  for (const p of packets) {
    const n = Math.min(bytes, p.length);
    for (let i = 0; i < n; i++) {
      const b = p[i] as number;
      const high = counts[2 * i] as Float64Array;
      const low = counts[2 * i + 1] as Float64Array;
      high[b >>> 4] = (high[b >>> 4] as number) + 1;
      low[b & 15] = (low[b & 15] as number) + 1;
      totals[2 * i] = (totals[2 * i] as number) + 1;
      totals[2 * i + 1] = (totals[2 * i + 1] as number) + 1;
    }
  }
  return counts.map((c, k) => {
    const expected = (totals[k] as number) / 16;
    if (expected === 0) return 0;
    let x = 0;
    for (const o of c) x += (o - expected) ** 2 / expected;
    return x;
  });
}

/** The largest statistic of `nibbleChiSquare`. */
export function maxNibbleChiSquare(packets: readonly Uint8Array[], bytes: number): number {
  return Math.max(0, ...nibbleChiSquare(packets, bytes));
}

/** ln Γ(z) for z > 0 (Lanczos, g = 7, nine coefficients: about 15 significant digits). */
function lnGamma(z: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - lnGamma(1 - z);
  const x = z - 1;
  let a = c[0] as number;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Iterations of the series and continued fraction below; both converge in far fewer for the values used here. */
const GAMMA_ITERATIONS_MAX = 1000;

/** The regularized upper incomplete gamma function Q(a, x) (series below a + 1, continued fraction above). */
function upperGammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const front = Math.exp(-x + a * Math.log(x) - lnGamma(a));
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < GAMMA_ITERATIONS_MAX && Math.abs(term) > Math.abs(sum) * 1e-16; n++) {
      term *= x / (a + n);
      sum += term;
    }
    return 1 - sum * front;
  }
  // Lentz's method for the continued fraction of Q.
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < GAMMA_ITERATIONS_MAX; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-16) break;
  }
  return front * h;
}

/** P(X > x) for X ~ chi-square with `df` degrees of freedom. */
export function chiSquareSurvival(x: number, df: number): number {
  return upperGammaQ(df / 2, x / 2);
}

/** The value a chi-square(`df`) statistic exceeds with probability `p` (bisection on the survival function). */
export function chiSquareCritical(p: number, df: number): number {
  let low = 0;
  let high = df;
  while (chiSquareSurvival(high, df) > p) high *= 2;
  for (let i = 0; i < 200 && high - low > 1e-9 * high; i++) {
    const mid = (low + high) / 2;
    if (chiSquareSurvival(mid, df) > p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}
