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
