/**
 * Training the priors. Every message of a training set is walked exactly as the encoder walks it,
 * but decisions are counted instead of coded. Which context a decision uses never depends on the
 * probabilities, so one counting pass gives exact bit counts. Predictions change which path is
 * walked, so they are settled first:
 *
 * 1. a majority vote (Boyer-Moore) per prediction slot finds each context's candidate symbol;
 * 2. a second walk counts how often the candidate is right; it is kept if right at least
 *    PREDICTION_HIT_RATE_MIN of the time;
 * 3. a third walk, with the final predictions, counts the bits of every context.
 */

import type { WireMessage, WireObject } from '../types.js';
import { NO_PREDICTION, PRED_SLOTS, PREDICTABLE_MAX, predSlot, slot, TABLE_SLOTS, TEXT2_BASE, text2Slot, TEXT_BASE } from './context.js';
import { walkEncode } from './codec.js';
import { WalkState } from './walk-state.js';
import { MATCH_ORDER, MessageHistory, TEXT_DICTIONARY_MAX_BYTES, TextDictionary } from './match-model.js';
import type { BitEncoder } from './numbers.js';
import { type PriorOptions, storePriors } from './priors.js';

/** Trainer settings, chosen by measurement on the training and benchmark corpora (docs/wire.md). */
export const TRAINING_DEFAULTS = { minSeen: 2, minSeenUntrained: 4, pseudoCount: 8 } as const;
/** A candidate becomes a prediction if it is right at least this often (a majority). */
export const PREDICTION_HIT_RATE_MIN = 0.5;
/** ... and was seen at least this many times. */
export const PREDICTION_SEEN_MIN = 8;
/** Stride of the string sample that makes the text dictionary (coprime with typical set sizes). */
const DICTIONARY_SAMPLE_STRIDE = 7;

/** Walks without coding; subclasses look at predictions or bits. */
class Walker implements BitEncoder {
  bit(slotIndex: number, bit: number): void {
    void slotIndex;
    void bit;
  }
  tree(h: number, nbits: number, value: number): void {
    if (this.predict(h, value)) return;
    let node = 1;
    for (let i = nbits - 1; i >= 0; i--) {
      const b = (value >>> i) & 1;
      this.bit(slot(h, node), b);
      node = (node << 1) | b;
    }
  }
  textByte(prev2: number, prev1: number, byte: number): void {
    let node = 1;
    for (let i = 7; i >= 0; i--) {
      const b = (byte >>> i) & 1;
      this.bit(text2Slot(prev2, prev1, node), b);
      this.bit(TEXT_BASE + prev1 * 256 + node, b);
      node = (node << 1) | b;
    }
  }
  adaptiveBit(slotIndex: number, bit: number): void {
    this.bit(slotIndex, bit);
  }
  uniform(): void {}
  rawBytes(): void {}
  predict(h: number, symbol: number): boolean {
    void h;
    void symbol;
    return false;
  }
}

/** Pass 1: a majority-vote candidate per prediction slot. */
class CandidateVote extends Walker {
  readonly candidate = new Int32Array(PRED_SLOTS).fill(NO_PREDICTION);
  readonly votes = new Int32Array(PRED_SLOTS);
  override predict(h: number, symbol: number): boolean {
    const i = predSlot(h);
    if (this.votes[i] === 0) {
      this.candidate[i] = symbol;
      this.votes[i] = 1;
    } else {
      this.votes[i] = (this.votes[i] as number) + (this.candidate[i] === symbol ? 1 : -1);
    }
    return false;
  }
}

/** Pass 2: how often each candidate is right. */
class CandidateCheck extends Walker {
  readonly hits = new Float64Array(PRED_SLOTS);
  readonly seen = new Float64Array(PRED_SLOTS);
  constructor(readonly candidate: Int32Array) {
    super();
  }
  override predict(h: number, symbol: number): boolean {
    const i = predSlot(h);
    this.seen[i] = (this.seen[i] as number) + 1;
    if (this.candidate[i] === symbol) this.hits[i] = (this.hits[i] as number) + 1;
    return false;
  }
}

