/**
 * Training the priors: every message of a training set is walked exactly as the encoder walks it,
 * but each binary decision is counted instead of coded. Which context a decision uses never
 * depends on probabilities, so the counts are exact and one pass suffices.
 */

import type { WireMessage } from '../types.js';
import { TABLE_SLOTS, TEXT2_BASE } from './context.js';
import { walkEncode } from './codec.js';
import type { BitEncoder } from './numbers.js';
import { type PriorOptions, storePriors } from './priors.js';

/** Trainer settings, chosen by measurement on the training and benchmark corpora (docs/wire.md). */
export const TRAINING_DEFAULTS = { minSeen: 2, minSeenUntrained: 4, pseudoCount: 8 } as const;

class BitCounter implements BitEncoder {
  readonly zeros = new Float64Array(TABLE_SLOTS);
  readonly ones = new Float64Array(TABLE_SLOTS);
  bit(slot: number, bit: number): void {
    const counts = bit === 0 ? this.zeros : this.ones;
    counts[slot] = (counts[slot] as number) + 1;
  }
  textBit(slot2: number, slot1: number, bit: number): void {
    this.bit(slot2, bit);
    this.bit(slot1, bit);
  }
  uniform(): void {}
}

/** Trained priors, in the stored form that `expandPriors` reads. */
export function trainPriors(messages: Iterable<WireMessage>, options: Partial<Omit<PriorOptions, 'untrainedFrom'>> = {}): Uint8Array {
  const counter = new BitCounter();
  for (const m of messages) walkEncode(counter, m);
  return storePriors(counter.zeros, counter.ones, { ...TRAINING_DEFAULTS, ...options, untrainedFrom: TEXT2_BASE });
}
