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

/** Working probabilities and counts, restorable to their priors. */
export class AdaptiveTable {
  readonly probs: Uint16Array;
  readonly counts: Uint8Array;
  /** 1 for each slot changed since the last reset (so the log holds each slot once: bounded). */
  readonly touched: Uint8Array;
  /** The slots changed since the last reset. */
  log = new Int32Array(4096);
  logLength = 0;

  constructor(
    readonly priorProbs: Uint16Array,
    readonly priorCounts: Uint8Array,
  ) {
    this.probs = priorProbs.slice();
    this.counts = priorCounts.slice();
    this.touched = new Uint8Array(priorProbs.length);
  }

  /** Moves slot `s` towards `bit` and returns the new estimate. */
  update(s: number, bit: number): number {
    const p = this.probs[s] as number;
    const n = this.counts[s] as number;
    let next = p + ((((bit === 0 ? 0x10000 : 0) - p) * (ADAPT_RATE_Q14[n] as number)) >> 14);
    next = next < PROB_MIN ? PROB_MIN : next > PROB_MAX ? PROB_MAX : next;
    this.probs[s] = next;
    if (n < ADAPT_COUNT_MAX) this.counts[s] = n + 1;
    if (this.touched[s] === 0) this.logSlot(s);
    return next;
  }

  private logSlot(s: number): void {
    this.touched[s] = 1;
    if (this.logLength === this.log.length) {
      const next = new Int32Array(this.log.length * 2);
      next.set(this.log);
      this.log = next;
    }
    this.log[this.logLength++] = s;
  }

  /** Restores every slot changed since the last reset. */
  reset(): void {
    const log = this.log;
    for (let i = 0; i < this.logLength; i++) {
      const s = log[i] as number;
      this.probs[s] = this.priorProbs[s] as number;
      this.counts[s] = this.priorCounts[s] as number;
      this.touched[s] = 0;
    }
    this.logLength = 0;
  }
}
