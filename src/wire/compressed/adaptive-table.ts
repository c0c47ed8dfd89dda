/**
 * The model's probabilities: for every context slot a 16-bit estimate of P(bit = 0) and a
 * confidence count. Each coded bit moves the estimate by 1/(count + 1.5) of the way to the bit
 * and raises the count up to ADAPT_COUNT_MAX, so a context the priors never saw learns within a
 * few bits (a word repeated in a message) while a well-trained one moves slowly.
 *
 * Every slot a message touches is logged and restored from the priors afterwards, so each message
 * is coded independently of the ones before it.
 */

/** Count at which adaptation settles to its slowest rate, 1/(ADAPT_COUNT_MAX + 1.5). */
export const ADAPT_COUNT_MAX = 30;
/** P(0) = 1/2 in the 16-bit scale. */
export const PROB_HALF = 0x8000;
/** Estimates stay within [PROB_MIN, PROB_MAX]: coded with 12 bits, never 0 or 1. */
export const PROB_MIN = 32;
export const PROB_MAX = 0x10000 - 32;

/** The adaptation step for each count: 1 / (count + 1.5). */
export const ADAPT_RATE = Float64Array.from({ length: ADAPT_COUNT_MAX + 1 }, (_, n) => 1 / (n + 1.5));

/** Working probabilities and counts, restorable to their priors. */
export class AdaptiveTable {
  readonly probs: Uint16Array;
  readonly counts: Uint8Array;
  private log = new Int32Array(4096);
  private logLength = 0;

  constructor(
    readonly priorProbs: Uint16Array,
    readonly priorCounts: Uint8Array,
  ) {
    this.probs = priorProbs.slice();
    this.counts = priorCounts.slice();
  }

  /** Moves slot `s` towards `bit` and logs it. */
  update(s: number, bit: number): void {
    const p = this.probs[s] as number;
    const n = this.counts[s] as number;
    let next = p + ((bit === 0 ? 0x10000 : 0) - p) * (ADAPT_RATE[n] as number);
    next = next < PROB_MIN ? PROB_MIN : next > PROB_MAX ? PROB_MAX : next;
    this.probs[s] = next;
    if (n < ADAPT_COUNT_MAX) this.counts[s] = n + 1;
    if (this.logLength === this.log.length) this.grow();
    this.log[this.logLength++] = s;
  }

  /** Gives untrained slot `s` the state of slot `from` (an order-2 context seen for the first time). */
  seed(s: number, from: number): void {
    this.probs[s] = this.probs[from] as number;
    this.counts[s] = Math.min(this.counts[from] as number, 2);
    if (this.logLength === this.log.length) this.grow();
    this.log[this.logLength++] = s;
  }

  private grow(): void {
    const next = new Int32Array(this.log.length * 2);
    next.set(this.log);
    this.log = next;
  }

  /** Restores every slot touched since the last reset. */
  reset(): void {
    const log = this.log;
    for (let i = 0; i < this.logLength; i++) {
      const s = log[i] as number;
      this.probs[s] = this.priorProbs[s] as number;
      this.counts[s] = this.priorCounts[s] as number;
    }
    this.logLength = 0;
  }
}
