/**
 * The model's probabilities: for every context slot a 16-bit estimate of P(bit = 0) and a
 * confidence count, both from the trained priors.
 *
 * Most contexts are static: within one short message, adapting them was measured to save 0.03% of
 * the corpus (structure and numbers 43 bytes, text bits 2 bytes of 87 KB) at a third more decoding
 * work, because the priors already hold what the message would teach; repetition inside a message
 * is caught by the match model's history instead. The match decision ("is the byte as predicted?")
 * adapts: each coded bit moves the estimate by 1/(count + 1.5) of the way to the bit and raises the
 * count up to ADAPT_COUNT_MAX, so a message whose text the dictionary does not know soon stops
 * paying for predictions that fail.
 *
 * Every adapted slot is logged and restored from the priors after the message, so each message is
 * coded independently of the ones before it.
 */

/** Count at which adaptation settles to its slowest rate, 1/(ADAPT_COUNT_MAX + 1.5). */
export const ADAPT_COUNT_MAX = 30;
/** P(0) = 1/2 in the 16-bit scale. */
export const PROB_HALF = 0x8000;
/** Estimates stay within [PROB_MIN, PROB_MAX]: coded with 12 bits, never 0 or 1. */
export const PROB_MIN = 32;
export const PROB_MAX = 0x10000 - 32;
/** Adaptation step for each count, 1 / (count + 1.5) in units of 2^-14 (integer arithmetic). */
export const ADAPT_RATE_Q14 = Int32Array.from({ length: ADAPT_COUNT_MAX + 1 }, (_, n) => Math.round(16384 / (n + 1.5)));

/**
 * Working probabilities: a copy of the priors in which the slots of one region adapt and are
 * restored after each message. Counts, touched flags and the log cover only that region.
 */
export class AdaptiveTable {
  readonly probs: Uint16Array;
  private readonly counts: Uint8Array;
  private readonly priorCounts: Uint8Array;
  private readonly touched: Uint8Array;
  /** Slots changed since the last reset; each at most once, so at most `size` of them. */
  private readonly log: Int32Array;
  private logLength = 0;

  /**
   * `priorProbs` for every slot; slots [start, start + size) adapt. A slot the priors left at
   * exactly 1/2 (never trained) starts with count 0 and learns fast; trained ones start settled.
   */
  constructor(
    readonly priorProbs: Uint16Array,
    readonly start: number,
    readonly size: number,
  ) {
    this.probs = priorProbs.slice();
    this.priorCounts = Uint8Array.from({ length: size }, (_, i) => (priorProbs[start + i] === PROB_HALF ? 0 : ADAPT_COUNT_MAX));
    this.counts = this.priorCounts.slice();
    this.touched = new Uint8Array(size);
    this.log = new Int32Array(size);
  }

  /** Moves adaptive slot `s` towards `bit`. */
  update(s: number, bit: number): void {
    const i = s - this.start;
    const p = this.probs[s] as number;
    const n = this.counts[i] as number;
    let next = p + ((((bit === 0 ? 0x10000 : 0) - p) * (ADAPT_RATE_Q14[n] as number)) >> 14);
    next = next < PROB_MIN ? PROB_MIN : next > PROB_MAX ? PROB_MAX : next;
    this.probs[s] = next;
    if (n < ADAPT_COUNT_MAX) this.counts[i] = n + 1;
    if (this.touched[i] === 0) {
      this.touched[i] = 1;
      this.log[this.logLength++] = i;
    }
  }

  /** Restores every slot changed since the last reset. */
  reset(): void {
    for (let k = 0; k < this.logLength; k++) {
      const i = this.log[k] as number;
      this.probs[this.start + i] = this.priorProbs[this.start + i] as number;
      this.counts[i] = this.priorCounts[i] as number;
      this.touched[i] = 0;
    }
    this.logLength = 0;
  }
}
