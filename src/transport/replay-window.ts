/**
 * A sliding anti-replay window over 64-bit packet counters, in the manner of RFC 6479 (a ring of
 * bit words, so sliding costs at most one pass over the ring). Checking and committing are
 * separate: a counter is committed only after its packet authenticates, so forged packets never
 * move the window.
 */

/** Bits in the ring (RFC 6479: 2^n). */
export const REPLAY_WINDOW_BITS = 2048;
/** Counters are numbers: sessions rekey long before 2^53 packets (session-limits.ts). */
export const COUNTER_MAX = Number.MAX_SAFE_INTEGER;

const WORD_BITS = 32;
const WORDS = REPLAY_WINDOW_BITS / WORD_BITS;
/**
 * Counters accepted behind the highest seen: one word less than the ring, because sliding clears
 * the top counter's whole word, and the counters that shared that slot one ring earlier must
 * already be out of the window (RFC 6479 section 2; WireGuard does the same).
 */
export const REPLAY_WINDOW_USABLE = REPLAY_WINDOW_BITS - WORD_BITS;

/** Accepts each counter at most once, and none more than REPLAY_WINDOW_BITS behind the newest. */
export class ReplayWindow {
  private readonly words = new Uint32Array(WORDS);
  /** The highest committed counter; -1 before the first. */
  private top = -1;

  /** Whether `counter` would be accepted (not yet seen, not too old). */
  check(counter: number): boolean {
    if (!Number.isSafeInteger(counter) || counter < 0) return false;
    if (counter > this.top) return true;
    if (this.top - counter >= REPLAY_WINDOW_USABLE) return false;
    const i = counter % REPLAY_WINDOW_BITS;
    return ((this.words[i >>> 5] as number) & (1 << (i & 31))) === 0;
  }

  /** Marks `counter` seen (call only after check() and after the packet authenticated). */
  commit(counter: number): void {
    if (counter > this.top) {
      // Slide: the words after the old top's word up to the new top's word now hold counters
      // never seen (at most a whole ring of them).
      const oldWord = this.top < 0 ? -1 : Math.floor(this.top / WORD_BITS);
      const clear = Math.min(Math.floor(counter / WORD_BITS) - oldWord, WORDS);
      for (let k = 1; k <= clear; k++) this.words[(oldWord + k) % WORDS] = 0;
      this.top = counter;
    }
    const i = counter % REPLAY_WINDOW_BITS;
    this.words[i >>> 5] = (this.words[i >>> 5] as number) | (1 << (i & 31));
  }

  /** The highest committed counter, -1 before the first. */
  get highest(): number {
    return this.top;
  }
}