/** Pass 3: bit counts along the paths the coder takes with the final predictions. */
class BitCounter extends Walker {
  readonly zeros = new Float64Array(TABLE_SLOTS);
  readonly ones = new Float64Array(TABLE_SLOTS);
  constructor(readonly predictions: Int32Array) {
    super();
  }
  override bit(slotIndex: number, bit: number): void {
    const counts = bit === 0 ? this.zeros : this.ones;
    counts[slotIndex] = (counts[slotIndex] as number) + 1;
  }
  override predict(h: number, symbol: number, excluded = NO_PREDICTION): boolean {
    const guess = this.predictions[predSlot(h)] as number;
    if (guess === NO_PREDICTION || guess === excluded) return false;
    const hit = guess === symbol ? 1 : 0;
    this.bit(slot(h, 0), hit);
    return hit === 1;
  }
}

/** Every string value of a message, depth first. */
function stringsOf(list: readonly WireObject[], out: string[]): string[] {
  for (const o of list) {
    if (o.type === 'string') out.push(o.value);
    else if (o.type === 'list') stringsOf(o.value, out);
  }
  return out;
}

/**
 * The match model's text dictionary: strings of the training set, taken at an even stride so the
 * sample spans the whole set, each after MATCH_ORDER zero bytes (the start-of-string context),
 * until TEXT_DICTIONARY_MAX_BYTES.
 */
export function buildTextDictionary(messages: readonly WireMessage[], maxBytes = TEXT_DICTIONARY_MAX_BYTES): Uint8Array {
  const strings: string[] = [];
  for (const m of messages) stringsOf(m.objects, strings);
  const out = new Uint8Array(maxBytes);
  let length = 0;
  const stride = DICTIONARY_SAMPLE_STRIDE;
  for (let k = 0; k < strings.length && length < maxBytes; k++) {
    const bytes = Buffer.from(strings[(k * stride) % strings.length] as string, 'utf8');
    const take = Math.min(bytes.length + MATCH_ORDER, maxBytes - length);
    out.set(Buffer.concat([Buffer.alloc(MATCH_ORDER), bytes]).subarray(0, take), length);
    length += take;
  }
  return out.subarray(0, length);
}

/** Trained priors and predictions, in the stored form that `expandPriors` reads. */
export function trainPriors(messages: readonly WireMessage[], options: Partial<Omit<PriorOptions, 'untrainedFrom'>> = {}): Uint8Array {
  const textDictionary = buildTextDictionary(messages);
  const dictionary = new TextDictionary(textDictionary);
  const text = (): WalkState => new WalkState(dictionary, new MessageHistory());
  const vote = new CandidateVote();
  const voteText = text();
  for (const m of messages) walkEncode(vote, m, voteText);
  const check = new CandidateCheck(vote.candidate);
  const checkText = text();
  for (const m of messages) walkEncode(check, m, checkText);
  const predictions = new Int32Array(PRED_SLOTS).fill(NO_PREDICTION);
  for (let i = 0; i < PRED_SLOTS; i++) {
    const c = vote.candidate[i] as number;
    const seen = check.seen[i] as number;
    if (c < 0 || c > PREDICTABLE_MAX || seen < PREDICTION_SEEN_MIN) continue;
    if ((check.hits[i] as number) / seen >= PREDICTION_HIT_RATE_MIN) predictions[i] = c;
  }
  const counter = new BitCounter(predictions);
  const counterText = text();
  for (const m of messages) walkEncode(counter, m, counterText);
  return storePriors(counter.zeros, counter.ones, predictions, textDictionary, { ...TRAINING_DEFAULTS, ...options, untrainedFrom: TEXT2_BASE });
}
